using TorchSharp;
using Workbook.Data;
using static TorchSharp.torch;

namespace Workbook.Tests.Data;

public class SyntheticClassificationTests
{
    static SyntheticClassificationTests() => torch.InitializeDeviceType(DeviceType.CPU);

    [Fact]
    public void Defaults_give_100_by_20_with_two_classes_and_tensors_of_the_right_types()
    {
        var data = SyntheticData.MakeClassification();
        Assert.Equal(100, data.SampleCount);
        Assert.Equal(20, data.FeatureCount);
        Assert.Equal(["0", "1"], data.ClassNames);
        Assert.Equal(100, data.ClassCounts().Sum());
        var (x, y) = data.ToTensors();
        using (x)
        using (y)
        {
            Assert.Equal([100L, 20L], x.shape);
            Assert.Equal(ScalarType.Float32, x.dtype);
            Assert.Equal([100L], y.shape);
            Assert.Equal(ScalarType.Int64, y.dtype);
            Assert.Equal((float)data.Features[7, 3], x[7, 3].item<float>());
            Assert.Equal(data.Labels[42], y[42].item<long>());
        }
    }

    [Theory]
    [InlineData(100, 2, 2)]
    [InlineData(90, 3, 2)]
    [InlineData(120, 4, 1)]
    public void Without_label_noise_and_weights_classes_are_exactly_balanced(int samples, int classes, int clustersPerClass)
    {
        var data = SyntheticData.MakeClassification(
            samples: samples,
            informative: 3,
            classes: classes,
            clustersPerClass: clustersPerClass,
            flipY: 0,
            seed: 5
        );
        Assert.All(data.ClassCounts(), count => Assert.Equal(samples / classes, count));
    }

    [Fact]
    public void Weights_set_the_class_proportions_and_a_missing_last_weight_is_the_remainder()
    {
        // 1000 * 0.1 / 2 = 50 per cluster of class 0, 1000 * 0.9 / 2 = 450 per cluster of class 1: exact without flips.
        Assert.Equal([100, 900], SyntheticData.MakeClassification(samples: 1000, weights: [0.1, 0.9], flipY: 0).ClassCounts());
        Assert.Equal([100, 900], SyntheticData.MakeClassification(samples: 1000, weights: [0.1], flipY: 0).ClassCounts());
        Assert.Equal(
            [200, 300, 500],
            SyntheticData.MakeClassification(samples: 1000, informative: 3, classes: 3, weights: [0.2, 0.3], flipY: 0).ClassCounts()
        );
        // Label noise moves a few samples between classes but keeps the imbalance.
        var noisy = SyntheticData.MakeClassification(samples: 1000, weights: [0.1, 0.9], flipY: 0.05).ClassCounts();
        Assert.InRange(noisy[0], 100, 160);
    }

    [Fact]
    public void A_seed_reproduces_the_data_and_another_seed_changes_it()
    {
        var a = SyntheticData.MakeClassification(seed: 3);
        var b = SyntheticData.MakeClassification(seed: 3);
        var c = SyntheticData.MakeClassification(seed: 4);
        Assert.Equal(a.Features, b.Features);
        Assert.Equal(a.Labels, b.Labels);
        Assert.NotEqual(a.Features, c.Features);
    }

    [Fact]
    public void Without_shuffling_redundant_features_are_exact_linear_combinations_and_repeated_ones_copies()
    {
        const int informative = 3,
            redundant = 2,
            repeated = 3;
        var data = SyntheticData.MakeClassification(
            samples: 200,
            features: 10,
            informative: informative,
            redundant: redundant,
            repeated: repeated,
            shuffle: false,
            seed: 11
        );
        var x = data.Features;
        for (var r = 0; r < redundant; r++)
        {
            var target = Column(x, informative + r);
            var (residual, norm) = LeastSquaresResidual(x, informative, target);
            Assert.True(residual < 1e-9 * norm, $"redundant column {informative + r}: residual {residual} vs norm {norm}");
        }
        // Useless columns are not in the informative span.
        var (noiseResidual, noiseNorm) = LeastSquaresResidual(x, informative, Column(x, 9));
        Assert.True(noiseResidual > 0.5 * noiseNorm);
        for (var r = 0; r < repeated; r++)
        {
            var copy = Column(x, informative + redundant + r);
            Assert.Contains(Enumerable.Range(0, informative + redundant), j => Column(x, j).SequenceEqual(copy));
        }
    }

    [Fact]
    public void Shuffling_permutes_rows_and_columns_of_the_same_data()
    {
        var ordered = SyntheticData.MakeClassification(
            samples: 50,
            features: 6,
            informative: 2,
            redundant: 1,
            repeated: 1,
            flipY: 0,
            shuffle: false,
            seed: 2
        );
        var shuffled = SyntheticData.MakeClassification(
            samples: 50,
            features: 6,
            informative: 2,
            redundant: 1,
            repeated: 1,
            flipY: 0,
            shuffle: true,
            seed: 2
        );
        Assert.Equal(ordered.ClassCounts(), shuffled.ClassCounts());
        // Rows of the shuffled set are not in cluster order (the unshuffled labels are 0,0,..,1,1,..,0,0,..,1,1).
        Assert.NotEqual(ordered.Labels, shuffled.Labels);
    }

