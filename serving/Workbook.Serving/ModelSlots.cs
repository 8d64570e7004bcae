using System.Threading.RateLimiting;

namespace Workbook.Serving;

/// <summary>
/// How many model requests run at once, and how many may wait (chapter 09): a concurrency limit with a bounded, first-come queue
/// whose waiting has a deadline. Requests take a slot only once their body has been read and parsed, so a client that
/// uploads slowly (or never finishes) holds its own connection and nothing of anyone else's.
/// </summary>
public sealed class ModelSlots : IDisposable
{
    private readonly ConcurrencyLimiter limiter;
    private readonly int permits;
    private readonly int queue;
    private readonly TimeSpan queueTimeout;

    /// <summary>Creates the limit: <paramref name="permits"/> at once, <paramref name="queue"/> waiting, each for at most
    /// <paramref name="queueTimeout"/>.</summary>
    public ModelSlots(int permits, int queue, TimeSpan queueTimeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(permits, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(queue);
        this.permits = permits;
        this.queue = queue;
        this.queueTimeout = queueTimeout;
        limiter = new ConcurrencyLimiter(
            new ConcurrencyLimiterOptions
            {
                PermitLimit = permits,
                QueueLimit = queue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            }
        );
    }

    /// <summary>Slots in use now.</summary>
    public long InUse => permits - (limiter.GetStatistics()?.CurrentAvailablePermits ?? permits);

    /// <summary>Requests waiting for a slot now.</summary>
    public long Waiting => limiter.GetStatistics()?.CurrentQueuedCount ?? 0;

    /// <summary>Waits for a slot; dispose the lease to give it back.</summary>
    /// <exception cref="RequestProblemException">429 when every slot is taken and the queue is full; 503 (with a
    /// Retry-After) when the wait passes the queue deadline.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting.</exception>
    public async Task<IDisposable> AcquireAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(queueTimeout);
        RateLimitLease lease;
        try
        {
            lease = await limiter.AcquireAsync(1, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RequestProblemException(
                503,
                "Server busy",
                $"No model slot became free within {queueTimeout.TotalMilliseconds:0} ms ({permits} requests run at once); retry shortly."
            )
            {
                RetryAfterSeconds = 1,
            };
        }
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            throw new RequestProblemException(
                429,
                "Too many requests",
                $"The server is processing {permits} requests and {queue} more are waiting; retry shortly."
            )
            {
                RetryAfterSeconds = 1,
            };
        }
        return lease;
    }

    /// <summary>Releases the limiter.</summary>
    public void Dispose() => limiter.Dispose();
}
