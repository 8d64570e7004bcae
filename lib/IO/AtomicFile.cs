using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Workbook.IO;

/// <summary>
/// Writes files so that a reader sees either the old content or the new, never a part: everything goes to a temporary
/// file in the same folder, which is flushed to disk and then renamed over the target. A failure leaves the target as
/// it was and removes the temporary file. Every file the library writes goes through here.
/// </summary>
/// <remarks>
/// A process killed mid-write cannot remove its temporary file, so the name carries the writer's process id
/// (<c>.{name}.{pid}.{guid}.tmp</c>) and the next write of the same target deletes the temporaries whose writer is no
/// longer running. A temporary of a live process (another writer of the same file, in this process or another) is
/// never touched; names without a process id (written before it was added) are deleted once an hour old.
/// </remarks>
internal static class AtomicFile
{
    /// <summary>How old a temporary file without a writer's process id must be before it counts as abandoned.</summary>
    internal static readonly TimeSpan AbandonedAge = TimeSpan.FromHours(1);

    /// <summary>A fresh hidden temporary name beside <paramref name="path"/> (same folder, so the final move is a rename).</summary>
    public static string TemporaryPath(string path)
    {
        var full = Path.GetFullPath(path);
        return Path.Combine(
            Path.GetDirectoryName(full)!,
            $".{Path.GetFileName(full)}.{System.Environment.ProcessId}.{Guid.NewGuid():N}.tmp"
        );
    }

    /// <summary>Writes the file with <paramref name="write"/>, creating the folder if needed.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new IOException($"Cannot write {full}: it is a directory. Give the path of a file inside it, or remove the directory.");
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        RemoveAbandonedTemporaries(full);
        var temporary = TemporaryPath(full);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
                File.Delete(temporary);
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 without a byte order mark.</summary>
    public static void WriteAllText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text);
        Write(path, stream => stream.Write(bytes));
    }

    /// <summary>
    /// Deletes the temporaries of <paramref name="fullPath"/> left by writers that died: their process is gone, or, for
    /// names without a process id, they are older than <see cref="AbandonedAge"/>. Best effort: a file that cannot be
    /// deleted (another cleaner got it first, no permission) is left alone.
    /// </summary>
    internal static void RemoveAbandonedTemporaries(string fullPath)
    {
        var folder = Path.GetDirectoryName(fullPath)!;
        var prefix = $".{Path.GetFileName(fullPath)}.";
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateFiles(folder, prefix + "*.tmp").ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }
        foreach (var candidate in candidates)
        {
            var middle = Path.GetFileName(candidate)[prefix.Length..^".tmp".Length]; // "{pid}.{guid}" or, in old names, "{guid}"
            var parts = middle.Split('.');
            bool abandoned;
            if (
                parts.Length == 2
                && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && IsGuid(parts[1])
            )
                abandoned = !IsRunning(pid);
            else if (parts.Length == 1 && IsGuid(parts[0]))
                abandoned = DateTime.UtcNow - File.GetLastWriteTimeUtc(candidate) > AbandonedAge;
            else
                continue; // not a name this class makes: not ours to delete
            if (!abandoned)
                continue;
            try
            {
                File.Delete(candidate);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    private static bool IsGuid(string text) => text.Length == 32 && Guid.TryParseExact(text, "N", out _);

    private static bool IsRunning(int pid)
    {
        if (pid == System.Environment.ProcessId)
            return true;
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false; // no process with that id
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
