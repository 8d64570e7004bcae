using System.Globalization;
using Workbook.Notebook;

namespace Workbook.Deployment;

/// <summary>The outcome of a bounded load test: every request's latency and status, and the totals. Introduced in chapter 14.</summary>
/// <param name="Name">A label for tables and charts, e.g. "batching on".</param>
/// <param name="Options">The bounds it ran under.</param>
/// <param name="Outcomes">One entry per request sent, in order of sending.</param>
/// <param name="Elapsed">From the first request sent to the last answer.</param>
/// <param name="HitTimeLimit">True when the time limit stopped the test before every request was answered.</param>
public sealed record LoadTestResult(
    string Name,
    LoadTestOptions Options,
    IReadOnlyList<RequestOutcome> Outcomes,
    TimeSpan Elapsed,
    bool HitTimeLimit
)
{
    /// <summary>Requests answered with a 2xx status.</summary>
    public int Succeeded => Outcomes.Count(o => o.Succeeded);

    /// <summary>Requests that failed (non-2xx, exception, timeout).</summary>
    public int Failed => Outcomes.Count - Succeeded;

    /// <summary>Requests never sent because the time limit came first.</summary>
    public int NotSent => Options.RequestCount - Outcomes.Count;

    /// <summary>Successful requests per second over <see cref="Elapsed"/>.</summary>
    public double Throughput => Elapsed > TimeSpan.Zero ? Succeeded / Elapsed.TotalSeconds : 0;

    /// <summary>Latency statistics of the successful requests; null when none succeeded.</summary>
    public LatencyStatistics? Latency =>
        Succeeded == 0 ? null : LatencyStatistics.From(Outcomes.Where(o => o.Succeeded).Select(o => o.Latency));

    /// <summary>The distinct error messages with their counts, most frequent first.</summary>
    public IReadOnlyList<(string Error, int Count)> Errors =>
        [.. Outcomes.Where(o => !o.Succeeded).GroupBy(o => o.Error!).Select(g => (g.Key, g.Count())).OrderByDescending(e => e.Item2)];

    /// <summary>One row per result: requests, errors, elapsed time, throughput, mean and percentile latencies.</summary>
    /// <exception cref="ArgumentException">No results.</exception>
    public static Table Table(IEnumerable<LoadTestResult> results, string? caption = null)
    {
        ArgumentNullException.ThrowIfNull(results);
        var list = results.ToList();
        if (list.Count == 0)
            throw new ArgumentException("Give at least one load-test result.", nameof(results));
        static string Ms(double? v) => v is { } x ? x.ToString("F1", CultureInfo.InvariantCulture) : "–";
        return new Table(
            ["configuration", "ok", "failed", "not sent", "seconds", "req/s", "mean ms", "p50 ms", "p90 ms", "p99 ms", "max ms"],
            list.Select(r =>
                (IReadOnlyList<string>)
                    [
                        r.Name,
                        r.Succeeded.ToString(CultureInfo.InvariantCulture),
                        r.Failed.ToString(CultureInfo.InvariantCulture),
                        r.NotSent.ToString(CultureInfo.InvariantCulture),
                        r.Elapsed.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture),
                        r.Throughput.ToString("F1", CultureInfo.InvariantCulture),
                        Ms(r.Latency?.MeanMs),
                        Ms(r.Latency?.P50Ms),
                        Ms(r.Latency?.P90Ms),
                        Ms(r.Latency?.P99Ms),
                        Ms(r.Latency?.MaxMs),
                    ]
            ),
            caption
        );
    }

    /// <summary>e.g. <c>batching on: 200/200 ok in 1.20 s, 166.7 req/s; n=200 mean ...</c>.</summary>
    public override string ToString() =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"{Name}: {Succeeded}/{Options.RequestCount} ok, {Failed} failed, {NotSent} not sent in {Elapsed.TotalSeconds:F2} s, "
                + $"{Throughput:F1} req/s; {Latency?.ToString() ?? "no latencies"}"
        );
}

/// <summary>What happened to one request of a load test. Introduced with chapter 14.</summary>
/// <param name="Index">The request's number (0-based).</param>
/// <param name="StartedAt">When it was sent, from the start of the test.</param>
/// <param name="Latency">Time from sending to the whole response body read (or to the failure).</param>
/// <param name="StatusCode">The HTTP status, or null when no response came (connection refused, timeout).</param>
/// <param name="Error">Why it failed (a non-success status or an exception's message); null when it succeeded.</param>
public sealed record RequestOutcome(int Index, TimeSpan StartedAt, TimeSpan Latency, int? StatusCode, string? Error)
{
    /// <summary>True when the response had a 2xx status.</summary>
    public bool Succeeded => Error is null;
}
