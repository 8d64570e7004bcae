using System.Text.RegularExpressions;
using Workbook.IO;

namespace Workbook.Hub;

/// <summary>
/// The Hugging Face cache on disk, in the layout the Python <c>huggingface_hub</c> library uses, so both share it:
/// <code>
/// {root}/models--{org}--{name}/
///     blobs/{etag}                        the file's bytes, named by its sha256 (LFS files) or git sha1
///     snapshots/{commit}/{filename}       a relative symlink to ../../blobs/{etag} (a copy where links are refused)
///     refs/{revision}                     the commit hash the revision (e.g. main) pointed to, no newline
/// {root}/.locks/models--{org}--{name}/{etag}.lock
/// </code>
/// Reading needs no network; <see cref="HubClient"/> writes. Introduced with chapter 10.
/// </summary>
public sealed partial class HubCache
{
    /// <summary>Opens (without creating) the cache at <paramref name="root"/>.</summary>
    /// <param name="root">The cache root, e.g. <c>~/.cache/huggingface/hub</c>.</param>
    public HubCache(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
    }

    /// <summary>The cache root.</summary>
    public string Root { get; }

    /// <summary>The folder name of a repository in the cache, e.g. <c>models--openai-community--gpt2</c>.</summary>
    /// <exception cref="ArgumentException">The repository id is not a valid hub id.</exception>
    public static string RepoFolderName(string repoId, RepoType repoType = RepoType.Model)
    {
        ValidateRepoId(repoId);
        var prefix = repoType switch
        {
            RepoType.Model => "models",
            RepoType.Dataset => "datasets",
            RepoType.Space => "spaces",
            _ => throw new ArgumentOutOfRangeException(nameof(repoType), repoType, "Use Model, Dataset or Space."),
        };
        return prefix + "--" + repoId.Replace("/", "--", StringComparison.Ordinal);
    }

    /// <summary>The repository's folder in this cache.</summary>
    public string RepoFolder(string repoId, RepoType repoType = RepoType.Model) => Path.Combine(Root, RepoFolderName(repoId, repoType));

    /// <summary>The snapshot folder of one commit: the files of the repository at that commit, as downloaded so far.</summary>
    /// <exception cref="ArgumentException">The commit is not a 40-character hexadecimal hash.</exception>
    public string SnapshotFolder(string repoId, string commit, RepoType repoType = RepoType.Model)
    {
        if (!IsCommitHash(commit))
            throw new ArgumentException($"'{commit}' is not a commit hash (40 lowercase hexadecimal characters).", nameof(commit));
        return Path.Combine(RepoFolder(repoId, repoType), "snapshots", commit);
    }

    /// <summary>The commit hash the cache recorded for <paramref name="revision"/> (a commit hash is returned as is), or null.</summary>
    public string? ResolveRevision(string repoId, string revision = "main", RepoType repoType = RepoType.Model)
    {
        ValidateRevision(revision);
        if (IsCommitHash(revision))
            return revision;
        var refPath = RefPath(repoId, revision, repoType);
        if (!File.Exists(refPath))
            return null;
        var commit = File.ReadAllText(refPath).Trim();
        return IsCommitHash(commit) ? commit : null;
    }

    /// <summary>
    /// The local path of <paramref name="fileName"/> at <paramref name="revision"/> if it is in the cache, else null.
    /// Makes no request: this is what offline mode serves.
    /// </summary>
    /// <param name="repoId">The repository, e.g. <c>openai-community/gpt2</c>.</param>
    /// <param name="fileName">The file inside the repository, with forward slashes, e.g. <c>onnx/model.onnx</c>.</param>
    /// <param name="revision">A branch, tag or commit hash (default <c>main</c>).</param>
    /// <param name="repoType">Model, data set or Space.</param>
    public string? TryGetFile(string repoId, string fileName, string? revision = null, RepoType repoType = RepoType.Model)
    {
        ValidateFileName(fileName);
        if (ResolveRevision(repoId, revision ?? "main", repoType) is not { } commit)
            return null;
        var path = SnapshotPath(repoId, commit, fileName, repoType);
        if (Directory.Exists(path))
            throw new IOException(
                $"The cache entry {path} for '{fileName}' of '{repoId}' is a directory, not a file, so the cache is damaged there: "
                    + "delete that folder and download again."
            );
        return File.Exists(path) ? path : null; // File.Exists follows the symlink: a dangling link is not a cached file
    }

