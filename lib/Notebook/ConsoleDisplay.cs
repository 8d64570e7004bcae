using System.Collections;
using System.Globalization;
using System.Text;
using Microsoft.Data.Analysis;
using Plotly.NET;
using TorchSharp;

namespace Workbook.Notebook;

/// <summary>
/// What <c>.Display()</c> and a cell's last expression do when a chapter runs as an app (introduced with the apps of
/// chapter 00), where no notebook shows rich output: values become text on the console (tables aligned, numbers with
/// 6 significant digits as in the notebook, tensors with their values), a displayed value that is updated changes in
/// place (<see cref="ConsoleLineWriter"/>), and each chart becomes a self-contained HTML page (<see cref="ChartPage"/>)
/// in <see cref="ChartFolder"/>, whose path is printed.
/// </summary>
public sealed class ConsoleDisplay
{
    private readonly ConsoleLineWriter _console;
    private int _charts;

    /// <summary>A display that writes to <paramref name="console"/> and puts chart pages in <paramref name="chartFolder"/>.</summary>
    public ConsoleDisplay(ConsoleLineWriter console, string chartFolder)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentException.ThrowIfNullOrWhiteSpace(chartFolder);
        _console = console;
        ChartFolder = Path.GetFullPath(chartFolder);
    }

    /// <summary>The display of the running app; set by <see cref="AppSetup.Load"/>.</summary>
    public static ConsoleDisplay? Current { get; internal set; }

    /// <summary>Where chart pages go (created with the first chart).</summary>
    public string ChartFolder { get; }

    /// <summary>Shows <paramref name="value"/> and returns a handle that can replace it in place.</summary>
    public ConsoleDisplayedValue Show(object? value)
    {
        var shown = new ConsoleDisplayedValue(this);
        shown.Update(value);
        return shown;
    }

    internal void Write(ConsoleDisplayedValue owner, object? value) => _console.Show(owner, Render(value));

    /// <summary>
    /// The text <paramref name="value"/> shows as. A chart is written as a page first; its text is the line that says
    /// where the page is.
    /// </summary>
    public string Render(object? value) =>
        value switch
        {
            GenericChart chart => WriteChart(chart),
            _ => Text(value),
        };

    /// <summary>The most items a displayed sequence shows before "… (N more)", as the notebook's list display does.</summary>
    public const int ListedItems = ChapterSetup.ListedNumbers;

    private static string Text(object? value) =>
        value switch
        {
            null => "<null>",
            string text => text,
            double number => number.ToString("G6", CultureInfo.InvariantCulture),
            float number => number.ToString("G6", CultureInfo.InvariantCulture),
            torch.Tensor tensor => tensor.ToString(torch.julia),
            DataFrame frame => FrameTable(frame).ToString(),
            IEnumerable<double> numbers => ChapterSetup.NumberList(numbers),
            IEnumerable<float> numbers => ChapterSetup.NumberList(numbers.Select(n => (double)n)),
            // A collection whose ToString is object's ("System.Collections.Generic.List`1[…]") shows its items instead.
            IEnumerable items when !OverridesToString(value) => ItemList(items),
            _ => value.ToString() ?? "",
        };

    // A DataFrame as the notebook shows it, a table of its first rows (DataFrame.ToString pads every column to 10).
    private static Table FrameTable(DataFrame frame)
    {
        var rows = Math.Min(frame.Rows.Count, ListedItems);
        var more = frame.Rows.Count - rows;
        return new Table(
            [.. frame.Columns.Select(c => c.Name)],
            Enumerable.Range(0, (int)rows).Select(r => (IReadOnlyList<string>)[.. frame.Columns.Select(c => Text(c[r]))]),
            more > 0 ? $"first {rows} of {frame.Rows.Count} rows" : null
        );
    }

    private static bool OverridesToString(object value) =>
        value.GetType().GetMethod(nameof(ToString), Type.EmptyTypes)?.DeclaringType != typeof(object);

    private static string ItemList(IEnumerable items)
    {
        var shown = new List<string>(ListedItems);
        var more = 0;
        foreach (var item in items)
        {
            if (shown.Count < ListedItems)
                shown.Add(Text(item));
            else
                more++;
        }
        return $"[ {string.Join(", ", shown)}{(more > 0 ? $", … ({more} more)" : "")} ]";
    }

    private string WriteChart(GenericChart chart)
    {
        var number = Interlocked.Increment(ref _charts);
        var title = ChartHtml.TitleOf(chart);
        var path = ChartPage.Write(chart, Path.Combine(ChartFolder, $"chart-{number:D2}{Slug(title)}.html"));
        return $"Chart {number}{(title.Length > 0 ? $": {title}" : "")}\n  {path}\n";
    }

    // "-" and the title's first whole words in lower case, letters and digits only: a name that says which chart a page is.
    private static string Slug(string title)
    {
        const int longest = 48;
        var slug = new StringBuilder();
        foreach (var c in title.Normalize(NormalizationForm.FormD))
        {
            if (char.IsAsciiLetterOrDigit(c))
                slug.Append(char.ToLowerInvariant(c));
            else if (slug.Length > 0 && slug[^1] != '-' && CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
                slug.Append('-');
        }
        var text = slug.ToString().Trim('-');
        if (text.Length > longest)
        {
            var cut = text.LastIndexOf('-', longest);
            text = cut > 0 ? text[..cut] : text[..longest];
        }
        return text.Length > 0 ? "-" + text : "";
    }
}
