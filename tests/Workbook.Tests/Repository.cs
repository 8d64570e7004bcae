using Workbook.Runner;

namespace Workbook.Tests;

/// <summary>Paths in the repository under test.</summary>
internal static class Repository
{
    public static RepositoryLayout Layout { get; } = RepositoryLayout.Find(AppContext.BaseDirectory);

    public static string Root => Layout.Root;

    public static string Fixture(string name) => Path.Combine(Root, "tests", "fixtures", name);

    public static string RunnerDll => RunnerOutput.Value;

    // The runner as its own build writes it (tools/Workbook.Runner/bin/<Configuration>/net10.0/), not the copy beside the
    // tests: the test project also references ASP.NET Core (the model server's tests), so its folder drops package
    // assemblies the shared framework provides, which a plain .NET process running the runner from there cannot load.
    private static readonly Lazy<string> RunnerOutput = new(() =>
    {
        var testFolder = new DirectoryInfo(Path.GetDirectoryName(typeof(Repository).Assembly.Location)!);
        var configuration = testFolder.Parent!.Name; // bin/<Configuration>/<framework>/
        var runner = Path.Combine(
            Root,
            "tools",
            "Workbook.Runner",
            "bin",
            configuration,
            testFolder.Name,
            Path.GetFileName(typeof(NotebookRunner).Assembly.Location)
        );
        if (!File.Exists(runner))
            throw new FileNotFoundException(
                $"The built runner {runner} is missing; build the solution (tools/setup.sh or dotnet build Workbook.slnx).",
                runner
            );
        return runner;
    });

    /// <summary>The chapter notebooks as xunit theory data (one test case per chapter).</summary>
    public static TheoryData<string> Notebooks()
    {
        var data = new TheoryData<string>();
        foreach (var path in Layout.AllNotebooks())
            data.Add(Path.GetFileName(path));
        return data;
    }
}
