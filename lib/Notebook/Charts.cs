using System.Globalization;
using Microsoft.FSharp.Core;
using Plotly.NET;
using Plotly.NET.CSharp;
using TorchSharp;
using static TorchSharp.torch;
using Chart = Plotly.NET.CSharp.Chart;

namespace Workbook.Notebook;

/// <summary>
/// The workbook's standard plots, built with Plotly.NET from plain arrays so any chapter (or your code) can call
/// them. A notebook shows a returned chart as the cell's value once it has loaded <c>#r "nuget: Plotly.NET.CSharp"</c>
/// and registered <see cref="ChartHtml"/> as the chart formatter, which draws offline (chapter 00's set-up cell).
/// Introduced in chapter 00.
/// </summary>
public static class Charts
{
    /// <summary>One line per named series against 1, 2, 3, ... (or <paramref name="startAt"/> onwards: epochs, steps): loss and metric
    /// curves.</summary>
    /// <param name="series">Name and values of each curve; curves may differ in length.</param>
    /// <param name="xTitle">Title of the x axis, e.g. "epoch".</param>
    /// <param name="yTitle">Title of the y axis, e.g. "loss".</param>
    /// <param name="logY">Use a logarithmic y axis (losses spanning decades).</param>
    /// <param name="title">Optional chart title.</param>
    /// <param name="startAt">The x value of each series' first point (e.g. the first epoch of a resumed run).</param>
    public static GenericChart Curves(
        IEnumerable<(string Name, IReadOnlyList<double> Values)> series,
        string xTitle,
        string yTitle,
        bool logY = false,
        string? title = null,
        int startAt = 1
    )
    {
        ArgumentNullException.ThrowIfNull(series);
        var list = series.ToList();
        if (list.Count == 0)
            throw new ArgumentException("Give at least one series to plot.", nameof(series));
        foreach (var (name, values) in list)
        {
            if (values is null || values.Count == 0)
                throw new ArgumentException($"Series '{name}' has no values.", nameof(series));
            if (logY && values.Any(v => v <= 0))
                throw new ArgumentException($"Series '{name}' has values ≤ 0, which a log axis cannot show.", nameof(series));
        }
        var chart = Chart.Combine(
            list.Select(s =>
                Chart.Line<int, double, string>(
                    x: Enumerable.Range(startAt, s.Values.Count),
                    y: s.Values,
                    ShowMarkers: s.Values.Count <= 30,
                    Name: s.Name
                )
            )
        );
        return Finish(chart, xTitle, yTitle, title, logY);
    }

