using System.Net;
using System.Text;

namespace Workbook.Notebook;

/// <summary>
/// A small immutable table of strings: the common rendering of the library's report types, as an HTML table in
/// a notebook and as aligned text in a console. Introduced in chapter 00.
/// </summary>
[TypeFormatterSource(typeof(HtmlRenderableFormatterSource), PreferredMimeTypes = ["text/html"])]
public sealed class Table : IHtmlRenderable
{
    /// <summary>Creates a table; every row must have one cell per header.</summary>
    /// <exception cref="ArgumentException">A row's length differs from the header's.</exception>
    public Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, string? caption = null)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(rows);
        if (headers.Count == 0)
            throw new ArgumentException("A table needs at least one column.", nameof(headers));
        Headers = [.. headers];
        Rows =
        [
            .. rows.Select(
                (row, i) =>
                    row.Count == Headers.Count
                        ? (IReadOnlyList<string>)[.. row]
                        : throw new ArgumentException(
                            $"Row {i} has {row.Count} cells but the table has {Headers.Count} columns ({string.Join(", ", Headers)}).",
                            nameof(rows)
                        )
            ),
        ];
        Caption = caption;
    }

    /// <summary>
    /// One row of cells, for building rows in a lambda: <c>items.Select(r => Table.Row(r.Name, $"{r.Loss:F3}"))</c>
    /// (a bare <c>[…]</c> there has no type for the compiler to infer).
    /// </summary>
    public static IReadOnlyList<string> Row(params string[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        return cells;
    }

    /// <summary>Column names.</summary>
    public IReadOnlyList<string> Headers { get; }

    /// <summary>The rows, each with one cell per column.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Rows { get; }

    /// <summary>Optional caption shown above the table.</summary>
    public string? Caption { get; }

    /// <inheritdoc />
    public string ToHtml()
    {
        var html = new StringBuilder("<table>");
        if (Caption is not null)
            html.Append("<caption>").Append(WebUtility.HtmlEncode(Caption)).Append("</caption>");
        html.Append("<thead><tr>");
        foreach (var h in Headers)
            html.Append("<th>").Append(WebUtility.HtmlEncode(h)).Append("</th>");
        html.Append("</tr></thead><tbody>");
        foreach (var row in Rows)
        {
            html.Append("<tr>");
            foreach (var cell in row)
                html.Append("<td>").Append(WebUtility.HtmlEncode(cell)).Append("</td>");
            html.Append("</tr>");
        }
        return html.Append("</tbody></table>").ToString();
    }

    /// <summary>Aligned plain text, one line per row.</summary>
    public override string ToString()
    {
        var widths = Headers.Select((h, c) => Math.Max(h.Length, Rows.Count == 0 ? 0 : Rows.Max(r => r[c].Length))).ToArray();
        var text = new StringBuilder();
        if (Caption is not null)
            text.AppendLine(Caption);
        string Line(IReadOnlyList<string> cells) => string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();
        text.AppendLine(Line(Headers));
        text.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in Rows)
            text.AppendLine(Line(row));
        return text.ToString().TrimEnd();
    }
}