    /// <summary>True for a full 40-character lowercase hexadecimal git commit hash.</summary>
    public static bool IsCommitHash(string? revision) => revision is not null && CommitHashPattern().IsMatch(revision);

    internal string SnapshotPath(string repoId, string commit, string fileName, RepoType repoType) =>
        Path.Combine(SnapshotFolder(repoId, commit, repoType), fileName.Replace('/', Path.DirectorySeparatorChar));

    internal string BlobPath(string repoId, string etag, RepoType repoType) => Path.Combine(RepoFolder(repoId, repoType), "blobs", etag);

    internal string RefPath(string repoId, string revision, RepoType repoType) =>
        Path.Combine(RepoFolder(repoId, repoType), "refs", revision.Replace('/', Path.DirectorySeparatorChar));

    internal string LockPath(string repoId, string etag, RepoType repoType) =>
        Path.Combine(Root, ".locks", RepoFolderName(repoId, repoType), etag + ".lock");

    /// <summary>Records that <paramref name="revision"/> points at <paramref name="commit"/> (atomically, only when it changed).</summary>
    internal void WriteRef(string repoId, string revision, string commit, RepoType repoType)
    {
        if (revision == commit)
            return;
        var path = RefPath(repoId, revision, repoType);
        if (File.Exists(path) && File.ReadAllText(path) == commit)
            return;
        AtomicFile.WriteAllText(path, commit);
    }

    /// <summary>
    /// Points the snapshot entry at the blob: a relative symlink where the file system allows it, else a copy.
    /// The entry is created under a temporary name and moved into place, so a reader never sees half of it.
    /// </summary>
    internal void LinkSnapshot(string blobPath, string snapshotPath)
    {
        var folder = Path.GetDirectoryName(snapshotPath)!;
        Directory.CreateDirectory(folder);
        var temporary = AtomicFile.TemporaryPath(snapshotPath);
        try
        {
            try
            {
                File.CreateSymbolicLink(temporary, Path.GetRelativePath(folder, blobPath));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
            {
                File.Delete(temporary);
                File.Copy(blobPath, temporary, overwrite: true);
            }
            File.Move(temporary, snapshotPath, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary) || new FileInfo(temporary).LinkTarget is not null)
                File.Delete(temporary);
        }
    }

    /// <summary>Checks a repository id the way the hub does: <c>name</c> or <c>namespace/name</c>.</summary>
    /// <exception cref="ArgumentException">The id is empty, too long, or has characters or forms the hub rejects.</exception>
    public static void ValidateRepoId(string repoId)
    {
        if (string.IsNullOrWhiteSpace(repoId))
            throw new ArgumentException(
                "The repository id is empty: give it as 'name' or 'namespace/name', e.g. 'openai-community/gpt2'.",
                nameof(repoId)
            );
        if (
            repoId.Length > 96
            || !RepoIdPattern().IsMatch(repoId)
            || repoId.Contains("--", StringComparison.Ordinal)
            || repoId.Contains("..", StringComparison.Ordinal)
            || repoId.EndsWith(".git", StringComparison.Ordinal)
        )
            throw new ArgumentException(
                $"'{repoId}' is not a valid hub repository id: use 'name' or 'namespace/name' with letters, digits, '-', '_' and '.', "
                    + "at most 96 characters, no '--' or '..', not ending in '.git' (e.g. 'openai-community/gpt2').",
                nameof(repoId)
            );
    }

    /// <summary>The longest name one part of a path may have on common file systems (ext4, NTFS, APFS), in UTF-8 bytes.</summary>
    public const int MaxNameBytes = 255;