    [Fact]
    public void A_larger_class_separation_moves_the_class_means_apart()
    {
        double Distance(double classSep)
        {
            var data = SyntheticData.MakeClassification(
                samples: 2000,
                features: 4,
                informative: 2,
                redundant: 0,
                clustersPerClass: 1,
                flipY: 0,
                classSep: classSep,
                shuffle: false,
                seed: 1
            );
            var means = new double[2, data.FeatureCount];
            var counts = data.ClassCounts();
            for (var i = 0; i < data.SampleCount; i++)
            for (var j = 0; j < data.FeatureCount; j++)
                means[data.Labels[i], j] += data.Features[i, j] / counts[data.Labels[i]];
            return Math.Sqrt(Enumerable.Range(0, data.FeatureCount).Sum(j => Math.Pow(means[0, j] - means[1, j], 2)));
        }
        double near = Distance(0.5),
            far = Distance(3.0);
        Assert.True(far > 3 * near, $"distance {far} at classSep 3 vs {near} at classSep 0.5");
    }

    [Fact]
    public void Each_cluster_is_centred_on_a_distinct_hypercube_vertex_at_plus_or_minus_class_sep()
    {
        const double classSep = 1.5;
        var data = SyntheticData.MakeClassification(
            samples: 4000,
            features: 2,
            informative: 2,
            redundant: 0,
            clustersPerClass: 1,
            flipY: 0,
            classSep: classSep,
            shuffle: false,
            seed: 8
        );
        var vertices = new List<(int, int)>();
        foreach (var (start, stop) in new[] { (0, 2000), (2000, 4000) })
        {
            var corner = new int[2];
            for (var j = 0; j < 2; j++)
            {
                var mean = Enumerable.Range(start, stop - start).Average(i => data.Features[i, j]);
                // The random covariance has mean zero, so the cluster mean is the vertex (standard error about 0.03).
                Assert.True(Math.Abs(Math.Abs(mean) - classSep) < 0.15, $"cluster mean {mean} in column {j} is not at ±{classSep}");
                corner[j] = Math.Sign(mean);
            }
            vertices.Add((corner[0], corner[1]));
        }
        Assert.NotEqual(vertices[0], vertices[1]);
    }

    [Fact]
    public void Shift_and_scale_apply_per_feature_and_null_draws_them()
    {
        var plain = SyntheticData.MakeClassification(shuffle: false, seed: 9);
        var moved = SyntheticData.MakeClassification(shift: 2, scale: 3, shuffle: false, seed: 9);
        Assert.Equal((plain.Features[5, 4] + 2) * 3, moved.Features[5, 4], 12);
        var random = SyntheticData.MakeClassification(shift: null, scale: null, hypercube: false, seed: 9);
        Assert.Equal(100, random.SampleCount);
    }

    [Fact]
    public void Invalid_arguments_are_rejected_naming_the_argument()
    {
        var tooMany = Assert.Throws<ArgumentException>(() =>
            SyntheticData.MakeClassification(features: 4, informative: 2, redundant: 2, repeated: 1)
        );
        Assert.Contains("must sum to at most the number of total features", tooMany.Message);
        var clusters = Assert.Throws<ArgumentException>(() =>
            SyntheticData.MakeClassification(informative: 2, classes: 3, clustersPerClass: 2)
        );
        Assert.Contains("classes(3) * clustersPerClass(2) must be smaller or equal 2^informative(2)=4", clusters.Message);
        Assert.Equal("informative", clusters.ParamName);
        var weights = Assert.Throws<ArgumentException>(() => SyntheticData.MakeClassification(classes: 2, weights: [0.2, 0.3, 0.5]));
        Assert.Contains("Weights specified but incompatible with number of classes", weights.Message);
        Assert.Throws<ArgumentException>(() => SyntheticData.MakeClassification(weights: [0.9, 0.9]));
        Assert.Equal("samples", Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticData.MakeClassification(samples: 0)).ParamName);
    }

    [Fact]
    public void More_than_30_informative_features_still_give_distinct_vertices()
    {
        var data = SyntheticData.MakeClassification(
            samples: 40,
            features: 35,
            informative: 33,
            redundant: 0,
            classes: 4,
            clustersPerClass: 2,
            flipY: 0,
            seed: 1
        );
        Assert.Equal([10, 10, 10, 10], data.ClassCounts());
    }

    private static double[] Column(double[,] x, int j) => Enumerable.Range(0, x.GetLength(0)).Select(i => x[i, j]).ToArray();

    /// <summary>Norm of the residual of regressing <paramref name="target"/> on the first <paramref name="columns"/> columns (normal
    /// equations), and the target's norm.</summary>
    private static (double Residual, double Norm) LeastSquaresResidual(double[,] x, int columns, double[] target)
    {
        var n = x.GetLength(0);
        var a = new double[columns, columns + 1];
        for (var p = 0; p < columns; p++)
        {
            for (var q = 0; q < columns; q++)
            for (var i = 0; i < n; i++)
                a[p, q] += x[i, p] * x[i, q];
            for (var i = 0; i < n; i++)
                a[p, columns] += x[i, p] * target[i];
        }
        for (var p = 0; p < columns; p++)
        {
            for (var r = p + 1; r < columns; r++)
            {
                var f = a[r, p] / a[p, p];
                for (var q = p; q <= columns; q++)
                    a[r, q] -= f * a[p, q];
            }
        }
        var beta = new double[columns];
        for (var p = columns - 1; p >= 0; p--)
        {
            var s = a[p, columns];
            for (var q = p + 1; q < columns; q++)
                s -= a[p, q] * beta[q];
            beta[p] = s / a[p, p];
        }
        var residual = Math.Sqrt(
            Enumerable.Range(0, n).Sum(i => Math.Pow(target[i] - Enumerable.Range(0, columns).Sum(p => x[i, p] * beta[p]), 2))
        );
        return (residual, Math.Sqrt(target.Sum(v => v * v)));
    }
}
