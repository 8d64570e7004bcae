using System.Globalization;

namespace Workbook.Deployment;

/// <summary>
/// Summary of a set of request latencies in milliseconds: count, mean, the 50th/90th/99th percentiles and the maximum.
/// Percentiles interpolate linearly between the two nearest ranks (NumPy's default), so p50 of [1, 2, 3, 4] is 2.5.
/// The tail (p99) is what users of a loaded service feel; the mean hides it.
/// Introduced with chapter 14.
/// </summary>
/// <param name="Count">Number of latencies.</param>
/// <param name="MeanMs">Arithmetic mean.</param>
/// <param name="P50Ms">Median.</param>
/// <param name="P90Ms">90th percentile.</param>
/// <param name="P99Ms">99th percentile.</param>
/// <param name="MaxMs">Largest latency.</param>
public sealed record LatencyStatistics(int Count, double MeanMs, double P50Ms, double P90Ms, double P99Ms, double MaxMs)
{
    /// <summary>Computes the statistics of <paramref name="latenciesMs"/>.</summary>
    /// <exception cref="ArgumentException">No values, or a value is negative, NaN or infinite.</exception>
    public static LatencyStatistics From(IEnumerable<double> latenciesMs)
    {
        ArgumentNullException.ThrowIfNull(latenciesMs);
        var sorted = latenciesMs.ToArray();
        if (sorted.Length == 0)
            throw new ArgumentException("No latencies to summarise: did every request fail?", nameof(latenciesMs));
        foreach (var v in sorted)
            if (!double.IsFinite(v) || v < 0)
                throw new ArgumentException($"A latency of {v} ms is not a finite, non-negative number.", nameof(latenciesMs));
        Array.Sort(sorted);
        return new LatencyStatistics(
            sorted.Length,
            sorted.Average(),
            Percentile(sorted, 50),
            Percentile(sorted, 90),
            Percentile(sorted, 99),
            sorted[^1]
        );
    }

    /// <summary>Computes the statistics of <paramref name="latencies"/>.</summary>
    public static LatencyStatistics From(IEnumerable<TimeSpan> latencies)
    {
        ArgumentNullException.ThrowIfNull(latencies);
        return From(latencies.Select(t => t.TotalMilliseconds));
    }

    /// <summary>The <paramref name="percent"/>-th percentile of already sorted values, by linear interpolation between ranks.</summary>
    /// <exception cref="ArgumentException">No values, or <paramref name="percent"/> outside [0, 100].</exception>
    public static double Percentile(IReadOnlyList<double> sortedValues, double percent)
    {
        ArgumentNullException.ThrowIfNull(sortedValues);
        if (sortedValues.Count == 0)
            throw new ArgumentException("A percentile of no values is undefined.", nameof(sortedValues));
        if (!(percent >= 0 && percent <= 100))
            throw new ArgumentOutOfRangeException(nameof(percent), percent, "A percentile is between 0 and 100.");
        var rank = percent / 100 * (sortedValues.Count - 1);
        var lower = (int)Math.Floor(rank);
        var upper = Math.Min(lower + 1, sortedValues.Count - 1);
        return sortedValues[lower] + (rank - lower) * (sortedValues[upper] - sortedValues[lower]);
    }

    /// <summary>e.g. <c>n=200 mean 3.1 ms, p50 2.8, p90 4.0, p99 9.7, max 12.0</c>.</summary>
    public override string ToString() =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"n={Count} mean {MeanMs:F1} ms, p50 {P50Ms:F1}, p90 {P90Ms:F1}, p99 {P99Ms:F1}, max {MaxMs:F1}"
        );
}
