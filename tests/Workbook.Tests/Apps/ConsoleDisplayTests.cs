using Plotly.NET.CSharp;
using Workbook.Notebook;
using Workbook.Notebook.Apps;

namespace Workbook.Tests.Apps;

public class ConsoleDisplayTests
{
    [Fact]
    public void An_updated_line_is_redrawn_in_place_and_other_output_starts_on_a_new_line()
    {
        var output = new StringWriter();
        var console = new ConsoleLineWriter(output);
        var display = new ConsoleDisplay(console, Path.GetTempPath());
        var progress = display.Show(new ProgressBar("training", 0, 2));
        progress.Update(new ProgressBar("training", 1, 2));
        console.WriteLine("done");
        Assert.Equal(
            "training 0/2 [....................]\rtraining 1/2 [##########..........]\ndone" + System.Environment.NewLine,
            output.ToString()
        );
    }

    [Fact]
    public void Growing_text_gets_only_its_new_characters_and_a_shorter_line_is_blanked()
    {
        var output = new StringWriter();
        var console = new ConsoleLineWriter(output);
        var display = new ConsoleDisplay(console, Path.GetTempPath());
        var streamed = display.Show("I love");
        streamed.Update("I love the\nsea");
        var line = display.Show("abcdef");
        line.Update("abc");
        console.EndLine();
        Assert.Equal("I love the\nsea\n\nabcdef\rabc   \n", output.ToString());
    }

    [Fact]
    public void Values_render_as_the_notebook_shows_them()
    {
        var display = new ConsoleDisplay(new ConsoleLineWriter(TextWriter.Null), Path.GetTempPath());
        Assert.Equal("0.666667", display.Render(2.0 / 3));
        Assert.Equal("[ 1, 2.5 ]", display.Render(new List<double> { 1, 2.5 }));
        Assert.Equal("[ a, b ]", display.Render(new List<string> { "a", "b" }));
        Assert.Equal("<null>", display.Render(null));
        Assert.Equal(
            new Table(
                ["x"],
                [
                    ["1"],
                ]
            ).ToString(),
            display.Render(
                new Table(
                    ["x"],
                    [
                        ["1"],
                    ]
                )
            )
        );
        var frame = new Microsoft.Data.Analysis.DataFrame(new Microsoft.Data.Analysis.StringDataFrameColumn("Check", ["a", "b"]));
        Assert.Equal("Check\n-----\na\nb", display.Render(frame).ReplaceLineEndings("\n"));
    }

    [Fact]
    public void A_chart_becomes_a_self_contained_page_whose_path_is_printed()
    {
        var folder = Path.Combine(Path.GetTempPath(), "workbook-console-display-" + Guid.NewGuid().ToString("N"));
        try
        {
            var display = new ConsoleDisplay(new ConsoleLineWriter(TextWriter.Null), folder);
            var chart = Chart.Line<int, int, string>(x: new[] { 1, 2 }, y: new[] { 3, 4 }).Titled("Loss per époch");
            var text = display.Render(chart);
            var page = Directory.GetFiles(folder).Single();
            Assert.Equal($"Chart 1: Loss per époch\n  {page}\n", text);
            Assert.StartsWith("chart-01-loss-per-ep", Path.GetFileName(page));
            var html = File.ReadAllText(page);
            Assert.StartsWith("<!DOCTYPE html>", html);
            Assert.Contains(ChartHtml.LibraryMarker, html);
            // plotly.js is inline: no script is loaded from anywhere (plotly.js itself names its CDN as a default for map tiles).
            Assert.DoesNotContain("<script src", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("require.js", html, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Display_without_the_app_set_up_says_what_to_run()
    {
        var error = Assert.Throws<InvalidOperationException>(() => "x".Display());
        Assert.Contains("AppSetup.Load()", error.Message);
    }
}
