using Workbook.Runner;

namespace Workbook.Tests;

/// <summary>Paths in the repository under test.</summary>
internal static class Repository
{
    public static RepositoryLayout Layout { get; } = RepositoryLayout.Find(AppContext.BaseDirectory);

    public static string Root => Layout.Root;

    public static string Fixture(string name) => Path.Combine(Root, "tests", "fixtures", name);

    public static string RunnerDll => typeof(NotebookRunner).Assembly.Location;

    /// <summary>The chapter notebooks as xunit theory data (one test case per chapter).</summary>
    public static TheoryData<string> Notebooks()
    {
        var data = new TheoryData<string>();
        foreach (var path in Layout.AllNotebooks()) data.Add(Path.GetFileName(path));
        return data;
    }
}
