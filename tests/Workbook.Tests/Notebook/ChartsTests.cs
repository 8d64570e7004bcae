using System.Text.RegularExpressions;
using Plotly.NET;
using Plotly.NET.CSharp;
using TorchSharp;
using Workbook.Notebook;
using static TorchSharp.torch;

namespace Workbook.Tests.Notebook;

public class ChartsTests
{
    static ChartsTests() => torch.InitializeDeviceType(DeviceType.CPU);

    private static string Html(GenericChart chart) => GenericChart.toChartHTML(chart);

    // The axis's JSON object (nested objects such as its title skipped, two levels deep) holds "type":"log".
    private static Regex LogAxis(string axis) => new($"\"{axis}\":\\{{(?:[^{{}}]|\\{{(?:[^{{}}]|\\{{[^{{}}]*\\}})*\\}})*\"type\":\"log\"");

    [Fact]
    public void Curves_draw_one_line_per_series_with_titles()
    {
        var chart = Charts.Curves([("train", [1.0, 0.5, 0.25]), ("validation", [1.2, 0.7])], "epoch", "loss", logY: true, title: "Loss");
        Assert.Equal(2, chart.GetTraces().Count());
        var html = Html(chart);
        Assert.Contains("\"train\"", html);
        Assert.Contains("\"validation\"", html);
        Assert.Contains("\"type\":\"log\"", html);
        Assert.Contains("Loss", html);
    }

    [Fact]
    public void Curves_reject_what_cannot_be_drawn()
    {
        Assert.Contains(
            "Series 'empty' has no values",
            Assert.Throws<ArgumentException>(() => Charts.Curves([("empty", [])], "x", "y")).Message
        );
        Assert.Contains(
            "values ≤ 0",
            Assert.Throws<ArgumentException>(() => Charts.Curves([("loss", [1.0, 0.0])], "x", "y", logY: true)).Message
        );
    }

    [Fact]
    public void Lines_share_a_real_x_axis_and_pair_every_value()
    {
        var chart = Charts.Lines(
            [0.1, 0.5, 0.9],
            [("precision", [0.5, 0.8, 1.0]), ("recall", [1.0, 0.9, 0.2])],
            "threshold",
            "score",
            title: "Sweep"
        );
        Assert.Equal(2, chart.GetTraces().Count());
        var html = Html(chart);
        Assert.Contains("[0.1,0.5,0.9]", html);
        Assert.Contains("Sweep", html);
        Assert.Contains(
            "has 2 values for 3 x values",
            Assert.Throws<ArgumentException>(() => Charts.Lines([0.1, 0.5, 0.9], [("short", [1.0, 2.0])], "x", "y")).Message
        );
    }

    [Fact]
    public void Point_series_lines_can_use_a_log_x_axis_for_sizes_that_grow_by_factors()
    {
        IReadOnlyList<double> sizes = [100.0, 400.0, 1600.0];
        var chart = Charts.Lines(
            [("bag of words", sizes, [0.23, 0.37, 0.48]), ("pretrained", sizes, [0.45, 0.42, 0.33])],
            "labelled verses",
            "macro-F1",
            title: "Sizes",
            logX: true
        );
        Assert.Equal(2, chart.GetTraces().Count());
        var html = Html(chart);
        Assert.Matches(LogAxis("xaxis"), html);
        Assert.DoesNotMatch(LogAxis("yaxis"), html);
        Assert.DoesNotMatch(LogAxis("xaxis"), Html(Charts.Lines([("a", sizes, sizes)], "x", "y")));
        Assert.Contains(
            "has x values ≤ 0",
            Assert.Throws<ArgumentException>(() => Charts.Lines([("zero", [0.0, 1.0], [1.0, 2.0])], "x", "y", logX: true)).Message
        );
    }

    [Fact]
    public void Columns_draw_one_colour_per_series_over_the_categories()
    {
        var chart = Charts.Columns(
            [("new text", [40.0, 20.0]), ("old text", [10.0, 30.0])],
            ["base", "tuned"],
            "model",
            "perplexity",
            logY: true,
            title: "Forgetting"
        );
        Assert.Equal(2, chart.GetTraces().Count());
        var html = Html(chart);
        Assert.Contains("\"new text\"", html);
        Assert.Contains("\"tuned\"", html);
        Assert.Contains("\"type\":\"log\"", html);
        Assert.Contains("perplexity", html);
        Assert.Contains(
            "has 1 values for 2 categories",
            Assert.Throws<ArgumentException>(() => Charts.Columns([("a", [1.0])], ["x", "y"], "x", "y")).Message
        );
        Assert.Contains(
            "appears 2 times",
            Assert.Throws<ArgumentException>(() => Charts.Columns([("a", [1.0, 2.0])], ["x", "x"], "x", "y")).Message
        );
    }

    [Fact]
    public void Roc_adds_the_chance_line_and_the_auc()
    {
        var chart = Charts.Roc([0, 0.5, 1], [0, 0.8, 1], auc: 0.9);
        Assert.Equal(2, chart.GetTraces().Count());
        Assert.Contains("ROC (AUC = 0.900)", Html(chart));
        Assert.Contains(
            "has 3 values but truePositiveRate has 2",
            Assert.Throws<ArgumentException>(() => Charts.Roc([0, 0.5, 1], [0, 1], 0.5)).Message
        );
    }

