using Workbook.Notebook;

namespace Workbook.Tests.Notebook;

public class TableTests
{
    [Fact]
    public void Html_escapes_every_cell_and_header()
    {
        var table = new Table(
            ["a<b", "c"],
            [
                ["<script>", "x & y"],
            ],
            caption: "t\"1"
        );
        var html = table.ToHtml();
        Assert.DoesNotContain("<script>", html);
        Assert.Contains("&lt;script&gt;", html);
        Assert.Contains("x &amp; y", html);
        Assert.Contains("<th>a&lt;b</th>", html);
    }

    [Fact]
    public void Plain_text_aligns_columns()
    {
        var text = new Table(
            ["name", "v"],
            [
                ["alpha", "1"],
                ["b", "22"],
            ]
        ).ToString().Split('\n');
        Assert.Equal("name   v", text[0].TrimEnd('\r'));
        Assert.Equal("alpha  1", text[2].TrimEnd('\r'));
        Assert.Equal("b      22", text[3].TrimEnd('\r'));
    }

    [Fact]
    public void A_ragged_row_is_rejected_with_its_index()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new Table(
                ["a", "b"],
                [
                    ["1", "2"],
                    ["3"],
                ]
            )
        );
        Assert.Contains("Row 1 has 1 cells but the table has 2 columns", error.Message);
    }

    [Fact]
    public void The_formatter_source_follows_the_notebook_convention()
    {
        // .NET Interactive finds formatters by these names; renaming any of them silently breaks notebook rendering.
        var attribute = typeof(Table).GetCustomAttributes(false).Single(a => a.GetType().Name == "TypeFormatterSourceAttribute");
        var sourceType = (Type)attribute.GetType().GetProperty("FormatterSourceType")!.GetValue(attribute)!;
        var source = Activator.CreateInstance(sourceType)!;
        var formatters = ((IEnumerable<object>)sourceType.GetMethod("CreateTypeFormatters")!.Invoke(source, null)!).ToList();
        var html = formatters.Single(f => (string)f.GetType().GetProperty("MimeType")!.GetValue(f)! == "text/html");
        var writer = new StringWriter();
        var handled = (bool)
            html.GetType()
                .GetMethod("Format")!
                .Invoke(
                    html,
                    [
                        new Table(
                            ["h"],
                            [
                                ["v"],
                            ]
                        ),
                        writer,
                    ]
                )!;
        Assert.True(handled);
        Assert.Equal("<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>v</td></tr></tbody></table>", writer.ToString());
    }
}
