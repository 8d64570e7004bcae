namespace Workbook.IO;

/// <summary>
/// The check every loader makes before opening a file it was given: a missing file and a folder where a file is
/// expected get different messages, because "not found" for a path that plainly exists sends a user looking in the
/// wrong place. Every file loader of the library calls it.
/// </summary>
internal static class RequiredFile
{
    /// <summary>Throws unless <paramref name="path"/> is an existing file; <paramref name="what"/> (e.g. "checkpoint") names it in the
    /// message.</summary>
    /// <exception cref="FileNotFoundException">Nothing is at the path, or a directory is: the message says which.</exception>
    public static void Check(string path, string what)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (File.Exists(path))
            return;
        var full = Path.GetFullPath(path);
        if (Directory.Exists(path))
            throw new FileNotFoundException(
                $"The {what} path {full} is a directory, not a file: give the path of the {what} file itself.",
                path
            );
        throw new FileNotFoundException($"The {what} file {full} does not exist.", path);
    }
}
