using Workbook.Runner;

namespace Workbook.Tests.Runner;

/// <summary>What the in-process runner writes into an executed copy, beyond the outputs themselves.</summary>
[Collection(SerialCollection.Name)]
public class ExecutedCopyTests
{
    [Fact]
    public async Task Warnings_show_as_stderr_live_displays_keep_their_last_state_and_the_runtime_is_recorded()
    {
        var output = Directory.CreateTempSubdirectory("workbook-warnings-");
        try
        {
            var result = await new NotebookRunner().RunAsync(Repository.Fixture("warning-cell.ipynb"), output.FullName);
            Assert.Equal(NotebookStatus.Passed, result.Status);
            var executed = NotebookDocument.Load(result.OutputPath);

            // As the Jupyter kernel sends them: the compiler's warning text on the cell's stderr stream.
            var stderr = executed.Cells[1].Outputs.Single(o => o!["name"]?.GetValue<string>() == "stderr")!["text"]!.GetValue<string>();
            Assert.Contains("(1,7): warning CS8632", stderr);
            var outputs = executed.Cells[2].Outputs;
            var display = Assert.Single(outputs, o => o!["output_type"]!.GetValue<string>() == "display_data");
            Assert.True(outputs.Count == 1, $"cell 3 has more than its display: {outputs.ToJsonString()}");
            Assert.Equal("step 3", display!["data"]!["text/plain"]!.GetValue<string>());

            var execution = executed.Metadata["workbook"]!["execution"]!.AsObject();
            Assert.Equal("in-process runner", execution["host"]!.GetValue<string>());
            Assert.InRange(execution["seconds"]!.GetValue<double>(), 0, result.Elapsed.TotalSeconds + 0.1);
            Assert.Equal(System.Environment.ProcessorCount, execution["processors"]!.GetValue<int>());
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }
}
