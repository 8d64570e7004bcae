using System.Text.RegularExpressions;
using Plotly.NET;
using Workbook.Notebook;

namespace Workbook.Tests.Notebook;

public partial class ChartHtmlTests
{
    private static GenericChart Line(string? title = null) => Charts.Curves([("loss", [1.0, 0.5, 0.25])], "epoch", "loss", title: title);

    [Fact]
    public void The_first_chart_carries_plotly_js_once_and_nothing_comes_from_a_network()
    {
        var formatter = new ChartHtml();
        var first = new StringWriter();
        var second = new StringWriter();
        formatter.Write(Line(), first);
        formatter.Write(Line(), second);

        Assert.Single(LibraryScript().Matches(first.ToString()));
        Assert.Empty(LibraryScript().Matches(second.ToString()));
        Assert.Contains("plotly.js v" + ChartHtml.PlotlyVersion, first.ToString());
        // The version Plotly.NET itself declares, independently of the resource name the class reads.
        Assert.Equal(Globals.PLOTLYJS_VERSION, ChartHtml.PlotlyVersion);
        foreach (var html in new[] { first.ToString(), second.ToString() })
        {
            Assert.DoesNotContain("require", html.Replace(ChartHtml.PlotlyJavaScript, ""), StringComparison.Ordinal);
            Assert.DoesNotMatch(@"src=[""']https?:", html);
            Assert.Contains($"class=\"{ChartHtml.ChartClass}\"", html);
        }
        // A new formatter (a new notebook session) writes the library again.
        var again = new StringWriter();
        new ChartHtml().Write(Line(), again);
        Assert.Single(LibraryScript().Matches(again.ToString()));
    }

    [Fact]
    public void Chart_text_cannot_close_the_script_and_the_container_names_the_chart()
    {
        var html = ChartHtml.ToHtml(Line("</script><b>loss</b>"), includeLibrary: false);
        Assert.Single(Regex.Matches(html, "</script>")); // only the script's own end tag
        Assert.Contains("<\\/script>", html);
        Assert.Contains("data-title=\"&lt;/script&gt;&lt;b&gt;loss&lt;/b&gt;\"", html);
        Assert.Contains("data-title=\"loss vs epoch\"", ChartHtml.ToHtml(Line(), includeLibrary: false));
    }

    [Fact]
    public void The_bundled_library_is_complete_and_cannot_end_its_own_script()
    {
        Assert.True(ChartHtml.PlotlyJavaScript.Length > 3_000_000, $"plotly.js is only {ChartHtml.PlotlyJavaScript.Length} characters");
        Assert.DoesNotContain("</script", ChartHtml.PlotlyJavaScript, StringComparison.OrdinalIgnoreCase);
    }

    [GeneratedRegex("<script type=\"text/javascript\" data-workbook-plotly=\"[0-9.]+\">")]
    private static partial Regex LibraryScript();
}
