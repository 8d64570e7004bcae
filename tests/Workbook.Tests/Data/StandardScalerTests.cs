using TorchSharp;
using Workbook.Data;
using static TorchSharp.torch;

namespace Workbook.Tests.Data;

public class StandardScalerTests
{
    static StandardScalerTests() => torch.InitializeDeviceType(DeviceType.CPU);

    private static readonly System.Text.Json.JsonElement Golden = Goldens.Get("scaler");

    [Fact]
    public void Statistics_and_transform_equal_scikit_learn_including_a_constant_column()
    {
        var scaler = new StandardScaler().Fit(Golden.GetProperty("fit").Matrix());
        AssertClose(Golden.GetProperty("mean").Doubles(), [.. scaler.Mean], 1e-12);
        AssertClose(Golden.GetProperty("var").Doubles(), [.. scaler.Variance], 1e-12);
        AssertClose(Golden.GetProperty("scale").Doubles(), [.. scaler.Scale], 1e-12);
        Assert.Equal(1.0, scaler.Scale[2]); // the constant column keeps scale 1
        AssertClose(Golden.GetProperty("transformed").Matrix(), scaler.Transform(Golden.GetProperty("fit").Matrix()), 1e-12);
        // Data the scaler was not fitted on uses the training statistics.
        AssertClose(Golden.GetProperty("otherTransformed").Matrix(), scaler.Transform(Golden.GetProperty("other").Matrix()), 1e-12);
    }

    [Fact]
    public void Inverse_transform_restores_the_input()
    {
        var x = Golden.GetProperty("other").Matrix();
        var scaler = new StandardScaler().Fit(Golden.GetProperty("fit").Matrix());
        AssertClose(x, scaler.InverseTransform(scaler.Transform(x)), 1e-9);
    }

    [Fact]
    public void Float32_tensors_are_transformed_with_the_same_statistics()
    {
        var fit = Golden.GetProperty("fit").Matrix();
        var scaler = new StandardScaler().Fit(fit);
        using var x = Workbook.Data.TensorConversion.ToFloat32(fit);
        using var scaled = scaler.Transform(x);
        Assert.Equal(ScalarType.Float32, scaled.dtype);
        var expected = Golden.GetProperty("transformed").Matrix();
        for (var i = 0; i < 6; i++)
        for (var j = 0; j < 4; j++)
            Assert.Equal(expected[i, j], scaled[i, j].item<float>(), 0.02); // float32 loses the 1e6 offset's low digits
        using var back = scaler.InverseTransform(scaled);
        Assert.Equal(fit[1, 1], back[1, 1].item<float>(), 1e-3);
        // Fitting on a tensor gives the double statistics of its float32 values.
        var fromTensor = new StandardScaler().Fit(x);
        Assert.Equal(scaler.Mean[0], fromTensor.Mean[0], 6);
    }

    [Fact]
    public void A_different_feature_count_or_an_unfitted_scaler_is_rejected_clearly()
    {
        var scaler = new StandardScaler();
        Assert.Contains("call Fit", Assert.Throws<InvalidOperationException>(() => scaler.Transform(new double[2, 4])).Message);
        scaler.Fit(Golden.GetProperty("fit").Matrix());
        var error = Assert.Throws<ArgumentException>(() => scaler.Transform(new double[2, 3]));
        Assert.Contains("fitted on 4 features but this input has 3", error.Message);
        using var wrong = torch.zeros(2, 5);
        Assert.Contains(
            "fitted on 4 features but this input has 5",
            Assert.Throws<ArgumentException>(() => scaler.Transform(wrong)).Message
        );
        Assert.Throws<ArgumentException>(() =>
            new StandardScaler().Fit(
                new double[,]
                {
                    { double.NaN },
                }
            )
        );
    }

    private static void AssertClose(double[] expected, double[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(
                Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])),
                $"[{i}] expected {expected[i]:R}, got {actual[i]:R}"
            );
    }

    private static void AssertClose(double[,] expected, double[,] actual, double tolerance)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        for (var i = 0; i < expected.GetLength(0); i++)
        for (var j = 0; j < expected.GetLength(1); j++)
            Assert.True(
                Math.Abs(expected[i, j] - actual[i, j]) <= tolerance * Math.Max(1, Math.Abs(expected[i, j])),
                $"[{i},{j}] expected {expected[i, j]:R}, got {actual[i, j]:R}"
            );
    }
}
