namespace Workbook.Benchmarks;

/// <summary>Memory figures of this process from /proc/self/status (Linux), in bytes; 0 where there is no /proc.</summary>
internal static class ProcessMemory
{
    /// <summary>The value of <paramref name="key"/> (e.g. <c>VmRSS</c>, or <c>VmHWM</c> for the peak resident size).</summary>
    public static long Status(string key)
    {
        if (!File.Exists("/proc/self/status"))
            return 0;
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(key + ":", StringComparison.Ordinal));
        // "VmHWM:\t  123456 kB": split on any whitespace, the tab included.
        return line is null ? 0 : long.Parse(line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }
}
