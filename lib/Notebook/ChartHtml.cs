using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Plotly.NET;

namespace Workbook.Notebook;

/// <summary>
/// Writes Plotly.NET charts as notebook HTML that draws with no network: the plotly.js that Plotly.NET ships inside
/// its own DLL is written once, with the first chart a formatter instance renders, and every chart waits for it
/// (no require.js, no CDN). Chapter 00 registers it as the chart formatter in its set-up cell:
/// <code>Formatter.Register&lt;Plotly.NET.GenericChart&gt;(new ChartHtml().Write, "text/html");</code>
/// so charts draw in VS Code, Jupyter (online or offline), executed copies and the book built from them.
/// </summary>
public sealed class ChartHtml
{
    /// <summary>The version of the plotly.js bundled with Plotly.NET, e.g. 2.28.0.</summary>
    public static string PlotlyVersion => Bundled.Value.Version;

    /// <summary>The plotly.js source (minified) bundled with Plotly.NET.</summary>
    public static string PlotlyJavaScript => Bundled.Value.Source;

    /// <summary>
    /// The attribute that marks the one script element holding plotly.js, so tools (the book) can replace it by a
    /// shared file.
    /// </summary>
    public const string LibraryMarker = "data-workbook-plotly";

    /// <summary>The class of every chart's container element (the browser test finds charts by it).</summary>
    public const string ChartClass = "workbook-chart";

    private static readonly Lazy<(string Version, string Source)> Bundled = new(ReadBundledPlotly);
    private readonly Lock _gate = new();
    private bool _libraryWritten;

    /// <summary>
    /// Writes <paramref name="chart"/> as HTML: a container and a script that draws it once plotly.js is on the page.
    /// The first call on this instance also writes plotly.js itself.
    /// </summary>
    public void Write(GenericChart chart, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(chart);
        ArgumentNullException.ThrowIfNull(writer);
        bool withLibrary;
        lock (_gate)
        {
            withLibrary = !_libraryWritten;
            _libraryWritten = true;
        }
        writer.Write(ToHtml(chart, withLibrary));
    }

    /// <summary>The HTML of one chart; with <paramref name="includeLibrary"/>, preceded by plotly.js.</summary>
    public static string ToHtml(GenericChart chart, bool includeLibrary)
    {
        ArgumentNullException.ThrowIfNull(chart);
        var id = "chart-" + Guid.NewGuid().ToString("N");
        var json = GenericChart.toJson(chart);
        var title = ChartTitle(json);
        var html = new StringBuilder();
        if (includeLibrary)
            html.Append(LibraryScript());
        html.Append(
            CultureInfo.InvariantCulture,
            $"<div id=\"{id}\" class=\"{ChartClass}\" data-title=\"{WebUtility.HtmlEncode(title)}\" style=\"width: "
        );
        html.Append("100%; min-height: 450px\"></div>\n");
        // The figure JSON cannot end the script early: "</" is written as "<\/", which JavaScript reads the same.
        var figure = json.Replace("</", "<\\/", StringComparison.Ordinal);
        html.Append("<script type=\"text/javascript\">\n(function () {\n")
            .Append(CultureInfo.InvariantCulture, $"  var id = '{id}';\n")
            .Append("  var figure = ")
            .Append(figure)
            .Append(";\n")
            .Append(
                """
                  var config = Object.assign({ responsive: true, displaylogo: false }, figure.config || {});
                  // Axis labels (long category names, tick values) get the margin they need instead of being clipped.
                  var layout = figure.layout = figure.layout || {};
                  // Plotly.NET gives every chart a fixed 600 px width; the page decides instead.
                  delete layout.width;
                  layout.xaxis = layout.xaxis || {};
                  layout.yaxis = layout.yaxis || {};
                  Object.keys(layout).forEach(function (key) {
                    if (/^[xy]axis[0-9]*$/.test(key) && layout[key].automargin === undefined) layout[key].automargin = true;
                  });
                  function draw() { window.Plotly.newPlot(id, figure.data, figure.layout, config); }
                  if (window.Plotly) { draw(); return; }
                  // plotly.js is written with this notebook's first chart; charts above it, or a page that loads it
                  // later, wait in this queue.
                  (window.workbookPlotlyQueue = window.workbookPlotlyQueue || []).push(draw);
                  setTimeout(function () {
                    var element = document.getElementById(id);
                    if (!window.Plotly && element && !element.hasChildNodes())
                      element.textContent = 'This chart needs plotly.js, which the first chart output of this notebook carries: ' +
                        'run the set-up cell at the top of the chapter again, then this cell.';
                  }, 5000);
                })();
                </script>

                """
            );
        return html.ToString();
    }

    private static string LibraryScript()
    {
        var (version, source) = Bundled.Value;
        // plotly.js is a UMD bundle: where require.js is present (classic Jupyter) it would register an AMD module
        // instead of window.Plotly. Hiding define/module/exports in a function scope makes it set window.Plotly
        // everywhere. The queue of charts waiting for it is drawn in a second script.
        return new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"<script type=\"text/javascript\" {LibraryMarker}=\"{version}\">\n")
            .Append("(function (define, module, exports) {\n")
            .Append(source)
            .Append("\n}).call(window);\n</script>\n")
            .Append(
                "<script type=\"text/javascript\">(window.workbookPlotlyQueue || []).splice(0).forEach(function "
                    + "(draw) { draw(); });</script>\n"
            )
            .ToString();
    }

    /// <summary>The chart's title, else "y title vs x title", else "" (so a message or a file list can name the chart).</summary>
    public static string TitleOf(GenericChart chart)
    {
        ArgumentNullException.ThrowIfNull(chart);
        return ChartTitle(GenericChart.toJson(chart));
    }

    private static string ChartTitle(string figureJson)
    {
        using var figure = JsonDocument.Parse(figureJson);
        if (!figure.RootElement.TryGetProperty("layout", out var layout))
            return "";
        static string? Text(JsonElement owner, string property) =>
            owner.ValueKind == JsonValueKind.Object
            && owner.TryGetProperty(property, out var value)
            && value.ValueKind == JsonValueKind.Object
            && value.TryGetProperty("text", out var text)
            && text.ValueKind == JsonValueKind.String
                ? text.GetString()
                : null;
        if (Text(layout, "title") is { Length: > 0 } title)
            return title;
        var x = layout.TryGetProperty("xaxis", out var xAxis) ? Text(xAxis, "title") : null;
        var y = layout.TryGetProperty("yaxis", out var yAxis) ? Text(yAxis, "title") : null;
        return x is null || y is null ? "" : $"{y} vs {x}";
    }

    private static (string Version, string Source) ReadBundledPlotly()
    {
        var assembly = typeof(GenericChart).Assembly;
        var name =
            assembly
                .GetManifestResourceNames()
                .SingleOrDefault(n =>
                    n.StartsWith("Plotly.NET.plotly-", StringComparison.Ordinal) && n.EndsWith(".min.js", StringComparison.Ordinal)
                )
            ?? throw new InvalidOperationException(
                $"{assembly.GetName().Name} {assembly.GetName().Version} carries no plotly-*.min.js resource; charts cannot draw offline."
            );
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var source = reader.ReadToEnd();
        if (source.Contains("</script", StringComparison.OrdinalIgnoreCase))
            source = source.Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase);
        return (name["Plotly.NET.plotly-".Length..^".min.js".Length], source);
    }
}
