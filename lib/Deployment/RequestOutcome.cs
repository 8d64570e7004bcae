namespace Workbook.Deployment;

/// <summary>What happened to one request of a load test.</summary>
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
