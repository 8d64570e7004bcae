using System.Globalization;
using Microsoft.Data.Analysis;
using Plotly.NET;
using Workbook.Notebook;

namespace Workbook.Tuning;

/// <summary>
/// All configurations of a grid search, best first (ties keep grid order). Renders as a table in a notebook;
/// <see cref="ToDataFrame"/> gives the same as a Microsoft.Data.Analysis <see cref="DataFrame"/>, and <see cref="Heatmap"/>
/// the score over two hyper-parameters. Introduced with chapter 05.
/// </summary>
[TypeFormatterSource(typeof(HtmlRenderableFormatterSource), PreferredMimeTypes = ["text/html"])]
public sealed class GridSearchResult : IHtmlRenderable
{
    internal GridSearchResult(IReadOnlyList<string> names, IReadOnlyList<GridSearchRow> rows, GridSearchOptions options)
    {
        ParameterNames = names;
        Options = options;
        Rows =
        [
            .. rows.Select((row, i) => (row, i))
                .OrderBy(p => options.HigherIsBetter ? -p.row.Mean : p.row.Mean)
                .ThenBy(p => p.i)
                .Select(p => p.row),
        ];
    }

    /// <summary>The searched hyper-parameters, in grid order.</summary>
    public IReadOnlyList<string> ParameterNames { get; }

    /// <summary>The options the search ran with (metric, direction, folds).</summary>
    public GridSearchOptions Options { get; }

    /// <summary>Every configuration, best mean score first.</summary>
    public IReadOnlyList<GridSearchRow> Rows { get; }

    /// <summary>The best configuration's row.</summary>
    public GridSearchRow Best => Rows[0];

    /// <summary>
    /// The results as a DataFrame, best first: one column per hyper-parameter (double when every value is numeric,
    /// text otherwise), then <c>mean_{metric}</c>, <c>std_{metric}</c>, <c>rank</c> and <c>seconds</c>.
    /// </summary>
    public DataFrame ToDataFrame()
    {
        var columns = new List<DataFrameColumn>();
        foreach (var name in ParameterNames)
        {
            var values = Rows.Select(r => r.Parameters[name]).ToList();
            columns.Add(
                values.All(IsNumber)
                    ? new DoubleDataFrameColumn(name, values.Select(v => (double?)Convert.ToDouble(v, CultureInfo.InvariantCulture)))
                    : new StringDataFrameColumn(name, values.Select(HyperParameters.Format))
            );
        }
        columns.Add(new DoubleDataFrameColumn($"mean_{Options.Metric}", Rows.Select(r => (double?)r.Mean)));
        columns.Add(new DoubleDataFrameColumn($"std_{Options.Metric}", Rows.Select(r => (double?)r.StandardDeviation)));
        columns.Add(new Int32DataFrameColumn("rank", Enumerable.Range(1, Rows.Count).Select(i => (int?)i)));
        columns.Add(new DoubleDataFrameColumn("seconds", Rows.Select(r => (double?)r.Seconds)));
        return new DataFrame(columns);
    }

    /// <summary>
    /// Mean score over two hyper-parameters as a heatmap; where the grid has more parameters, each cell shows the best
    /// score among the configurations with that pair of values.
    /// </summary>
    /// <exception cref="ArgumentException">A name is not a searched hyper-parameter, or both names are the same.</exception>
    public GenericChart Heatmap(string rowParameter, string columnParameter)
    {
        foreach (var name in new[] { rowParameter, columnParameter })
            if (!ParameterNames.Contains(name))
                throw new ArgumentException(
                    $"'{name}' is not a searched hyper-parameter; the grid has {string.Join(", ", ParameterNames)}."
                );
        if (rowParameter == columnParameter)
            throw new ArgumentException("Pick two different hyper-parameters for the heatmap's rows and columns.");
        var rowValues = Distinct(rowParameter);
        var columnValues = Distinct(columnParameter);
        var cells = new double[rowValues.Count, columnValues.Count];
        for (var r = 0; r < rowValues.Count; r++)
        for (var c = 0; c < columnValues.Count; c++)
        {
            var matching = Rows.Where(row =>
                    HyperParameters.Format(row.Parameters[rowParameter]) == rowValues[r]
                    && HyperParameters.Format(row.Parameters[columnParameter]) == columnValues[c]
                )
                .Select(row => row.Mean)
                .ToList();
            cells[r, c] =
                matching.Count == 0 ? double.NaN
                : Options.HigherIsBetter ? matching.Max()
                : matching.Min();
        }
        return Charts.Heatmap(
            cells,
            rowValues,
            columnValues,
            rowParameter,
            columnParameter,
            $"{(Options.CrossValidates ? $"{Options.Folds}-fold mean " : "validation ")}{Options.Metric}"
        );
    }

    private List<string> Distinct(string name) =>
        [
            .. Rows.Select(r => r.Parameters[name])
                .OrderBy(v => IsNumber(v) ? Convert.ToDouble(v, CultureInfo.InvariantCulture) : 0)
                .ThenBy(HyperParameters.Format)
                .Select(HyperParameters.Format)
                .Distinct(),
        ];

    private static bool IsNumber(object value) => value is byte or short or int or long or float or double or decimal;

    /// <summary>The results as a table, best first.</summary>
    public Table ToTable()
    {
        var split = Options.CrossValidates
            ? $"{Options.Folds}-fold cross-validation"
            : $"hold-out validation ({Options.ValidationFraction:P0})";
        return new Table(
            [.. ParameterNames, $"mean {Options.Metric}", "std", "rank", "seconds"],
            Rows.Select(
                (r, i) =>
                    (IReadOnlyList<string>)
                        [
                            .. ParameterNames.Select(n => HyperParameters.Format(r.Parameters[n])),
                            r.Mean.ToString("F4", CultureInfo.InvariantCulture),
                            r.StandardDeviation.ToString("F4", CultureInfo.InvariantCulture),
                            (i + 1).ToString(CultureInfo.InvariantCulture),
                            r.Seconds.ToString("F2", CultureInfo.InvariantCulture),
                        ]
            ),
            $"Grid search: {Rows.Count} configurations, {split}, best {Best.Parameters}"
        );
    }

    /// <inheritdoc />
    public string ToHtml() => ToTable().ToHtml();

    /// <inheritdoc />
    public override string ToString() => ToTable().ToString();
}
