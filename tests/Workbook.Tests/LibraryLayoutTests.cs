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
            if (declared != expected)
                wrong.Add($"{Path.GetRelativePath(Lib, file)} declares '{declared}', expected '{expected}'");
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

    [Fact]
    public void Code_lines_fit_in_140_characters()
    {
        // CSharpier (tools/format.sh) wraps code at 140 but never splits a string literal or rewraps a comment: this holds those too.
        const int Width = 140;
        var roots = new[] { "lib", "tests", "tools", "samples", "benchmarks", "serving" }.Select(r => Path.Combine(Repository.Root, r));
        var files = roots
            .SelectMany(r => Directory.GetFiles(r, "*.cs", SearchOption.AllDirectories))
            .Where(f => !IsBuildOutput(f))
            .ToList();
        var longLines = files
            .SelectMany(f =>
                File.ReadAllLines(f)
                    .Select((line, i) => (line, i))
                    .Where(l => l.line.Length > Width)
                    .Select(l => $"{Path.GetRelativePath(Repository.Root, f)}:{l.i + 1} ({l.line.Length} characters)")
            )
            .ToList();
        Assert.True(files.Count > 350, $"only {files.Count} C# files found: the roots moved");
        Assert.True(longLines.Count == 0, $"lines longer than {Width} characters:\n{string.Join("\n", longLines)}");
    }

    [Fact]
    public void Every_public_tensor_property_says_who_owns_it()
    {
        // Returned tensors belong to the caller (CONTRIBUTING.md); a property usually hands out something its object keeps.
        var silent = new List<string>();
        var properties = 0;
        foreach (var file in Directory.GetFiles(Lib, "*.cs", SearchOption.AllDirectories).Where(f => !IsBuildOutput(f)))
        foreach (Match m in TensorPropertyPattern().Matches(File.ReadAllText(file)))
        {
            properties++;
            var doc = m.Groups["doc"].Value;
            if (!(doc.Contains("own", StringComparison.OrdinalIgnoreCase) || doc.Contains("dispos", StringComparison.OrdinalIgnoreCase)))
                silent.Add($"{Path.GetRelativePath(Lib, file)}: {m.Groups["name"].Value}");
        }
        Assert.True(properties >= 8, $"the pattern found only {properties} tensor properties: it no longer reads the library");
        Assert.True(
            silent.Count == 0,
            "public Tensor properties whose summary does not say who disposes them:\n" + string.Join("\n", silent)
        );
    }

    [GeneratedRegex(@"(?<doc>(?:^[ \t]*///.*\n)+)^[ \t]*public (?:override )?Tensor\?? (?<name>\w+) *(?:=>|\{)", RegexOptions.Multiline)]
    private static partial Regex TensorPropertyPattern();

    private static bool IsBuildOutput(string file) =>
        file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")
        || file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}");

    [Fact]
    public void Every_public_type_says_which_chapter_introduces_it()
    {
        var silent = new List<string>();
        var types = 0;
        foreach (var file in Directory.GetFiles(Lib, "*.cs", SearchOption.AllDirectories))
        {
            if (IsBuildOutput(file))
                continue;
            foreach (Match m in PublicTypePattern().Matches(File.ReadAllText(file)))
            {
                types++;
                if (!m.Groups["doc"].Value.Contains("chapter", StringComparison.OrdinalIgnoreCase))
                    silent.Add($"{Path.GetRelativePath(Lib, file)}: {m.Groups["name"].Value}");
            }
        }
        Assert.True(types > 200, $"the pattern found only {types} public types: it no longer reads the library's declarations");
        Assert.True(
            silent.Count == 0,
            "public types whose summary names no chapter (d2l's habit: say where it is introduced):\n" + string.Join("\n", silent)
        );
    }

    [GeneratedRegex(
        @"(?<doc>(?:^[ \t]*///.*\n)+)(?:^\[.*\]\n)*"
            + @"^public (?:sealed |static |abstract |readonly |partial |record )*(?:class|record|struct|enum|interface) (?<name>\w+)",
        RegexOptions.Multiline
    )]
    private static partial Regex PublicTypePattern();

    [GeneratedRegex(@"^namespace ([\w.]+)\s*[;{]", RegexOptions.Multiline)]
    private static partial Regex NamespacePattern();
}
