using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Workbook.Deployment;

namespace Workbook.Serving;

/// <summary>
/// Request counters per endpoint and status, and latency percentiles per endpoint over the most recent requests,
/// rendered in the Prometheus text exposition format for <c>GET /metrics</c>.
/// </summary>
public sealed class ServiceMetrics
{
    /// <summary>How many recent latencies per endpoint the percentiles are computed over.</summary>
    public const int LatencyWindow = 4096;

    private readonly ConcurrentDictionary<(string Endpoint, int Status), long> counts = new();
    private readonly ConcurrentDictionary<string, LatencyWindowBuffer> latencies = new();
    private long inFlight;

    /// <summary>Batch counters of the predict batcher, when batching is on.</summary>
    public Func<(long Batches, long Rows)>? BatchCounters { get; set; }

    /// <summary>Requests being processed now.</summary>
    public long InFlight => Interlocked.Read(ref inFlight);

    /// <summary>Marks a request as started; returns the in-flight count.</summary>
    public long Started() => Interlocked.Increment(ref inFlight);

    /// <summary>Records a finished request.</summary>
    public void Finished(string endpoint, int status, TimeSpan elapsed)
    {
        Interlocked.Decrement(ref inFlight);
        counts.AddOrUpdate((endpoint, status), 1, (_, n) => n + 1);
        latencies.GetOrAdd(endpoint, _ => new LatencyWindowBuffer()).Add(elapsed.TotalSeconds);
    }

    /// <summary>The count for one endpoint and status (0 when none).</summary>
    public long Count(string endpoint, int status) => counts.TryGetValue((endpoint, status), out var n) ? n : 0;

    /// <summary>The metrics in Prometheus text format (version 0.0.4).</summary>
    public string ToPrometheusText()
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine("# HELP workbook_http_requests_total Requests answered, by endpoint and HTTP status.");
        text.AppendLine("# TYPE workbook_http_requests_total counter");
        foreach (var ((endpoint, status), n) in counts.OrderBy(p => p.Key.Endpoint, StringComparer.Ordinal).ThenBy(p => p.Key.Status))
            text.AppendLine(c, $"workbook_http_requests_total{{endpoint=\"{endpoint}\",status=\"{status}\"}} {n}");
        text.AppendLine(c, $"# HELP workbook_http_request_duration_seconds Request latency; quantiles over the last {LatencyWindow} requests per endpoint.");
        text.AppendLine("# TYPE workbook_http_request_duration_seconds summary");
        foreach (var (endpoint, window) in latencies.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var (recent, sum, count) = window.Snapshot();
            if (recent.Length == 0) continue;
            Array.Sort(recent);
            foreach (var q in new[] { 0.5, 0.9, 0.99 })
                text.AppendLine(c, $"workbook_http_request_duration_seconds{{endpoint=\"{endpoint}\",quantile=\"{q}\"}} {LatencyStatistics.Percentile(recent, q * 100):G6}");
            text.AppendLine(c, $"workbook_http_request_duration_seconds_sum{{endpoint=\"{endpoint}\"}} {sum:G9}");
            text.AppendLine(c, $"workbook_http_request_duration_seconds_count{{endpoint=\"{endpoint}\"}} {count}");
        }
        text.AppendLine("# HELP workbook_http_requests_in_flight Requests being processed now.");
        text.AppendLine("# TYPE workbook_http_requests_in_flight gauge");
        text.AppendLine(c, $"workbook_http_requests_in_flight {Interlocked.Read(ref inFlight)}");
        if (BatchCounters is { } batches)
        {
            var (batchCount, rows) = batches();
            text.AppendLine("# HELP workbook_predict_batches_total Forward passes run by the predict micro-batcher.");
            text.AppendLine("# TYPE workbook_predict_batches_total counter");
            text.AppendLine(c, $"workbook_predict_batches_total {batchCount}");
            text.AppendLine("# HELP workbook_predict_batched_rows_total Rows predicted through the micro-batcher.");
            text.AppendLine("# TYPE workbook_predict_batched_rows_total counter");
            text.AppendLine(c, $"workbook_predict_batched_rows_total {rows}");
        }
        return text.ToString();
    }

    private sealed class LatencyWindowBuffer
    {
        private readonly double[] ring = new double[LatencyWindow];
        private long count;
        private double sum;

        public void Add(double seconds)
        {
            lock (ring)
            {
                ring[count % LatencyWindow] = seconds;
                count++;
                sum += seconds;
            }
        }

        public (double[] Recent, double Sum, long Count) Snapshot()
        {
            lock (ring) return (ring[..(int)Math.Min(count, LatencyWindow)], sum, count);
        }
    }
}
