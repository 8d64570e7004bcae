using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Workbook.Runner;

namespace Workbook.Tests.Notebooks;

/// <summary>Rules every committed chapter notebook keeps, so it opens the same in VS Code, Jupyter and Codespaces.</summary>
public partial class NotebookHygieneTests
{
    public static TheoryData<string> Chapters() => Repository.Notebooks();

    private static NotebookDocument Load(string notebook) => NotebookDocument.Load(Repository.Layout.Resolve(notebook));

    [Theory]
    [MemberData(nameof(Chapters))]
    public void File_name_is_numbered_kebab_case(string notebook) => Assert.Matches(@"^\d\d-[a-z0-9]+(-[a-z0-9]+)*\.ipynb$", notebook);

    [Theory]
    [MemberData(nameof(Chapters))]
    public void Is_nbformat_4_with_cell_ids(string notebook)
    {
        var json = JsonNode.Parse(File.ReadAllText(Repository.Layout.Resolve(notebook)))!.AsObject();
        Assert.Equal(4, json["nbformat"]!.GetValue<int>());
        Assert.True(json["nbformat_minor"]!.GetValue<int>() >= 5, "nbformat_minor >= 5 (cell ids)");
        var ids = json["cells"]!.AsArray().Select(c => c!["id"]?.GetValue<string>()).ToList();
        Assert.All(ids, id => Assert.False(string.IsNullOrEmpty(id), "every cell has an id"));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Chapters))]
    public void Carries_the_canonical_dotnet_metadata(string notebook)
    {
        var document = Load(notebook);
        var expected = JsonNode
            .Parse(
                """
                {"kernelspec": {"display_name": ".NET (C#)", "language": "C#", "name": ".net-csharp"},
                 "polyglot_notebook": {"kernelInfo": {"defaultKernelName": "csharp", "items": [{"name": "csharp"}]}}}
                """
            )!
            .AsObject();
        foreach (var (key, value) in expected)
            Assert.True(
                JsonNode.DeepEquals(value, document.Metadata[key]),
                $"{notebook}: metadata.{key} should be {value!.ToJsonString()}, is {document.Metadata[key]?.ToJsonString() ?? "missing"}"
            );
        Assert.Contains(document.Metadata["language_info"]?["name"]?.GetValue<string>(), new[] { "polyglot-notebook", "C#" });
        var cellMetadata = JsonNode.Parse(
            """
            {"dotnet_interactive": {"language": "csharp"}, "polyglot_notebook": {"kernelName": "csharp"},
             "vscode": {"languageId": "polyglot-notebook"}}
            """
        )!;
        var wrong = document.Cells.Where(c => c.IsCode && !JsonNode.DeepEquals(c.Metadata, cellMetadata)).Select(c => c.Number).ToList();
        Assert.True(
            wrong.Count == 0,
            $"{notebook}: code cells {string.Join(", ", wrong)} lack the canonical cell metadata {cellMetadata.ToJsonString()}"
        );
    }

    [Theory]
    [MemberData(nameof(Chapters))]
    public void Code_lines_fit_in_140_characters(string notebook)
    {
        // The library's width (CONTRIBUTING.md): a reader sees a cell whole, and the generated app stays readable too.
        var longLines = Load(notebook)
            .Cells.Where(c => c.IsCode)
            .SelectMany(c => c.Source.Split('\n').Where(l => l.Length > 140).Select(l => $"cell {c.Number}: {l.Trim()[..60]}…"))
            .ToList();
        Assert.True(longLines.Count == 0, $"{notebook}: code lines over 140 characters:\n{string.Join("\n", longLines)}");
    }

    [Theory]
    [MemberData(nameof(Chapters))]
    public void Has_no_stored_outputs(string notebook)
    {
        var dirty = Load(notebook)
            .Cells.Where(c => c.IsCode && (c.Outputs.Count > 0 || c.Json["execution_count"]?.GetValueKind() is JsonValueKind.Number))
            .Select(c => c.Number)
            .ToList();
        Assert.True(
            dirty.Count == 0,
            $"{notebook}: cells {string.Join(", ", dirty)} have stored outputs or execution counts; "
                + "clear them (the runner writes executed copies)."
        );
    }

    [Theory]
    [MemberData(nameof(Chapters))]
    public void Opens_with_a_title_and_learning_objectives(string notebook)
    {
        var first = Load(notebook).Cells[0];
        Assert.Equal("markdown", first.CellType);
        var chapter = notebook[..2];
        Assert.Matches($@"^# {chapter} · \S", first.Source);
        Assert.Contains("**What you will learn**", first.Source);
        Assert.Matches(@"\n- \S", first.Source);
    }

    [Theory]
    [MemberData(nameof(Chapters))]
    public void Starts_code_with_the_backend_cell(string notebook)
    {
        var firstCode = Load(notebook).Cells.First(c => c.IsCode).Source;
        Assert.Contains("#r \"../lib/bin/Workbook.dll\"", firstCode);
        Assert.Contains("await Workbook.Notebook.ChapterSetup.LoadAsync(Kernel.Root", firstCode);
        // Packages come from the set-up, at the pinned versions, so the kernel reports them on one line.
        var stray = Load(notebook).Cells.Where(c => c.IsCode && NuGetDirective().IsMatch(c.Source)).Select(c => c.Number).ToList();
        Assert.True(
            stray.Count == 0,
            $"{notebook}: cells {string.Join(", ", stray)} load packages with #r \"nuget\"; "
                + "pass the package to ChapterSetup.LoadAsync instead"
        );
    }

    [Theory]
    [MemberData(nameof(Chapters))]
    public void Ends_with_exercises_and_chapter_links(string notebook)
    {
        var document = Load(notebook);
        var markdown = string.Join("\n", document.Cells.Where(c => c.CellType == "markdown").Select(c => c.Source));
        Assert.Contains("## Exercises", markdown);
        var last = document.Cells[^1];
        Assert.Equal("markdown", last.CellType);
        Assert.Contains("**Next:**", last.Source);
        if (notebook[..2] != "00")
            Assert.Contains("**Previous:**", last.Source);
    }

    [Theory]
    [MemberData(nameof(Chapters))]
    public void Links_its_neighbours_once_they_exist(string notebook)
    {
        // A chapter written before the next one exists says "arriving with ..."; this turns that into a failure the day
        // the neighbour lands, so the chain of Previous/Next links never goes stale.
        var names = Repository.Layout.AllNotebooks().Select(Path.GetFileName).ToList();
        var index = names.IndexOf(notebook);
        var last = Load(notebook).Cells[^1].Source;
        var next = index + 1 < names.Count ? names[index + 1] : null;
        var previous = index > 0 ? names[index - 1] : null;
        if (next is not null)
            Assert.Matches($@"\*\*Next:\*\*\s*\[[^\]]+\]\({Regex.Escape(next!)}\)", last);
        if (previous is not null)
            Assert.Matches($@"\*\*Previous:\*\*\s*\[[^\]]+\]\({Regex.Escape(previous!)}\)", last);
    }

    [Theory]
    [MemberData(nameof(Chapters))]
    public void Relative_links_resolve(string notebook)
    {
        var folder = Repository.Layout.Notebooks;
        var broken = Load(notebook)
            .Cells.Where(c => c.CellType == "markdown")
            .SelectMany(c => MarkdownLink().Matches(c.Source).Select(m => m.Groups["target"].Value))
            .Where(target => !target.Contains("://") && !target.StartsWith('#') && !target.StartsWith("mailto:"))
            .Where(target =>
                !File.Exists(Path.Combine(folder, target.Split('#')[0])) && !Directory.Exists(Path.Combine(folder, target.Split('#')[0]))
            )
            .ToList();
        Assert.True(broken.Count == 0, $"{notebook}: links that do not resolve: {string.Join(", ", broken)}");
    }

    [Fact]
    public void Every_package_a_chapter_names_is_pinned_centrally()
    {
        // The set-up loads packages at the versions Directory.Packages.props pins; a chapter names extra ones by id.
        var central = XDocument
            .Load(Path.Combine(Repository.Root, "Directory.Packages.props"))
            .Descendants("PackageVersion")
            .Select(e => (string)e.Attribute("Include")!)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var unpinned = new List<string>();
        var setups = 0;
        foreach (var path in Repository.Layout.AllNotebooks())
        {
            foreach (var cell in NotebookDocument.Load(path).Cells.Where(c => c.IsCode))
            {
                foreach (Match m in SetupCall().Matches(cell.Source))
                {
                    setups++;
                    foreach (Match id in Regex.Matches(m.Groups["packages"].Value, "\"(?<id>[^\"]+)\""))
                        if (!central.Contains(id.Groups["id"].Value))
                            unpinned.Add($"{Path.GetFileName(path)} cell {cell.Number}: {id.Groups["id"].Value}");
                }
            }
        }
        Assert.True(setups > 0, "the notebooks call ChapterSetup.LoadAsync");
        Assert.True(
            unpinned.Count == 0,
            "Packages named in notebooks but not pinned in Directory.Packages.props:\n" + string.Join("\n", unpinned)
        );
        foreach (var id in Workbook.Notebook.ChapterSetup.LibraryPackages)
            Assert.True(central.Contains(id), $"{id} (ChapterSetup.LibraryPackages) is not pinned");
    }

    [GeneratedRegex(@"ChapterSetup\.LoadAsync\(Kernel\.Root(?<packages>[^)]*)\)")]
    private static partial Regex SetupCall();

    [Fact]
    public void The_version_check_sees_a_mismatch()
    {
        // Guards the guard: the pattern must match the spellings notebooks use.
        var m = NuGetDirective().Match("#r \"nuget:TorchSharp,0.106.0\"");
        Assert.True(m.Success);
        Assert.Equal("TorchSharp", m.Groups["id"].Value.Trim());
        Assert.Equal("0.106.0", m.Groups["version"].Value.Trim());
        Assert.False(NuGetDirective().Match("#r \"nuget: Plotly.NET.Interactive\"").Groups["version"].Success);
    }

    [GeneratedRegex(@"#r\s+""nuget:\s*(?<id>[^,""]+?)\s*(,\s*(?<version>[^""]+?))?\s*""")]
    private static partial Regex NuGetDirective();

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex MarkdownLink();
}
