namespace Workbook.Hub;

/// <summary>Where a repository's files were found (or why not), in one line a notebook can print.</summary>
/// <param name="Folder">The snapshot folder holding every requested file, or null when they could not be had.</param>
/// <param name="Message">One line: loaded from the cache, downloaded, or why the hub could not be used.</param>
public sealed record HubSnapshot(string? Folder, string Message)
{
    /// <summary>True when <see cref="Folder"/> holds the files.</summary>
    public bool IsAvailable => Folder is not null;

    /// <inheritdoc />
    public override string ToString() => Message;
}