    /// <summary>
    /// Checks a file name inside a repository: relative, forward slashes, no empty, '.' or '..' parts, no control
    /// characters (a NUL would cut the name short on disk), and no part longer than <see cref="MaxNameBytes"/> UTF-8 bytes
    /// (it could not be written after the download).
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty, has a control character or a part too long for a file system, or could point
    /// outside the repository's snapshot folder.</exception>
    public static void ValidateFileName(string fileName)
    {
        if (string.IsNullOrWhiteSpace(fileName))
            throw new ArgumentException("The file name is empty: name a file inside the repository, e.g. 'config.json'.", nameof(fileName));
        RequireNoControlCharacters(fileName, "file name", nameof(fileName));
        if (fileName.Split('/').FirstOrDefault(part => System.Text.Encoding.UTF8.GetByteCount(part) > MaxNameBytes) is { } longPart)
            throw new ArgumentException(
                $"The file name '{Shorten(fileName)}' has a part of {System.Text.Encoding.UTF8.GetByteCount(longPart)} "
                    + $"bytes ('{Shorten(longPart)}'); "
                    + $"file systems allow at most {MaxNameBytes} per folder or file name, so it could not be saved in the cache.",
                nameof(fileName)
            );
        if (
            fileName.Contains('\\')
            || fileName.StartsWith('/')
            || Path.IsPathRooted(fileName)
            || fileName.Split('/').Any(part => part is "" or "." or "..")
        )
            throw new ArgumentException(
                $"'{fileName}' is not a file name inside a repository: use a relative path with forward slashes and no '.' or '..' "
                    + "parts, e.g. 'onnx/model.onnx'.",
                nameof(fileName)
            );
    }

    /// <summary>Checks a revision (branch, tag or commit hash): it becomes a path under <c>refs/</c>, so it may not climb out.</summary>
    /// <exception cref="ArgumentException">The revision is empty or has '\', '.' or '..' parts.</exception>
    public static void ValidateRevision(string revision)
    {
        if (string.IsNullOrWhiteSpace(revision))
            throw new ArgumentException("The revision is empty: use a branch ('main'), a tag or a commit hash.", nameof(revision));
        RequireNoControlCharacters(revision, "revision", nameof(revision));
        if (revision.Split('/').Any(part => System.Text.Encoding.UTF8.GetByteCount(part) > MaxNameBytes))
            throw new ArgumentException(
                $"The revision '{Shorten(revision)}' has a part longer than {MaxNameBytes} bytes, which cannot name a file under refs/.",
                nameof(revision)
            );
        if (revision.Contains('\\') || revision.StartsWith('/') || revision.Split('/').Any(part => part is "" or "." or ".."))
            throw new ArgumentException(
                $"'{revision}' is not a valid revision: use a branch ('main'), a tag or a commit hash, without '.', '..' or '\\'.",
                nameof(revision)
            );
    }

    private static void RequireNoControlCharacters(string value, string what, string parameter)
    {
        var index = value.AsSpan().IndexOfAnyInRange('\0', '\u001f');
        if (index < 0)
            index = value.IndexOf('\u007f');
        if (index >= 0)
            throw new ArgumentException(
                $"The {what} '{Shorten(value.Replace("\0", "\\0", StringComparison.Ordinal))}' has the control character "
                    + $"U+{(int)value[index]:X4} at position {index}; names on the hub never contain one.",
                parameter
            );
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "…";

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitHashPattern();

    [GeneratedRegex(@"^([A-Za-z0-9_.\-]+/)?[A-Za-z0-9_.\-]+$")]
    private static partial Regex RepoIdPattern();
}

/// <summary>
/// The kind of Hugging Face hub repository; it decides the URL prefix and the cache folder prefix. Introduced with chapter 10.
/// </summary>
public enum RepoType
{
    /// <summary>A model (<c>{endpoint}/{repo}</c>, cached as <c>models--org--name</c>).</summary>
    Model,

    /// <summary>A data set (<c>{endpoint}/datasets/{repo}</c>, cached as <c>datasets--org--name</c>).</summary>
    Dataset,

    /// <summary>A Space (<c>{endpoint}/spaces/{repo}</c>, cached as <c>spaces--org--name</c>).</summary>
    Space,
}
