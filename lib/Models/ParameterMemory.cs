namespace Workbook.Models;

/// <summary>
/// Checks, before anything is allocated, that the parameters a config describes fit in this machine's memory: a
/// config with one absurd size (a width of 2^30, say) would otherwise fail deep inside libtorch, or get the process
/// killed. Used by the GPT-2 (chapter 07) and wav2vec2 (chapter 08) configs.
/// </summary>
public static class ParameterMemory
{
    /// <summary>The memory this process may use: the machine's physical memory, or the container's limit when lower.</summary>
    public static long AvailableBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>
    /// Refuses a model whose parameters would need more than <see cref="AvailableBytes"/>. Counts are doubles so that
    /// absurd sizes cannot overflow; the largest part is named in the message with the fields that size it.
    /// </summary>
    /// <param name="source">Where the config came from (a file path), for the message.</param>
    /// <param name="parts">The model's parameter counts by part, each with the config fields that size it.</param>
    /// <param name="bytesPerParameter">4 for float32.</param>
    /// <exception cref="ArgumentException">The model would not fit; the message names the source, the field, the bytes needed and the
    /// memory available.</exception>
    public static void Check(string source, IReadOnlyList<(string Fields, double Parameters)> parts, int bytesPerParameter = 4)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var total = parts.Sum(p => p.Parameters);
        var needed = total * bytesPerParameter;
        var available = AvailableBytes;
        if (needed <= available)
            return;
        var largest = parts.MaxBy(p => p.Parameters);
        throw new ArgumentException(
            $"{source}: {largest.Fields} describe a model of {total:G3} parameters, which would need {Gib(needed)} as float32 "
                + $"({Gib(largest.Parameters * bytesPerParameter)} of it from {largest.Fields}); "
                + $"this machine has {Gib(available)} of memory."
        );
    }

    private static string Gib(double bytes) => bytes >= 1e3 * (1L << 30) ? $"{bytes / (1L << 40):G3} TiB" : $"{bytes / (1L << 30):F1} GiB";
}
