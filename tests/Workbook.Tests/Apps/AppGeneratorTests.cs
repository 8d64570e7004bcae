using System.Text.Json;
using Workbook.NotebookToApp;

namespace Workbook.Tests.Apps;

public class AppGeneratorTests
{
    private static readonly HashSet<string> Pinned = new(
        ["TorchSharp", "TorchVision", "libtorch-cpu-linux-x64"],
        StringComparer.OrdinalIgnoreCase
    );

    private const string SetupCell =
        "#r \"../lib/bin/Workbook.dll\"\nusing Microsoft.DotNet.Interactive;\nawait "
        + "Workbook.Notebook.ChapterSetup.LoadAsync(Kernel.Root, \"TorchVision\");";

    private static string Notebook(params (string Kind, string Source)[] cells) =>
        JsonSerializer.Serialize(
            new
            {
                // As Jupyter stores it: a list of lines, each but the last ending in a newline.
                cells = cells.Select(c => new
                {
                    cell_type = c.Kind,
                    source = c.Source.Split('\n').Select((line, i) => i < c.Source.Split('\n').Length - 1 ? line + "\n" : line),
                }),
            }
        );

    private static string Generate(params (string Kind, string Source)[] cells) =>
        AppGenerator.Generate(Notebook(cells), "99-test.ipynb", Pinned);

    [Fact]
    public void The_set_up_cell_becomes_AppSetup_and_its_packages_become_versionless_package_directives()
    {
        var app = Generate(("markdown", "# Title"), ("code", SetupCell));
        Assert.Contains("#:project ../lib/Workbook.csproj\n", app);
        Assert.Contains("#:package TorchVision\n", app);
        Assert.DoesNotContain("#:package TorchVision@", app);
        Assert.Contains("\nWorkbook.Notebook.AppSetup.Load();\n", app);
        Assert.DoesNotContain("\nusing Microsoft.DotNet.Interactive;", app);
        Assert.DoesNotContain("\n#r ", app);
        Assert.Contains("// Cell 2\n", app);
        Assert.Contains("// # Title\n", app);
    }

    [Fact]
    public void Usings_are_hoisted_once_types_go_last_and_the_trailing_expression_is_displayed()
    {
        var app = Generate(
            ("code", SetupCell),
            ("code", "using TorchSharp;\nvar x = 1;\nx + 1"),
            ("code", "using TorchSharp;\nusing Workbook;\npublic sealed class Box { public int Value; }\nnew Box { Value = x }.Value"),
            ("code", "var s = \"text\";\ns.Length // the length\n")
        );
        Assert.Equal(1, CountOf(app, "using TorchSharp;\n"));
        Assert.True(app.IndexOf("using Workbook;\n", StringComparison.Ordinal) < app.IndexOf("// Cell 1\n", StringComparison.Ordinal));
        Assert.Contains("(x + 1).Display();", app);
        Assert.Contains("new Box { Value = x }.Value.Display();", app);
        Assert.Contains("s.Length.Display(); // the length", app);
        Assert.True(
            app.IndexOf("public sealed class Box", StringComparison.Ordinal) > app.IndexOf("s.Length.Display()", StringComparison.Ordinal)
        );
        Assert.Contains("using Workbook.Notebook.Apps;", app);
    }

    [Fact]
    public void Scopes_that_a_notebook_allows_and_a_file_does_not_are_translated()
    {
        var app = Generate(
            ("code", SetupCell),
            ("code", "int Twice() => 2 * later;\n{ var item = 1; Console.WriteLine(item); }\nvar later = 21;\nConsole.WriteLine(Twice());"),
            ("code", "var item = 3;"),
            ("code", "var later = 4;\nConsole.WriteLine(later);")
        );
        Assert.Contains("{ var item_2 = 1; Console.WriteLine(item_2); }", app);
        Assert.Contains("\nvar item = 3;", app);
        Assert.True(
            app.IndexOf("int Twice() => 2 * later;", StringComparison.Ordinal) > app.IndexOf("var later = 21;", StringComparison.Ordinal)
        );
        Assert.Contains("var later_4 = 4;\nConsole.WriteLine(later_4);", app);
    }

    [Fact]
    public void Generation_is_deterministic()
    {
        var notebook = Notebook(("code", SetupCell), ("code", "var x = 1;\nx"));
        Assert.Equal(AppGenerator.Generate(notebook, "99-test.ipynb", Pinned), AppGenerator.Generate(notebook, "99-test.ipynb", Pinned));
    }

    [Fact]
    public void Kernel_use_beyond_the_set_up_and_unpinned_packages_are_refused_with_the_cell_number()
    {
        var kernel = Assert.Throws<AppGenerationException>(() => Generate(("code", SetupCell), ("code", "var k = Kernel.Root;")));
        Assert.Contains("cell 2", kernel.Message);
        Assert.Contains("Kernel.Root", kernel.Message);
        var unpinned = Assert.Throws<AppGenerationException>(() => Generate(("code", SetupCell.Replace("TorchVision", "NoSuchPackage"))));
        Assert.Contains("NoSuchPackage is not pinned", unpinned.Message);
        Assert.Throws<AppGenerationException>(() => Generate(("code", "var x = 1;")));
        var broken = Assert.Throws<AppGenerationException>(() => Generate(("code", SetupCell), ("code", "var x = (1;")));
        Assert.Contains("cell 2", broken.Message);
    }

    [Fact]
    public void Markdown_is_rejoined_and_wrapped_but_code_and_tables_are_kept()
    {
        var words = string.Join(' ', Enumerable.Repeat("word", 60));
        var lines = AppGenerator.WrapMarkdown($"{words}\nmore\n\n| a | b |\n|---|---|\n```\n{words}\n```\n- item {words}").ToList();
        var paragraph = lines.TakeWhile(l => l.Length > 0).ToList();
        Assert.Equal(3, paragraph.Count);
        Assert.All(paragraph, l => Assert.True(l.Length <= AppGenerator.CommentWidth - 3, l));
        Assert.EndsWith("word more", paragraph[^1]);
        Assert.Contains("| a | b |", lines);
        Assert.Contains(words, lines);
        Assert.StartsWith("- item word", lines.Single(l => l.StartsWith("- ", StringComparison.Ordinal)));
        Assert.StartsWith("  word", lines[^1]);
    }

    private static int CountOf(string text, string part) =>
        (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;
}
