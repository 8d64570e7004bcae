using Workbook.Metrics;
using Workbook.Notebook;

namespace Workbook.Tests.Metrics;

public class MetricsRenderingTests
{
    [Fact]
    public void Confusion_matrix_renders_an_html_table_with_true_rows_and_predicted_columns()
    {
        var matrix = ConfusionMatrix.Compute([0, 0, 1, 2], [0, 1, 1, 1]);
        var html = ((IHtmlRenderable)matrix).ToHtml();
        Assert.StartsWith("<table>", html);
        Assert.Contains("<th>true \\ predicted</th><th>0</th><th>1</th><th>2</th>", html);
        Assert.Contains("<tr><td>0</td><td>1</td><td>1</td><td>0</td></tr>", html);
        Assert.Contains("<tr><td>2</td><td>0</td><td>1</td><td>0</td></tr>", html);
        Assert.Single(typeof(ConfusionMatrix).GetCustomAttributes(typeof(TypeFormatterSourceAttribute), false));
        var counts = matrix.ToArray();
        Assert.Equal(
            new[,]
            {
                { 1, 1, 0 },
                { 0, 1, 0 },
                { 0, 1, 0 },
            },
            counts
        );
        counts[0, 0] = 99; // a copy: the matrix is immutable
        Assert.Equal(1, matrix[0, 0]);
    }

    [Fact]
    public void Classification_report_renders_an_html_table_like_sklearn()
    {
        var report = ClassificationReport.Compute([0, 1, 1, 0], [0, 1, 0, 0]);
        var html = report.ToHtml();
        Assert.Contains("<th>class</th><th>precision</th><th>recall</th><th>f1-score</th><th>support</th>", html);
        Assert.Contains("<tr><td>0</td><td>0.667</td><td>1.000</td><td>0.800</td><td>2</td></tr>", html);
        Assert.Contains("<tr><td>accuracy</td><td></td><td></td><td>0.750</td><td>4</td></tr>", html);
        Assert.Contains("<td>macro avg</td>", html);
        Assert.Contains("<td>weighted avg</td>", html);
        Assert.Single(typeof(ClassificationReport).GetCustomAttributes(typeof(TypeFormatterSourceAttribute), false));
    }
}
