using System.Diagnostics;
using Workbook.Runner;

namespace Workbook.Tests.Runner;

/// <summary>The in-process route fails on a throwing cell and names the notebook and the cell.</summary>
[Collection(SerialCollection.Name)]
public class FailingCellTests
{
    private static readonly string Fixture = Repository.Fixture("failing-cell.ipynb");

    [Fact]
    public async Task The_engine_stops_at_the_throwing_cell_and_keeps_its_error_output()
    {
        var output = Directory.CreateTempSubdirectory("workbook-fail-");
        try
        {
            var result = await new NotebookRunner().RunAsync(Fixture, output.FullName);
            Assert.Equal(NotebookStatus.Failed, result.Status);
            Assert.Equal(3, result.FailedCell); // markdown title is cell 1
            Assert.Equal(2, result.CodeCellsRun); // the cell after it never ran
            Assert.Equal(
                "FAILED failing-cell.ipynb cell 3: System.InvalidOperationException: deliberate failure for the runner test",
                result.FailureLine
            );
            var executed = NotebookDocument.Load(result.OutputPath);
            Assert.Contains(executed.Cells[2].Outputs, o => o!["output_type"]!.GetValue<string>() == "error");
            Assert.Empty(executed.Cells[3].Outputs);
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_command_exits_non_zero_naming_notebook_and_cell()
    {
        var output = Directory.CreateTempSubdirectory("workbook-fail-cli-");
        try
        {
            var (exitCode, stdout, stderr) = RunCli(Path.GetTempPath(), Fixture, "--output-dir", output.FullName);
            Assert.Equal(1, exitCode);
            Assert.Contains(
                "FAILED failing-cell.ipynb cell 3: System.InvalidOperationException: deliberate failure for the runner test",
                stderr
            );
            Assert.Matches(@"failing-cell\.ipynb\s+2/4\s+[\d.]+\s+failed at cell 3", stdout);
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    [Fact]
    public void Unknown_notebooks_and_options_are_usage_errors()
    {
        var (exitCode, _, stderr) = RunCli(Repository.Root, "99-no-such-chapter");
        Assert.Equal(2, exitCode);
        Assert.Contains("No notebook matches '99-no-such-chapter'", stderr);
        (exitCode, _, stderr) = RunCli(Repository.Root, "--bogus");
        Assert.Equal(2, exitCode);
        Assert.Contains("Unknown option '--bogus'", stderr);
    }

    /// <summary>Runs the built runner in a fresh process from <paramref name="workingDirectory"/>.</summary>
    internal static (int ExitCode, string Stdout, string Stderr) RunCli(string workingDirectory, params string[] args) =>
        RunCli(workingDirectory, new Dictionary<string, string>(), args);

    /// <summary>Runs the built runner in a fresh process with extra environment variables.</summary>
    internal static (int ExitCode, string Stdout, string Stderr) RunCli(
        string workingDirectory,
        IReadOnlyDictionary<string, string> environment,
        params string[] args
    )
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        start.ArgumentList.Add(Repository.RunnerDll);
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"workbook-run {string.Join(' ', args)} did not finish in 5 minutes.");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
