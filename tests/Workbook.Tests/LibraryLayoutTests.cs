using System.Text.RegularExpressions;

namespace Workbook.Tests;

/// <summary>The house rules of the library's layout (CONTRIBUTING.md), checked so they stay true.</summary>
public partial class LibraryLayoutTests
{
    private static string Lib => Path.Combine(Repository.Root, "lib");

    private static IEnumerable<string> LibraryFolders() =>
        Directory.GetDirectories(Lib).Select(Path.GetFileName).Where(n => n is not ("bin" or "obj")).Select(n => n!);

    [Fact]
    public void Namespaces_follow_folders()
    {
        var wrong = new List<string>();
        foreach (var folder in LibraryFolders())
            foreach (var file in Directory.GetFiles(Path.Combine(Lib, folder), "*.cs", SearchOption.AllDirectories))
            {
                var declared = NamespacePattern().Match(File.ReadAllText(file)).Groups[1].Value;
                var expected = "Workbook." + Path.GetRelativePath(Lib, Path.GetDirectoryName(file)!).Replace(Path.DirectorySeparatorChar, '.');
                if (declared != expected) wrong.Add($"{Path.GetRelativePath(Lib, file)} declares '{declared}', expected '{expected}'");
            }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void Test_folders_mirror_the_library()
    {
        var tests = Path.Combine(Repository.Root, "tests", "Workbook.Tests");
        // Besides lib/'s folders: the chapters themselves, the notebook runner and the app generator (both under tools/).
        var allowed = LibraryFolders().Concat(["Notebooks", "Runner", "Apps", "bin", "obj"]).ToHashSet();
        var extra = Directory.GetDirectories(tests).Select(Path.GetFileName).Where(n => !allowed.Contains(n!)).ToList();
        Assert.True(extra.Count == 0, $"test folders with no lib/ folder of that name: {string.Join(", ", extra)}");
    }

    [GeneratedRegex(@"^namespace ([\w.]+)\s*[;{]", RegexOptions.Multiline)]
    private static partial Regex NamespacePattern();
}
