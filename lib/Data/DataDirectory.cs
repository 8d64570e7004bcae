namespace Workbook.Data;

/// <summary>
/// Finds the repository's <c>data/</c> folder, so notebooks (in <c>notebooks/</c>), tests and tools need no paths. Introduced in chapter
/// 09.
/// </summary>
public static class DataDirectory
{
    /// <summary>
    /// The full path of <c>data/<paramref name="relativePath"/></c> in the nearest folder, from <paramref name="startDirectory"/>
    /// (default: the current directory, then the application's base directory) upward, that has it.
    /// </summary>
    /// <exception cref="FileNotFoundException">No folder on the way up has the file; the message lists where it looked.</exception>
    public static string Find(string relativePath, string? startDirectory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(relativePath);
        var starts = startDirectory is not null
            ? [Path.GetFullPath(startDirectory)]
            : new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory }.Distinct().ToArray();
        var searched = new List<string>();
        foreach (var start in starts)
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "data", relativePath);
                if (File.Exists(candidate))
                    return candidate;
                searched.Add(directory.FullName);
            }
        }
        throw new FileNotFoundException(
            $"Could not find data/{relativePath} in {string.Join(" or ", starts)} or any folder above (looked "
                + $"in {searched.Count} folders). "
                + "Run from inside the workbook repository, or pass the file's path explicitly.",
            Path.Combine("data", relativePath)
        );
    }
}
