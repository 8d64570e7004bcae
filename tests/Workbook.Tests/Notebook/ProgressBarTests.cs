using Workbook.Notebook;

namespace Workbook.Tests.Notebook;

public class ProgressBarTests
{
    [Fact]
    public void Text_shows_count_bar_and_values()
    {
        var bar = new ProgressBar("training", 5, 10, [("loss", 0.123456), ("accuracy", 0.9)]);
        Assert.Equal("training 5/10 [##########..........]  loss 0.1235  accuracy 0.9", bar.ToString());
        Assert.Equal(0.5, bar.Fraction);
    }

    [Fact]
    public void Html_has_a_progress_element_and_a_table_of_values()
    {
        var html = new ProgressBar("epochs <1>", 3, 4, [("loss", 1.5)]).ToHtml();
        Assert.Contains("<progress value=\"3\" max=\"4\"", html);
        Assert.Contains("epochs &lt;1&gt;", html);
        Assert.Contains("<th>loss</th>", html);
        Assert.Contains("<td>1.5</td>", html);
    }

    [Fact]
    public void An_impossible_count_is_an_error()
    {
        Assert.Contains(
            "need 0 ≤ done ≤ total",
            Assert.Throws<ArgumentOutOfRangeException>(() => new ProgressBar("x", 11, 10).ToString()).Message
        );
    }
}
