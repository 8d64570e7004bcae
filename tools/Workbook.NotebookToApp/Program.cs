using System.Xml.Linq;
using Workbook.NotebookToApp;

// notebook-to-app [--check] [--root DIR] [NOTEBOOK...]
// Writes apps/NN-name.cs for every notebooks/NN-*.ipynb (or the notebooks named). With --check it writes nothing and
// fails, naming each app, when an app differs from what its notebook generates, is missing, or has no notebook.
var check = false;
string? root = null;
var named = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--check":
            check = true;
            break;
        case "--root" when i + 1 < args.Length:
            root = args[++i];
            break;
        case "-h" or "--help":
            Console.WriteLine("usage: notebook-to-app [--check] [--root DIR] [NOTEBOOK...]");
            return 0;
        case var option when option.StartsWith('-'):
            Console.Error.WriteLine(
                $"notebook-to-app: unknown option '{option}' (usage: notebook-to-app [--check] [--root DIR] [NOTEBOOK...])"
            );
            return 2;
        default:
            named.Add(args[i]);
            break;
    }
}
root = Path.GetFullPath(root ?? RepositoryRoot(Directory.GetCurrentDirectory()));
var notebooksFolder = Path.Combine(root, "notebooks");
var appsFolder = Path.Combine(root, "apps");
var notebooks =
    named.Count > 0
        ? named.Select(Path.GetFullPath).ToList()
        : Directory
            .GetFiles(notebooksFolder, "*.ipynb")
            .Where(f => char.IsAsciiDigit(Path.GetFileName(f)[0]))
            .Order(StringComparer.Ordinal)
            .ToList();
var pinned = XDocument
    .Load(Path.Combine(root, "Directory.Packages.props"))
    .Descendants("PackageVersion")
    .Select(p => (string?)p.Attribute("Include"))
    .OfType<string>()
    .ToHashSet(StringComparer.OrdinalIgnoreCase);

var problems = new List<string>();
foreach (var notebook in notebooks)
{
    var name = Path.GetFileName(notebook);
    var appPath = Path.Combine(appsFolder, Path.ChangeExtension(name, ".cs"));
    string app;
    try
    {
        app = AppGenerator.Generate(File.ReadAllText(notebook), name, pinned);
    }
    catch (AppGenerationException e)
    {
        problems.Add(e.Message);
        continue;
    }
    var current = File.Exists(appPath) ? File.ReadAllText(appPath) : null;
    if (current == app)
        continue;
    if (check)
        problems.Add(
            $"apps/{Path.GetFileName(appPath)} {(current is null ? "is missing" : "is stale")}: notebooks/{name} generates a different app."
        );
    else
    {
        Directory.CreateDirectory(appsFolder);
        var temporary = appPath + ".tmp";
        File.WriteAllText(temporary, app);
        File.Move(temporary, appPath, overwrite: true);
        Console.WriteLine($"wrote apps/{Path.GetFileName(appPath)}");
    }
}
if (named.Count == 0 && Directory.Exists(appsFolder))
{
    var expected = notebooks.Select(n => Path.ChangeExtension(Path.GetFileName(n), ".cs")).ToHashSet(StringComparer.Ordinal);
    foreach (
        var orphan in Directory
            .GetFiles(appsFolder, "*.cs")
            .Select(Path.GetFileName)
            .Where(f => !expected.Contains(f!))
            .Order(StringComparer.Ordinal)
    )
        problems.Add(
            $"apps/{orphan} has no notebook (notebooks/{Path.ChangeExtension(orphan, ".ipynb")}): delete it or restore the notebook."
        );
}
foreach (var problem in problems)
    Console.Error.WriteLine($"notebook-to-app: {problem}");
if (problems.Count > 0 && check)
    Console.Error.WriteLine("notebook-to-app: regenerate with tools/notebook-to-app.sh and commit apps/.");
if (problems.Count == 0 && check)
    Console.WriteLine($"apps/ is current: {notebooks.Count} app(s) match their notebooks.");
return problems.Count == 0 ? 0 : 1;

static string RepositoryRoot(string start)
{
    for (var folder = start; folder is not null; folder = Path.GetDirectoryName(folder))
        if (File.Exists(Path.Combine(folder, "Directory.Packages.props")) && Directory.Exists(Path.Combine(folder, "notebooks")))
            return folder;
    throw new InvalidOperationException(
        $"No workbook repository (Directory.Packages.props and notebooks/) at or above {start}; pass --root."
    );
}
