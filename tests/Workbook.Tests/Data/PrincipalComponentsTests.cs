using System.Text.Json;
using TorchSharp;
using Workbook.Data;
using static TorchSharp.torch;

namespace Workbook.Tests.Data;

public class PrincipalComponentsTests
{
    static PrincipalComponentsTests() => InitializeDeviceType(DeviceType.CPU);

    private static double[] Doubles(JsonElement e) => [.. e.EnumerateArray().Select(v => v.GetDouble())];

    [Fact]
    public void Equals_scikit_learn_signs_included()
    {
        var golden = JsonDocument.Parse(File.ReadAllText(Repository.Fixture("pca/goldens.json"))).RootElement;
        long[] shape = [.. golden.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64())];
        var data = tensor(Doubles(golden.GetProperty("data")), shape);
        foreach (var c in golden.GetProperty("cases").EnumerateArray())
        {
            var pca = PrincipalComponents.Fit(data, c.GetProperty("components").GetInt32());
            // Float64 SVDs by two libraries (LAPACK through NumPy and through libtorch): 1e-9 covers their rounding.
            AssertClose(Doubles(c.GetProperty("mean")), [.. pca.Mean]);
            AssertClose(Doubles(c.GetProperty("axes")), [.. pca.Axes.Cast<double>()]);
            AssertClose(Doubles(c.GetProperty("explained_variance")), [.. pca.ExplainedVariance]);
            AssertClose(Doubles(c.GetProperty("explained_variance_ratio")), [.. pca.ExplainedVarianceRatio]);
            AssertClose(Doubles(c.GetProperty("transformed")), pca.Transform(data).flatten().data<double>().ToArray());
        }
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(
                Math.Abs(expected[i] - actual[i]) <= 1e-9 * Math.Max(1, Math.Abs(expected[i])),
                $"[{i}]: expected {expected[i]}, got {actual[i]}"
            );
    }

    [Fact]
    public void Points_on_a_line_have_one_component_with_all_the_variance()
    {
        // Points t·(3, 4)/5 + (1, 1): the first axis is ±(0.6, 0.8), the second carries no variance.
        double[] t = [-2, -1, 0, 1, 2];
        var data = tensor(t.SelectMany(v => new[] { 1 + 0.6 * v, 1 + 0.8 * v }).ToArray(), [5, 2]).to(ScalarType.Float32);
        var pca = PrincipalComponents.Fit(data, 2);
        Assert.Equal(0.6, Math.Abs(pca.Axes[0, 0]), 6);
        Assert.Equal(0.8, Math.Abs(pca.Axes[0, 1]), 6);
        Assert.Equal(2.5, pca.ExplainedVariance[0], 5); // var(t) with n − 1 = 10 / 4
        Assert.Equal(1.0, pca.ExplainedVarianceRatio[0], 6);
        Assert.Equal(0.0, pca.ExplainedVariance[1], 6);
        var projected = pca.Transform(data).select(1, 0).data<double>().ToArray();
        Assert.Equal(t.Select(Math.Abs), projected.Select(v => Math.Round(Math.Abs(v), 5)));
    }

    [Fact]
    public void Bad_input_is_refused_naming_the_shape()
    {
        Assert.Contains("[1, 3]", Assert.Throws<ArgumentException>(() => PrincipalComponents.Fit(zeros(1, 3))).Message);
        Assert.Contains(
            "at most 3 components",
            Assert.Throws<ArgumentOutOfRangeException>(() => PrincipalComponents.Fit(zeros(5, 3), 4)).Message
        );
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => PrincipalComponents.Fit(full(4, 3, double.NaN))).Message);
        var pca = PrincipalComponents.Fit(randn(6, 3));
        Assert.Contains("[rows, 3]", Assert.Throws<ArgumentException>(() => pca.Transform(zeros(2, 4))).Message);
    }
}
