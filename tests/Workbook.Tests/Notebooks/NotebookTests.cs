using Workbook.Runner;
using Xunit.Abstractions;

namespace Workbook.Tests.Notebooks;

/// <summary>Each chapter runs top to bottom through the runner's engine; a failure names the chapter and cell.</summary>
[Collection(SerialCollection.Name)]
public class NotebookTests(ITestOutputHelper output)
{
    public static TheoryData<string> Chapters() => Repository.Notebooks();

    [Theory]
    [MemberData(nameof(Chapters))]
    public async Task Chapter_runs_top_to_bottom(string notebook)
    {
        var runner = new NotebookRunner { Progress = output.WriteLine, CellTimeout = TimeSpan.FromMinutes(5) };
        var outputDirectory = Path.Combine(Repository.Root, "artifacts", "test-notebooks");
        var result = await runner.RunAsync(Repository.Layout.Resolve(notebook), outputDirectory);
        output.WriteLine($"{notebook}: {result.Status} in {result.Elapsed.TotalSeconds:F1} s");
        Assert.True(result.Status == NotebookStatus.Passed, $"{result.FailureLine}\n{result.Error}\nExecuted copy: {result.OutputPath}");
        Assert.Equal(result.Cells, NotebookDocument.Load(result.OutputPath).Cells.Count);
    }

    [Fact]
    public void There_are_chapters_to_run() => Assert.NotEmpty(Chapters());
}
