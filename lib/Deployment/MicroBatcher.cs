using System.Diagnostics;
using System.Threading.Channels;

namespace Workbook.Deployment;

/// <summary>
/// Dynamic micro-batching: concurrent callers each submit a few rows; one worker collects submissions until
/// <see cref="MaxRows"/> rows are waiting or <see cref="MaxWait"/> has passed since the first, runs the whole batch
/// through one call of the batch function, and hands each caller its own slice of the results. One forward pass over
/// 32 rows costs little more than over one, so under load this trades a few milliseconds of waiting for throughput.
/// <see cref="DisposeAsync"/> stops taking new work and finishes everything already submitted.
/// Introduced with chapter 14.
/// </summary>
/// <typeparam name="TRow">One input row.</typeparam>
/// <typeparam name="TResult">One result per row.</typeparam>
public sealed class MicroBatcher<TRow, TResult> : IAsyncDisposable
{
    private sealed record Submission(
        IReadOnlyList<TRow> Rows,
        TaskCompletionSource<IReadOnlyList<TResult>> Completion,
        CancellationToken Cancellation
    );

    private readonly Func<IReadOnlyList<TRow>, IReadOnlyList<TResult>> runBatch;
    private readonly Channel<Submission> queue;
    private readonly Task worker;
    private long batches;
    private long rowsProcessed;

    /// <summary>Starts the worker.</summary>
    /// <param name="runBatch">Computes one result per row for a whole batch (e.g. one forward pass); called on the worker thread
    /// only.</param>
    /// <param name="maxRows">Run a batch as soon as this many rows wait (≥ 1).</param>
    /// <param name="maxWait">Longest a first submission waits for company (≥ 0; zero batches only what is already queued).</param>
    /// <param name="maxQueuedSubmissions">Submissions allowed to wait; further ones are refused with
    /// <see cref="MicroBatcherFullException"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A limit is out of range.</exception>
    public MicroBatcher(
        Func<IReadOnlyList<TRow>, IReadOnlyList<TResult>> runBatch,
        int maxRows,
        TimeSpan maxWait,
        int maxQueuedSubmissions = 1024
    )
    {
        ArgumentNullException.ThrowIfNull(runBatch);
        if (maxRows < 1)
            throw new ArgumentOutOfRangeException(nameof(maxRows), maxRows, "A batch holds at least one row.");
        if (maxWait < TimeSpan.Zero || maxWait > TimeSpan.FromSeconds(10))
            throw new ArgumentOutOfRangeException(nameof(maxWait), maxWait, "The batching wait must be between 0 and 10 seconds.");
        if (maxQueuedSubmissions < 1)
            throw new ArgumentOutOfRangeException(
                nameof(maxQueuedSubmissions),
                maxQueuedSubmissions,
                "At least one submission must be able to wait."
            );
        this.runBatch = runBatch;
        MaxRows = maxRows;
        MaxWait = maxWait;
        queue = Channel.CreateBounded<Submission>(
            new BoundedChannelOptions(maxQueuedSubmissions) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait }
        );
        worker = Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>Most rows per batch.</summary>
    public int MaxRows { get; }

    /// <summary>Longest wait for a batch to fill.</summary>
    public TimeSpan MaxWait { get; }

    /// <summary>Batches run so far.</summary>
    public long Batches => Interlocked.Read(ref batches);

    /// <summary>Rows processed so far.</summary>
    public long Rows => Interlocked.Read(ref rowsProcessed);

    /// <summary>Queues <paramref name="rows"/> and returns their results once the batch holding them has run.</summary>
    /// <exception cref="ArgumentException">No rows, or more than <see cref="MaxRows"/>.</exception>
    /// <exception cref="MicroBatcherFullException">The queue is full or the batcher is shutting down.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired before the results were ready.</exception>
    public Task<IReadOnlyList<TResult>> SubmitAsync(IReadOnlyList<TRow> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
            throw new ArgumentException("Submit at least one row.", nameof(rows));
        if (rows.Count > MaxRows)
            throw new ArgumentException($"A submission of {rows.Count} rows exceeds the batch size of {MaxRows}; split it.", nameof(rows));
        var completion = new TaskCompletionSource<IReadOnlyList<TResult>>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!queue.Writer.TryWrite(new Submission(rows, completion, cancellationToken)))
            throw new MicroBatcherFullException("The prediction queue is full or shutting down; retry later.");
        return completion.Task.WaitAsync(cancellationToken);
    }

    private async Task RunAsync()
    {
        var reader = queue.Reader;
        var pending = new List<Submission>();
        Submission? carried = null;
        while (carried is not null || await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            pending.Clear();
            var rows = 0;
            if (carried is not null)
            {
                pending.Add(carried);
                rows = carried.Rows.Count;
                carried = null;
            }
            else if (reader.TryRead(out var first))
            {
                pending.Add(first);
                rows = first.Rows.Count;
            }
            else
                continue;
            var deadline = Stopwatch.GetTimestamp() + (long)(MaxWait.TotalSeconds * Stopwatch.Frequency);
            while (rows < MaxRows)
            {
                if (reader.TryRead(out var next))
                {
                    if (rows + next.Rows.Count > MaxRows)
                    {
                        carried = next;
                        break;
                    } // starts the next batch
                    pending.Add(next);
                    rows += next.Rows.Count;
                    continue;
                }
                var now = Stopwatch.GetTimestamp();
                if (now >= deadline)
                    break;
                using var timer = new CancellationTokenSource(Stopwatch.GetElapsedTime(now, deadline));
                try
                {
                    if (!await reader.WaitToReadAsync(timer.Token).ConfigureAwait(false))
                        break; // completed: run what we have
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            Run(pending);
        }
    }

    private void Run(List<Submission> submissions)
    {
        var live = submissions.Where(s => !s.Cancellation.IsCancellationRequested).ToList();
        foreach (var dropped in submissions.Except(live))
            dropped.Completion.TrySetCanceled(dropped.Cancellation);
        if (live.Count == 0)
            return;
        var rows = live.SelectMany(s => s.Rows).ToList();
        try
        {
            var results = runBatch(rows);
            if (results.Count != rows.Count)
                throw new InvalidOperationException($"The batch function returned {results.Count} results for {rows.Count} rows.");
            var offset = 0;
            foreach (var s in live)
            {
                s.Completion.TrySetResult([.. results.Skip(offset).Take(s.Rows.Count)]);
                offset += s.Rows.Count;
            }
            Interlocked.Increment(ref batches);
            Interlocked.Add(ref rowsProcessed, rows.Count);
        }
        catch (Exception e)
        {
            foreach (var s in live)
                s.Completion.TrySetException(e);
        }
    }

    /// <summary>Stops accepting submissions and waits until every queued one has been run.</summary>
    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await worker.ConfigureAwait(false);
    }
}

/// <summary>
/// A <see cref="MicroBatcher{TRow, TResult}"/> refused a submission: its queue is full or it is shutting down. Introduced with chapter 14.
/// </summary>
public sealed class MicroBatcherFullException(string message) : Exception(message);