    [Fact]
    public void Confusion_matrix_is_a_labelled_heatmap_with_true_rows()
    {
        var chart = Charts.ConfusionMatrix(
            new[,]
            {
                { 5, 1 },
                { 2, 7 },
            },
            ["benign", "malignant"]
        );
        var html = Html(chart);
        Assert.Contains("\"type\":\"heatmap\"", html);
        Assert.Contains("[[5.0,1.0],[2.0,7.0]]", html);
        Assert.Contains("true class", html);
        Assert.Contains("is 2×3", Assert.Throws<ArgumentException>(() => Charts.ConfusionMatrix(new int[2, 3], ["a", "b"])).Message);
        Assert.Contains(
            "2 row and 1 column labels",
            Assert.Throws<ArgumentException>(() => Charts.Heatmap(new double[2, 2], ["a", "b"], ["c"], "rows", "columns")).Message
        );
    }

    [Fact]
    public void Heatmaps_use_ordered_category_axes_and_write_each_value()
    {
        var chart = Charts.Heatmap(
            new[,]
            {
                { 0.91, 0.935 },
                { 0.875, 0.9 },
            },
            ["0.001", "0.1"],
            ["16", "64"],
            "lr",
            "batch size",
            valueFormat: "F3"
        );
        var html = Html(chart);
        Assert.Equal(2, Regex.Matches(html, "\"type\":\"category\"").Count);
        Assert.DoesNotContain("\"type\":\"linear\"", html);
        Assert.Contains("\"autorange\":\"reversed\"", html); // first row at the top, as in a table
        foreach (var value in new[] { "0.910", "0.935", "0.875", "0.900" })
            Assert.Contains($"\"text\":\"{value}\"", html);
        Assert.Contains(
            "\"text\":\"72\"",
            Html(
                Charts.ConfusionMatrix(
                    new[,]
                    {
                        { 72, 0 },
                        { 2, 40 },
                    },
                    ["benign", "malignant"]
                )
            )
        );
        Assert.Contains(
            "'0.1' appears 2 times",
            Assert.Throws<ArgumentException>(() => Charts.Heatmap(new double[2, 1], ["0.1", "0.1"], ["a"], "rows", "columns")).Message
        );
    }

    [Fact]
    public void A_large_heatmap_draws_without_cell_text()
    {
        var labels = Enumerable.Range(0, 30).Select(i => $"r{i}").ToArray();
        Assert.DoesNotContain("annotations", Html(Charts.Heatmap(new double[30, 30], labels, labels, "rows", "columns")));
    }

    [Fact]
    public void Spectrograms_have_seconds_and_hertz_axes()
    {
        var html = Html(Charts.Spectrogram(new double[3, 4], [0, 0.01, 0.02, 0.03], [100, 400, 1600], "log-mel"));
        Assert.Contains("\"x\":[0.0,0.01,0.02,0.03]", html);
        Assert.Contains("\"y\":[100.0,400.0,1600.0]", html);
        Assert.Contains("time (s)", html);
        Assert.Contains("frequency (Hz, log scale)", html);
        Assert.Contains("\"type\":\"log\"", html);
        Assert.Contains(
            "3 bands × 4 frames but there are 2 band frequencies",
            Assert.Throws<ArgumentException>(() => Charts.Spectrogram(new double[3, 4], [0, 1, 2, 3], [1, 2])).Message
        );
        Assert.Contains(
            "band 1 is 50 Hz",
            Assert.Throws<ArgumentException>(() => Charts.Spectrogram(new double[2, 1], [0], [100, 50])).Message
        );
    }

    [Fact]
    public void Decision_boundary_evaluates_the_model_on_a_grid_and_draws_each_class()
    {
        var features = tensor(
            new float[,]
            {
                { -1, -1 },
                { -1, 1 },
                { 1, -1 },
                { 1, 1 },
            }
        );
        var labels = tensor(new long[] { 0, 0, 1, 1 });
        var evaluated = 0L;
        var chart = Charts.DecisionBoundary(
            x =>
            {
                evaluated = x.shape[0];
                return (x[.., 0] > 0).to_type(ScalarType.Float32);
            },
            features,
            labels,
            resolution: 20
        );
        Assert.Equal(400, evaluated);
        Assert.Equal(3, chart.GetTraces().Count()); // the region and two classes
        Assert.Contains(
            "must be [n, 2]",
            Assert.Throws<ArgumentException>(() => Charts.DecisionBoundary(x => x, torch.zeros(4, 3), labels)).Message
        );
    }

    [Fact]
    public void Scatter_colours_series_by_number_and_draws_emphasised_ones_as_diamonds()
    {
        var chart = Charts.Scatter(
            [
                new ScatterSeries("Coat images", [0.1, 0.2], [0.3, 0.4], Colour: 4),
                new ScatterSeries("Coat captions", [0.5], [0.6], Colour: 4, Emphasised: true, Labels: ["long sleeves"]),
            ],
            "PC 1",
            "PC 2",
            title: "Embeddings"
        );
        Assert.Equal(2, chart.GetTraces().Count());
        var html = Html(chart);
        Assert.Equal(2, Regex.Matches(html, Regex.Escape("rgba(148, 103, 189, 1.0)")).Count); // both in the fifth colour
        Assert.Contains("\"symbol\":\"2\"", html); // plotly's number for a diamond
        Assert.Contains("long sleeves", html);
        Assert.Contains("PC 2", html);
        Assert.Contains(
            "2 x and 1 y values",
            Assert.Throws<ArgumentException>(() => Charts.Scatter([new ScatterSeries("bad", [1.0, 2.0], [1.0], 0)], "x", "y")).Message
        );
        Assert.Contains(
            "1 points but 2 labels",
            Assert
                .Throws<ArgumentException>(() => Charts.Scatter([new ScatterSeries("bad", [1.0], [1.0], 0, Labels: ["a", "b"])], "x", "y"))
                .Message
        );
    }

    [Fact]
    public void Titled_sets_the_layout_title()
    {
        Assert.Contains("My title", Html(Charts.PrecisionRecall([0, 1], [1, 0.5], 0.7).Titled("My title")));
    }
}