    /// <summary>
    /// Curves over a shared real-valued x axis (a threshold, a learning rate, seconds), with the same axis and title
    /// rules as <see cref="Curves"/>: one line per series, each as long as <paramref name="x"/>.
    /// </summary>
    public static GenericChart Lines(
        IReadOnlyList<double> x,
        IEnumerable<(string Name, IReadOnlyList<double> Values)> series,
        string xTitle,
        string yTitle,
        bool logY = false,
        string? title = null
    )
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(series);
        var list = series.ToList();
        if (list.Count == 0)
            throw new ArgumentException("Give at least one series to plot.", nameof(series));
        foreach (var (name, values) in list)
        {
            if (values is null || values.Count != x.Count)
                throw new ArgumentException(
                    $"Series '{name}' has {values?.Count ?? 0} values for {x.Count} x values; they must pair up.",
                    nameof(series)
                );
            if (logY && values.Any(v => v <= 0))
                throw new ArgumentException($"Series '{name}' has values ≤ 0, which a log axis cannot show.", nameof(series));
        }
        return Lines(list.Select(s => (s.Name, x, s.Values)), xTitle, yTitle, logY, title);
    }

    /// <summary>Grouped columns: one colour per named series, one group per category (models compared on several measures).</summary>
    /// <param name="series">Name and values of each series, one value per category.</param>
    /// <param name="categories">The group labels along the x axis.</param>
    /// <param name="xTitle">Title of the x axis.</param>
    /// <param name="yTitle">Title of the y axis, with its unit.</param>
    /// <param name="logY">Use a logarithmic y axis (values spanning decades).</param>
    /// <param name="title">Optional chart title.</param>
    /// <exception cref="ArgumentException">No series, a series whose length is not the categories', repeated categories, or values ≤ 0 on a
    /// log axis.</exception>
    public static GenericChart Columns(
        IEnumerable<(string Name, IReadOnlyList<double> Values)> series,
        IReadOnlyList<string> categories,
        string xTitle,
        string yTitle,
        bool logY = false,
        string? title = null
    )
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(categories);
        var list = series.ToList();
        if (list.Count == 0)
            throw new ArgumentException("Give at least one series to plot.", nameof(series));
        RequireDistinct(categories, "category");
        foreach (var (name, values) in list)
        {
            if (values is null || values.Count != categories.Count)
                throw new ArgumentException(
                    $"Series '{name}' has {values?.Count ?? 0} values for {categories.Count} categories.",
                    nameof(series)
                );
            if (logY && values.Any(v => v <= 0))
                throw new ArgumentException($"Series '{name}' has values ≤ 0, which a log axis cannot show.", nameof(series));
        }
        var chart = Chart.Combine(
            list.Select(s => Chart.Column<double, string, string>(s.Values, Keys: Some<IEnumerable<string>>(categories), Name: s.Name))
        );
        return Finish(chart, xTitle, yTitle, title, logY);
    }

    /// <summary>One line per named series of (x, y) points: curves recorded at uneven or sparse x values, such as losses
    /// evaluated every 100 optimizer steps, or a quantity against seconds (chapter 09).</summary>
    /// <param name="series">Name, x values and y values of each curve (x and y of equal length).</param>
    /// <param name="xTitle">Title of the x axis, with its unit.</param>
    /// <param name="yTitle">Title of the y axis, with its unit.</param>
    /// <param name="logY">Use a logarithmic y axis.</param>
    /// <param name="title">Optional chart title.</param>
    /// <param name="logX">Use a logarithmic x axis: for x values that grow by factors, such as training-set sizes 100, 400,
    /// 1 600 (chapter 12).</param>
    public static GenericChart Lines(
        IEnumerable<(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y)> series,
        string xTitle,
        string yTitle,
        bool logY = false,
        string? title = null,
        bool logX = false
    )
    {
        ArgumentNullException.ThrowIfNull(series);
        var list = series.ToList();
        if (list.Count == 0)
            throw new ArgumentException("Give at least one series to plot.", nameof(series));
        foreach (var (name, x, y) in list)
        {
            RequireSameLength(x, y, $"{name} x", $"{name} y");
            if (y.Count == 0)
                throw new ArgumentException($"Series '{name}' has no values.", nameof(series));
            if (logY && y.Any(v => v <= 0))
                throw new ArgumentException($"Series '{name}' has values ≤ 0, which a log axis cannot show.", nameof(series));
            if (logX && x.Any(v => v <= 0))
                throw new ArgumentException($"Series '{name}' has x values ≤ 0, which a log axis cannot show.", nameof(series));
        }
        var chart = Chart.Combine(
            list.Select(s => Chart.Line<double, double, string>(x: s.X, y: s.Y, ShowMarkers: s.Y.Count <= 30, Name: s.Name))
        );
        return Finish(chart, xTitle, yTitle, title, logY, logX);
    }

    /// <summary>A ROC curve with the chance diagonal and the area under it in the legend.</summary>
    public static GenericChart Roc(
        IReadOnlyList<double> falsePositiveRate,
        IReadOnlyList<double> truePositiveRate,
        double auc,
        string? title = null
    )
    {
        RequireSameLength(falsePositiveRate, truePositiveRate, nameof(falsePositiveRate), nameof(truePositiveRate));
        var curve = Chart.Line<double, double, string>(x: falsePositiveRate, y: truePositiveRate, Name: $"ROC (AUC = {auc:F3})");
        var chance = Chart.Line<double, double, string>(x: [0.0, 1.0], y: [0.0, 1.0], Name: "chance");
        return Finish(Chart.Combine([curve, chance]), "false positive rate", "true positive rate", title, logY: false);
    }

    /// <summary>A precision–recall curve with the average precision in the legend.</summary>
    public static GenericChart PrecisionRecall(
        IReadOnlyList<double> recall,
        IReadOnlyList<double> precision,
        double averagePrecision,
        string? title = null
    )
    {
        RequireSameLength(recall, precision, nameof(recall), nameof(precision));
        var curve = Chart.Line<double, double, string>(x: recall, y: precision, Name: $"PR (AP = {averagePrecision:F3})");
        return Finish(curve, "recall", "precision", title, logY: false);
    }

    /// <summary>
    /// A heatmap of <paramref name="values"/>[row, column] with labelled rows and columns. Rows and columns are
    /// categories in the order given (first row at the top, like a table), so numeric labels such as learning rates
    /// 0.001, 0.01, 0.1 stay evenly spaced and in order; each cell shows its value when the matrix is small enough
    /// to read (at most 400 cells).
    /// </summary>
    /// <param name="values">The matrix, [row, column].</param>
    /// <param name="rowLabels">One label per row.</param>
    /// <param name="columnLabels">One label per column.</param>
    /// <param name="rowTitle">Title of the row (y) axis.</param>
    /// <param name="columnTitle">Title of the column (x) axis.</param>
    /// <param name="title">Optional chart title.</param>
    /// <param name="valueFormat">.NET format of the value written in each cell, e.g. "F3", "N0".</param>
    /// <exception cref="ArgumentException">The label counts do not match the matrix, or a label repeats.</exception>
    public static GenericChart Heatmap(
        double[,] values,
        IReadOnlyList<string> rowLabels,
        IReadOnlyList<string> columnLabels,
        string rowTitle,
        string columnTitle,
        string? title = null,
        string valueFormat = "G4"
    )
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(rowLabels);
        ArgumentNullException.ThrowIfNull(columnLabels);
        if (rowLabels.Count != values.GetLength(0) || columnLabels.Count != values.GetLength(1))
            throw new ArgumentException(
                $"The matrix is {values.GetLength(0)}×{values.GetLength(1)} but there are {rowLabels.Count} row and "
                    + $"{columnLabels.Count} column labels."
            );
        // A category axis merges equal labels, which would silently stack two rows into one.
        RequireDistinct(rowLabels, "row");
        RequireDistinct(columnLabels, "column");
        var rows = Enumerable
            .Range(0, values.GetLength(0))
            .Select(r => Enumerable.Range(0, values.GetLength(1)).Select(c => values[r, c]).ToArray())
            .ToArray();
        var text = rows.Select(row => row.Select(v => v.ToString(valueFormat, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        var chart =
            values.Length <= 400
                ? Chart.AnnotatedHeatmap<double, string, string, string>(
                    zData: rows,
                    annotationText: text,
                    X: Some<IEnumerable<string>>(columnLabels),
                    Y: Some<IEnumerable<string>>(rowLabels),
                    ColorScale: ReadableScale,
                    ReverseYAxis: true
                )
                : Chart.Heatmap<double, string, string, string>(
                    zData: rows,
                    X: Some<IEnumerable<string>>(columnLabels),
                    Y: Some<IEnumerable<string>>(rowLabels),
                    ColorScale: ReadableScale,
                    ReverseYAxis: true
                );
        chart = chart
            .WithXAxisStyle<double, double, string>(TitleText: columnTitle, AxisType: StyleParam.AxisType.Category)
            .WithYAxisStyle<double, double, string>(TitleText: rowTitle, AxisType: StyleParam.AxisType.Category);
        return title is null ? chart : chart.Titled(title);
    }

    /// <summary>
    /// A spectrogram: <paramref name="decibels"/>[band, frame] drawn against time in seconds (x) and each band's
    /// centre frequency in hertz (y, logarithmic, close to how mel bands are spaced). Introduced in chapter 08.
    /// </summary>
    /// <param name="decibels">Levels in dB, [band, frame].</param>
    /// <param name="frameSeconds">The time of each frame, in seconds (length = frames).</param>
    /// <param name="bandHertz">The centre frequency of each band, in hertz, increasing (length = bands).</param>
    /// <param name="title">Optional chart title.</param>
    /// <exception cref="ArgumentException">The axes do not match the matrix, or the frequencies are not positive and
    /// increasing.</exception>
    public static GenericChart Spectrogram(
        double[,] decibels,
        IReadOnlyList<double> frameSeconds,
        IReadOnlyList<double> bandHertz,
        string? title = null
    )
    {
        ArgumentNullException.ThrowIfNull(decibels);
        ArgumentNullException.ThrowIfNull(frameSeconds);
        ArgumentNullException.ThrowIfNull(bandHertz);
        if (bandHertz.Count != decibels.GetLength(0) || frameSeconds.Count != decibels.GetLength(1))
            throw new ArgumentException(
                $"The spectrogram is {decibels.GetLength(0)} bands × {decibels.GetLength(1)} frames but there are {bandHertz.Count} band "
                    + $"frequencies and {frameSeconds.Count} frame times."
            );
        for (var b = 0; b < bandHertz.Count; b++)
            if (bandHertz[b] <= 0 || (b > 0 && bandHertz[b] <= bandHertz[b - 1]))
                throw new ArgumentException(
                    $"Band frequencies must be positive and increasing; band {b} is {bandHertz[b]} Hz.",
                    nameof(bandHertz)
                );
        var rows = Enumerable
            .Range(0, decibels.GetLength(0))
            .Select(r => Enumerable.Range(0, decibels.GetLength(1)).Select(c => decibels[r, c]).ToArray())
            .ToArray();
        var chart = Chart
            .Heatmap<double, double, double, string>(
                zData: rows,
                X: Some<IEnumerable<double>>(frameSeconds),
                Y: Some<IEnumerable<double>>(bandHertz),
                Name: "level (dB)"
            )
            .WithXAxisStyle<double, double, string>(TitleText: "time (s)")
            .WithYAxisStyle<double, double, string>(TitleText: "frequency (Hz, log scale)", AxisType: StyleParam.AxisType.Log);
        return title is null ? chart : chart.Titled(title);
    }

    /// <summary>A confusion matrix as a heatmap: rows are true classes, columns predicted classes.</summary>
    public static GenericChart ConfusionMatrix(int[,] counts, IReadOnlyList<string> labels, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.GetLength(0) != counts.GetLength(1))
            throw new ArgumentException(
                $"A confusion matrix is square; this one is {counts.GetLength(0)}×{counts.GetLength(1)}.",
                nameof(counts)
            );
        var values = new double[counts.GetLength(0), counts.GetLength(1)];
        for (var r = 0; r < counts.GetLength(0); r++)
        for (var c = 0; c < counts.GetLength(1); c++)
            values[r, c] = counts[r, c];
        return Heatmap(values, labels, labels, "true class", "predicted class", title, valueFormat: "N0");
    }

    /// <summary>
    /// The decision regions of a two-feature classifier: its predicted probability of class 1 over a grid covering
    /// the points, with the points drawn on top, one colour per class.
    /// </summary>
    /// <param name="probabilityOfClass1">Maps a float32 [n, 2] tensor to [n] probabilities (e.g. <c>x => model.call(x).softmax(1)[..,
    /// 1]</c>).</param>
    /// <param name="features">Float [n, 2] tensor of points.</param>
    /// <param name="labels">Integer [n] tensor of classes 0 and 1.</param>
    /// <param name="resolution">Grid points per axis, 10 to 400.</param>
    /// <param name="title">Optional chart title.</param>
    public static GenericChart DecisionBoundary(
        Func<Tensor, Tensor> probabilityOfClass1,
        Tensor features,
        Tensor labels,
        int resolution = 100,
        string? title = null
    )
    {
        ArgumentNullException.ThrowIfNull(probabilityOfClass1);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(resolution, 10);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(resolution, 400);
        if (features.dim() != 2 || features.shape[1] != 2)
            throw new ArgumentException($"features must be [n, 2]; got [{string.Join(", ", features.shape)}].", nameof(features));
        if (labels.dim() != 1 || labels.shape[0] != features.shape[0])
            throw new ArgumentException($"labels must be [{features.shape[0]}]; got [{string.Join(", ", labels.shape)}].", nameof(labels));

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var points = features.cpu().to_type(ScalarType.Float32);
        var (min, max) = (points.min(0).values, points.max(0).values);
        var margin = (max - min) * 0.1;
        var xs = linspace((min[0] - margin[0]).item<float>(), (max[0] + margin[0]).item<float>(), resolution);
        var ys = linspace((min[1] - margin[1]).item<float>(), (max[1] + margin[1]).item<float>(), resolution);
        var mesh = meshgrid([ys, xs], indexing: "ij");
        var grid = stack([mesh[1].flatten(), mesh[0].flatten()], dim: 1);
        var probability = probabilityOfClass1(grid)
            .cpu()
            .to_type(ScalarType.Float64)
            .reshape(resolution, resolution)
            .data<double>()
            .ToArray();
        var rows = Enumerable.Range(0, resolution).Select(r => probability.Skip(r * resolution).Take(resolution).ToArray()).ToArray();
        var region = Chart.Heatmap<double, float, float, string>(
            zData: rows,
            X: Some<IEnumerable<float>>(xs.data<float>().ToArray()),
            Y: Some<IEnumerable<float>>(ys.data<float>().ToArray()),
            Name: "P(class 1)",
            Opacity: 0.6
        );

        var classes = labels.cpu().to_type(ScalarType.Int64).data<long>().ToArray();
        var coordinates = points.data<float>().ToArray();
        var scatter = classes
            .Distinct()
            .Order()
            .Select(k =>
            {
                var members = Enumerable.Range(0, classes.Length).Where(i => classes[i] == k).ToArray();
                return Chart.Point<float, float, string>(
                    x: members.Select(i => coordinates[2 * i]),
                    y: members.Select(i => coordinates[2 * i + 1]),
                    Name: $"class {k}"
                );
            });
        return Finish(Chart.Combine([region, .. scatter]), "feature 0", "feature 1", title, logY: false);
    }

    /// <summary>
    /// Points in a plane, one legend entry per <see cref="ScatterSeries"/>, coloured by its colour number and drawn as
    /// small dots or, emphasised, as large diamonds (introduced in chapter 12: image and caption embeddings in 2-D).
    /// </summary>
    /// <exception cref="ArgumentException">No series, an empty one, or one whose x, y and labels do not pair up.</exception>
    public static GenericChart Scatter(IEnumerable<ScatterSeries> series, string xTitle, string yTitle, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        var list = series.ToList();
        if (list.Count == 0)
            throw new ArgumentException("Give at least one series to plot.", nameof(series));
        foreach (var s in list)
        {
            ArgumentNullException.ThrowIfNull(s);
            if (s.X.Count == 0 || s.X.Count != s.Y.Count)
                throw new ArgumentException(
                    $"Series '{s.Name}' has {s.X.Count} x and {s.Y.Count} y values; give at least one point, with x and y paired.",
                    nameof(series)
                );
            if (s.Labels is not null && s.Labels.Count != s.X.Count)
                throw new ArgumentException($"Series '{s.Name}' has {s.X.Count} points but {s.Labels.Count} labels.", nameof(series));
        }
        var chart = Chart.Combine(
            list.Select(s =>
            {
                var colour = Color.fromHex(Palette[((s.Colour % Palette.Length) + Palette.Length) % Palette.Length]);
                var symbol = s.Emphasised ? StyleParam.MarkerSymbol.Diamond : StyleParam.MarkerSymbol.Circle;
                return s.Labels is null
                    ? Chart.Point<double, double, string>(
                        x: s.X,
                        y: s.Y,
                        Name: s.Name,
                        MarkerColor: colour,
                        MarkerSymbol: symbol,
                        Opacity: s.Emphasised ? 1.0 : 0.45
                    )
                    : Chart.Point<double, double, string>(
                        x: s.X,
                        y: s.Y,
                        Name: s.Name,
                        MarkerColor: colour,
                        MarkerSymbol: symbol,
                        Opacity: s.Emphasised ? 1.0 : 0.45,
                        MultiText: Some<IEnumerable<string>>(s.Labels)
                    );
            })
        );
        return Finish(chart, xTitle, yTitle, title, logY: false);
    }

    // Plotly's default ten colours (D3's category10), so series can be matched by colour across groups.
    private static readonly string[] Palette =
    [
        "#1f77b4",
        "#ff7f0e",
        "#2ca02c",
        "#d62728",
        "#9467bd",
        "#8c564b",
        "#e377c2",
        "#7f7f7f",
        "#bcbd22",
        "#17becf",
    ];

    /// <summary>
    /// Latency percentiles (p50, p90, p99) of several load tests side by side, one group of columns per percentile and
    /// one colour per test, in milliseconds.
    /// </summary>
    /// <exception cref="ArgumentException">No results, or a result with no successful request.</exception>
    public static GenericChart LatencyPercentiles(IEnumerable<Deployment.LoadTestResult> results, string? title = null)
    {
        var list = RequireLoadResults(results);
        return Columns(
            list.Select(r => (r.Name, (IReadOnlyList<double>)[r.Latency!.P50Ms, r.Latency.P90Ms, r.Latency.P99Ms])),
            ["p50", "p90", "p99"],
            "percentile",
            "latency (ms)",
            title: title
        );
    }

    /// <summary>Successful requests per second of several load tests, one column each.</summary>
    /// <exception cref="ArgumentException">No results, or a result with no successful request.</exception>
    public static GenericChart Throughput(IEnumerable<Deployment.LoadTestResult> results, string? title = null)
    {
        var list = RequireLoadResults(results);
        var chart = Chart.Column<double, string, string>(
            list.Select(r => r.Throughput),
            Keys: list.Select(r => r.Name).ToArray(),
            Name: "requests/s"
        );
        return Finish(chart, "configuration", "requests per second", title, logY: false);
    }

    private static List<Deployment.LoadTestResult> RequireLoadResults(IEnumerable<Deployment.LoadTestResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var list = results.ToList();
        if (list.Count == 0)
            throw new ArgumentException("Give at least one load-test result.", nameof(results));
        foreach (var r in list)
            if (r.Latency is null)
                throw new ArgumentException(
                    $"Load test '{r.Name}' has no successful request to chart ({r.Failed} failed).",
                    nameof(results)
                );
        return list;
    }

    /// <summary>Sets a chart's title (Plotly.NET.CSharp has no C#-friendly call for it).</summary>
    public static GenericChart Titled(this GenericChart chart, string title)
    {
        ArgumentNullException.ThrowIfNull(chart);
        // F# optional arguments arrive in C# as FSharpOption values, where null means "not given".
        var spec = Title.init(new FSharpOption<string>(title), null, null, null, null, null, null, null, null, null, null, null);
        return Plotly.NET.Chart.withTitle(spec).Invoke(chart);
    }

    // Plotly.NET.CSharp's Optional<T> converts implicitly from T, but C# applies no user-defined conversion
    // from an interface type such as IEnumerable<T>, so sequences are wrapped explicitly.
    private static Plotly.NET.CSharp.Optional<T> Some<T>(T value) => new(value, true);

    // Light to mid blue: black cell text stays readable on every cell.
    private static readonly StyleParam.Colorscale ReadableScale = StyleParam.Colorscale.NewCustom([
        Tuple.Create(0.0, Color.fromHex("#f7fbff")),
        Tuple.Create(1.0, Color.fromHex("#4a98c9")),
    ]);

    // An axis type is set only for a log scale: Plotly then picks linear for numbers and category for labels.
    private static GenericChart Finish(GenericChart chart, string xTitle, string yTitle, string? title, bool logY, bool logX = false)
    {
        chart = logX
            ? chart.WithXAxisStyle<double, double, string>(TitleText: xTitle, AxisType: StyleParam.AxisType.Log)
            : chart.WithXAxisStyle<double, double, string>(TitleText: xTitle);
        chart = logY
            ? chart.WithYAxisStyle<double, double, string>(TitleText: yTitle, AxisType: StyleParam.AxisType.Log)
            : chart.WithYAxisStyle<double, double, string>(TitleText: yTitle);
        return title is null ? chart : chart.Titled(title);
    }

    private static void RequireDistinct(IReadOnlyList<string> labels, string what)
    {
        var repeated = labels.GroupBy(l => l, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null)
            throw new ArgumentException(
                $"The {what} label '{repeated.Key}' appears {repeated.Count()} times; each {what} needs its own label."
            );
    }

    private static void RequireSameLength(IReadOnlyList<double> a, IReadOnlyList<double> b, string aName, string bName)
    {
        ArgumentNullException.ThrowIfNull(a, aName);
        ArgumentNullException.ThrowIfNull(b, bName);
        if (a.Count != b.Count)
            throw new ArgumentException($"{aName} has {a.Count} values but {bName} has {b.Count}; they must pair up.");
        if (a.Count < 2)
            throw new ArgumentException($"A curve needs at least two points; {aName} has {a.Count}.");
    }
}
