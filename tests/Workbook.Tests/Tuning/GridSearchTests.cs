using Microsoft.Data.Analysis;
using Plotly.NET;
using Plotly.NET.CSharp;
using TorchSharp;
using Workbook.Data;
using Workbook.Models;
using Workbook.Training;
using Workbook.Tuning;
using static TorchSharp.torch;

namespace Workbook.Tests.Tuning;

[Collection(SerialCollection.Name)]
public class GridSearchTests
{
    static GridSearchTests() => torch.InitializeDeviceType(DeviceType.CPU);

    private static readonly TabularDataset Data = SyntheticData.MakeClassification(samples: 200, features: 6, informative: 3, seed: 1);

    [Fact]
    public void Grid_enumerates_the_cartesian_product_last_name_fastest()
    {
        var grid = new ParameterGrid { { "lr", 0.1, 0.01 }, { "width", 8, 16, 32 } };
        Assert.Equal(6, grid.Count);
        Assert.Equal(
            ["lr=0.1, width=8", "lr=0.1, width=16", "lr=0.1, width=32", "lr=0.01, width=8", "lr=0.01, width=16", "lr=0.01, width=32"],
            grid.Select(c => c.ToString())
        );
        Assert.Empty(new ParameterGrid());
        Assert.Contains("already has a hyper-parameter 'lr'", Assert.Throws<ArgumentException>(() => grid.Add("lr", 1.0)).Message);
        Assert.Contains("at least one candidate", Assert.Throws<ArgumentException>(() => grid.Add("dropout")).Message);
    }

    [Fact]
    public void Hyper_parameters_convert_numbers_and_name_what_is_missing()
    {
        var configuration = new ParameterGrid { { "batch_size", 32 }, { "activation", "tanh" } }.Single();
        Assert.Equal(32.0, configuration.Get<double>("batch_size"));
        Assert.Equal(32L, configuration.Get<long>("batch_size"));
        Assert.Equal(0.5, configuration.GetOrDefault("dropout", 0.5));
        Assert.Contains(
            "No hyper-parameter 'lr' in this configuration; it has batch_size, activation",
            Assert.Throws<KeyNotFoundException>(() => configuration.Get<double>("lr")).Message
        );
        Assert.Contains(
            "'activation' is tanh (String), which is not convertible to Int32",
            Assert.Throws<InvalidCastException>(() => configuration.Get<int>("activation")).Message
        );
    }

    [Fact]
    public void Hold_out_search_ranks_by_score_and_builds_a_dataframe()
    {
        var grid = new ParameterGrid { { "lr", 0.001, 0.01, 0.1 }, { "batch_size", 16, 64 } };
        var sizes = new List<(int, int)>();
        var result = GridSearch.Run(
            grid,
            Data,
            (p, train, validation) =>
            {
                sizes.Add((train.SampleCount, validation.SampleCount));
                return -Math.Abs(Math.Log10(p.Get<double>("lr")) + 2) - p.Get<int>("batch_size") / 1000.0; // best: lr 0.01, batch 16
            }
        );
        Assert.All(sizes, s => Assert.Equal((160, 40), s));
        Assert.Equal("lr=0.01, batch_size=16", result.Best.Parameters.ToString());
        Assert.Equal(result.Rows.Select(r => r.Mean).OrderDescending(), result.Rows.Select(r => r.Mean));
        var frame = result.ToDataFrame();
        Assert.Equal(["lr", "batch_size", "mean_accuracy", "std_accuracy", "rank", "seconds"], frame.Columns.Select(c => c.Name));
        Assert.Equal(0.01, (double)frame.Columns["lr"][0]!);
        Assert.Equal(6, frame.Rows.Count);
        Assert.Contains("best lr=0.01, batch_size=16", result.ToHtml());
        Assert.Single(result.Heatmap("lr", "batch_size").GetTraces());
        Assert.Contains(
            "'width' is not a searched hyper-parameter",
            Assert.Throws<ArgumentException>(() => result.Heatmap("lr", "width")).Message
        );
    }

    [Fact]
    public void Cross_validation_scores_every_fold_on_disjoint_validation_parts()
    {
        var validationRows = new List<double>();
        var result = GridSearch.Run(
            new ParameterGrid { { "k", 1 } },
            Data,
            (_, train, validation) =>
            {
                Assert.Equal(200, train.SampleCount + validation.SampleCount);
                for (var r = 0; r < validation.SampleCount; r++)
                    validationRows.Add(validation.Features[r, 0]);
                return validation.SampleCount;
            },
            new GridSearchOptions(Metric: "size", Folds: 5)
        );
        Assert.Equal([40.0, 40, 40, 40, 40], result.Best.Scores);
        Assert.Equal(0, result.Best.StandardDeviation);
        // each sample validated once
        Assert.Equal(Enumerable.Range(0, 200).Select(r => Data.Features[r, 0]).Order(), validationRows.Order());
    }

    [Fact]
    public void Lower_is_better_scores_sort_ascending_and_bad_scores_are_rejected()
    {
        var grid = new ParameterGrid { { "x", 3.0, 1.0, 2.0 } };
        var result = GridSearch.Run(
            grid,
            Data,
            (p, _, _) => p.Get<double>("x"),
            new GridSearchOptions(Metric: "loss", HigherIsBetter: false)
        );
        Assert.Equal([1.0, 2.0, 3.0], result.Rows.Select(r => r.Mean));
        Assert.Contains(
            "returned NaN for x=3",
            Assert.Throws<ArgumentException>(() => GridSearch.Run(grid, Data, (_, _, _) => double.NaN)).Message
        );
        Assert.Contains(
            "grid is empty",
            Assert.Throws<ArgumentException>(() => GridSearch.Run(new ParameterGrid(), Data, (_, _, _) => 0)).Message
        );
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            GridSearch.Run(grid, Data, (_, _, _) => 0, new GridSearchOptions(ValidationFraction: 1.5))
        );
    }

    [Fact]
    public void A_real_search_is_reproducible()
    {
        double FitAndScore(HyperParameters p, TabularDataset train, TabularDataset validation)
        {
            var model = new SimpleModel(new SimpleModelOptions(Inputs: 6, HiddenWidths: [p.Get<int>("width")]));
            var trainer = new Trainer(
                model,
                optim.Adam(model.parameters(), lr: p.Get<double>("lr")),
                nn.CrossEntropyLoss(),
                new TrainingOptions(Epochs: 3)
            );
            trainer.Metrics["accuracy"] = EpochMetrics.Accuracy;
            var (x, y) = train.ToTensors();
            var (xv, yv) = validation.ToTensors();
            trainer.Fit(x, y);
            return trainer.Evaluate(xv, yv).Single(v => v.Key == "accuracy").Value;
        }
        var grid = new ParameterGrid { { "lr", 0.01, 0.1 }, { "width", 4, 16 } };
        var first = GridSearch.Run(grid, Data, FitAndScore, new GridSearchOptions(Folds: 3));
        var second = GridSearch.Run(grid, Data, FitAndScore, new GridSearchOptions(Folds: 3));
        Assert.Equal(first.Rows.Select(r => (r.Parameters.ToString(), r.Mean)), second.Rows.Select(r => (r.Parameters.ToString(), r.Mean)));
        Assert.True(first.Best.Mean > 0.7, first.ToString());
    }
}
