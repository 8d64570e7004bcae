using System.Globalization;

namespace Workbook.Runtime;

/// <summary>
/// The process's peak resident memory while an action runs, for comparing what two ways of training cost (chapter 11).
/// On Linux the kernel's high-water mark (<c>VmHWM</c> in <c>/proc/self/status</c>) is reset first by writing 5 to
/// <c>/proc/self/clear_refs</c>, so the peak is this action's, not the process's all-time one. Elsewhere there is no such
/// reset and <see cref="Measure"/> returns null rather than a misleading number.
/// </summary>
public static class PeakMemory
{
    /// <summary>Runs <paramref name="action"/>; returns the resident bytes before it and the peak during it, or null where the peak cannot
    /// be reset.</summary>
    public static (long BeforeBytes, long PeakBytes)? Measure(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (!TryReset())
        {
            action();
            return null;
        }
        var before = Status("VmRSS");
        action();
        var peak = Status("VmHWM");
        return before is { } b && peak is { } p ? (b, Math.Max(p, b)) : null;
    }

    private static bool TryReset()
    {
        if (!OperatingSystem.IsLinux())
            return false;
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long? Status(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (!line.StartsWith(field + ":", StringComparison.Ordinal))
                continue;
            var parts = line[(field.Length + 1)..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return
                parts.Length == 2
                && parts[1] == "kB"
                && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kb)
                ? kb * 1024
                : null;
        }
        return null;
    }
}
