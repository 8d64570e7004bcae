namespace Workbook.Runner;

/// <summary>Where the workbook's folders are, found from the runner's own location so any current directory works.</summary>
public sealed record RepositoryLayout(string Root)
{
    /// <summary>The notebooks folder.</summary>
    public string Notebooks => Path.Combine(Root, "notebooks");

    /// <summary>Where executed copies go by default (git-ignored).</summary>
    public string DefaultOutput => Path.Combine(Root, "artifacts", "notebooks");

    /// <summary>Walks up from <paramref name="start"/> (default: this assembly's folder) to the folder holding Directory.Packages.props and
    /// notebooks/.</summary>
    public static RepositoryLayout Find(string? start = null)
    {
        var from = start ?? AppContext.BaseDirectory;
        for (var dir = new DirectoryInfo(from); dir is not null; dir = dir.Parent)
        {
            if (
                File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props"))
                && Directory.Exists(Path.Combine(dir.FullName, "notebooks"))
            )
                return new(dir.FullName);
        }
        throw new DirectoryNotFoundException(
            $"Could not find the workbook repository (a folder with Directory.Packages.props and notebooks/) above {from}."
        );
    }

    /// <summary>Every chapter notebook (<c>NN-name.ipynb</c>), in chapter order.</summary>
    public IReadOnlyList<string> AllNotebooks() =>
        [
            .. Directory
                .EnumerateFiles(Notebooks, "*.ipynb")
                .Where(p => Path.GetFileName(p) is [>= '0' and <= '9', >= '0' and <= '9', '-', ..])
                .Order(StringComparer.Ordinal),
        ];

    /// <summary>
    /// Resolves what a user typed: a path (relative to the current directory), a file name, a chapter name
    /// without extension, or a chapter number such as <c>00</c>.
    /// </summary>
    public string Resolve(string nameOrPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrPath);
        if (File.Exists(nameOrPath))
            return Path.GetFullPath(nameOrPath);
        var all = AllNotebooks();
        var key = Path.GetFileNameWithoutExtension(nameOrPath);
        var matches = all.Where(p =>
            {
                var name = Path.GetFileNameWithoutExtension(p);
                return name.Equals(key, StringComparison.OrdinalIgnoreCase)
                    || name.StartsWith(key + "-", StringComparison.OrdinalIgnoreCase);
            })
            .ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new FileNotFoundException(
                $"No notebook matches '{nameOrPath}'. Give a path, or one of: "
                    + $"{string.Join(", ", all.Select(Path.GetFileNameWithoutExtension))}."
            ),
            _ => throw new ArgumentException(
                $"'{nameOrPath}' matches several notebooks: {string.Join(", ", matches.Select(Path.GetFileName))}."
            ),
        };
    }
}
