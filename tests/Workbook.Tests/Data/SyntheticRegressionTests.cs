using TorchSharp;
using Workbook.Data;
using static TorchSharp.torch;

namespace Workbook.Tests.Data;

public class SyntheticRegressionTests
{
    static SyntheticRegressionTests() => torch.InitializeDeviceType(DeviceType.CPU);

    [Fact]
    public void Without_noise_the_targets_are_the_returned_linear_model_plus_bias()
    {
        var data = SyntheticData.MakeRegression(samples: 50, features: 8, informative: 3, targets: 2, bias: 1.5, seed: 4);
        Assert.Equal([50, 8], new[] { data.Features.GetLength(0), data.Features.GetLength(1) });
        Assert.Equal([8, 2], new[] { data.Coefficients.GetLength(0), data.Coefficients.GetLength(1) });
        var nonZero = 0;
        for (var j = 0; j < 8; j++)
            if (data.Coefficients[j, 0] != 0)
                nonZero++;
        Assert.Equal(3, nonZero);
        for (var i = 0; i < 50; i++)
        for (var t = 0; t < 2; t++)
        {
            var predicted = 1.5 + Enumerable.Range(0, 8).Sum(j => data.Features[i, j] * data.Coefficients[j, t]);
            Assert.Equal(predicted, data.Targets[i, t], 9);
        }
    }

    [Fact]
    public void Noise_has_the_requested_spread_and_a_seed_reproduces_the_data()
    {
        var clean = SyntheticData.MakeRegression(samples: 2000, features: 5, informative: 2, noise: 0, shuffle: false, seed: 1);
        var noisy = SyntheticData.MakeRegression(samples: 2000, features: 5, informative: 2, noise: 10, shuffle: false, seed: 1);
        var differences = Enumerable.Range(0, 2000).Select(i => noisy.Targets[i, 0] - clean.Targets[i, 0]).ToArray();
        var std = Math.Sqrt(differences.Select(d => d * d).Average());
        Assert.InRange(std, 9.3, 10.7);
        Assert.Equal(
            noisy.Targets,
            SyntheticData.MakeRegression(samples: 2000, features: 5, informative: 2, noise: 10, shuffle: false, seed: 1).Targets
        );
        var (x, y) = noisy.ToTensors();
        using (x)
        using (y)
        {
            Assert.Equal([2000L, 5L], x.shape);
            Assert.Equal([2000L], y.shape);
        }
    }

    [Fact]
    public void Effective_rank_is_rejected_clearly()
    {
        var error = Assert.Throws<NotSupportedException>(() => SyntheticData.MakeRegression(effectiveRank: 5));
        Assert.Contains("effectiveRank", error.Message);
    }
}
