using System.Net;
using Plotly.NET;

namespace Workbook.Notebook;

/// <summary>
/// A chart as a self-contained HTML page: the chart and the plotly.js that Plotly.NET bundles, so the page draws in
/// any browser with no network. What a chapter run as an app (introduced with the apps of chapter 00) writes for
/// each chart a notebook would draw inline.
/// </summary>
public static class ChartPage
{
    /// <summary>The page's HTML.</summary>
    public static string ToHtml(GenericChart chart)
    {
        ArgumentNullException.ThrowIfNull(chart);
        var title = ChartHtml.TitleOf(chart);
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            + $"<title>{WebUtility.HtmlEncode(title.Length > 0 ? title : "Chart")}</title>\n</head>\n<body>\n"
            + ChartHtml.ToHtml(chart, includeLibrary: true)
            + "</body>\n</html>\n";
    }

    /// <summary>Writes the page to <paramref name="path"/> atomically (creating its folder) and returns the full path.</summary>
    public static string Write(GenericChart chart, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var html = ToHtml(chart);
        var fullPath = Path.GetFullPath(path);
        Workbook.IO.AtomicFile.WriteAllText(fullPath, html);
        return fullPath;
    }
}
