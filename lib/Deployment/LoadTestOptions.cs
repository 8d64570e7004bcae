namespace Workbook.Deployment;

/// <summary>
/// The bounds of a load test: a fixed number of requests, a fixed number in flight at once, an overall time limit and
/// a per-request timeout, so a test always ends and always asks the same of the service.
/// Introduced in chapter 14.
/// </summary>
/// <param name="RequestCount">Requests to send in total.</param>
/// <param name="Concurrency">Requests in flight at once (closed loop: each worker sends its next request when the previous one
/// answers).</param>
/// <param name="TimeLimit">The whole test stops after this long; requests not yet sent are not sent, those in flight are cancelled and
/// counted as errors.</param>
/// <param name="RequestTimeout">One request fails after this long.</param>
public sealed record LoadTestOptions(
    int RequestCount = 200,
    int Concurrency = 8,
    TimeSpan? TimeLimit = null,
    TimeSpan? RequestTimeout = null
)
{
    /// <summary><see cref="TimeLimit"/>, 60 s when not given.</summary>
    public TimeSpan EffectiveTimeLimit => TimeLimit ?? TimeSpan.FromSeconds(60);

    /// <summary><see cref="RequestTimeout"/>, 10 s when not given.</summary>
    public TimeSpan EffectiveRequestTimeout => RequestTimeout ?? TimeSpan.FromSeconds(10);

    /// <summary>Throws naming the option that is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A count is below 1 or above 1,000,000, or a time is not positive or above an
    /// hour.</exception>
    public LoadTestOptions Validate()
    {
        if (RequestCount is < 1 or > 1_000_000)
            throw new ArgumentOutOfRangeException(nameof(RequestCount), RequestCount, "Send between 1 and 1,000,000 requests.");
        if (Concurrency is < 1 or > 1024)
            throw new ArgumentOutOfRangeException(nameof(Concurrency), Concurrency, "Concurrency must be between 1 and 1024.");
        if (EffectiveTimeLimit <= TimeSpan.Zero || EffectiveTimeLimit > TimeSpan.FromHours(1))
            throw new ArgumentOutOfRangeException(nameof(TimeLimit), TimeLimit, "The time limit must be positive and at most an hour.");
        if (EffectiveRequestTimeout <= TimeSpan.Zero || EffectiveRequestTimeout > TimeSpan.FromHours(1))
            throw new ArgumentOutOfRangeException(
                nameof(RequestTimeout),
                RequestTimeout,
                "The request timeout must be positive and at most an hour."
            );
        return this;
    }
}
