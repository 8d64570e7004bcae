using System.Diagnostics;

namespace Workbook.Compression;

/// <summary>
/// Wall-clock latency of a piece of work: warm-up calls first (lazy initialisation, caches), then the median of timed calls, which a single
/// slow outlier on a shared machine does not move. Introduced in chapter 15.
/// </summary>
public static class LatencyMeasurement
{
    /// <summary>The median time of one call of <paramref name="action"/>, in milliseconds.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="repeats"/> is below 1 or <paramref name="warmup"/> below
    /// 0.</exception>
    public static double MedianMilliseconds(Action action, int repeats = 20, int warmup = 3)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        for (var i = 0; i < warmup; i++)
            action();
        var times = new double[repeats];
        for (var i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times[i] = clock.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return Deployment.LatencyStatistics.Percentile(times, 50); // the median, as the load tests compute it
    }
}
