using Workbook.Deployment;

namespace Workbook.Tests.Deployment;

public sealed class MicroBatcherTests
{
    [Fact]
    public async Task Concurrent_submissions_share_batches_and_each_caller_gets_its_own_results()
    {
        var batchSizes = new List<int>();
        await using var batcher = new MicroBatcher<int, int>(
            rows =>
            {
                lock (batchSizes)
                    batchSizes.Add(rows.Count);
                Thread.Sleep(5); // a forward pass takes time; others queue meanwhile
                return [.. rows.Select(r => r * 10)];
            },
            maxRows: 16,
            maxWait: TimeSpan.FromMilliseconds(20)
        );
        var submissions = Enumerable.Range(0, 64).Select(i => Task.Run(() => batcher.SubmitAsync([i, i + 1000]))).ToArray();
        var results = await Task.WhenAll(submissions);
        for (var i = 0; i < 64; i++)
            Assert.Equal([i * 10, (i + 1000) * 10], results[i]);
        Assert.Equal(128, batchSizes.Sum());
        Assert.All(batchSizes, size => Assert.InRange(size, 1, 16));
        Assert.True(batchSizes.Count < 64, $"64 submissions ran in {batchSizes.Count} batches: nothing was batched.");
        Assert.Equal(batchSizes.Count, batcher.Batches);
        Assert.Equal(128, batcher.Rows);
    }

    [Fact]
    public async Task With_no_wait_the_rows_that_queue_during_a_pass_form_the_next_batch()
    {
        // The server's default policy: no added wait. A lone request runs at once; requests arriving while a pass runs
        // wait only for that pass and then share the next one.
        using var release = new ManualResetEventSlim(false);
        using var firstStarted = new ManualResetEventSlim(false);
        var batchSizes = new List<int>();
        await using var batcher = new MicroBatcher<int, int>(
            rows =>
            {
                lock (batchSizes)
                    batchSizes.Add(rows.Count);
                if (!firstStarted.IsSet)
                {
                    firstStarted.Set();
                    release.Wait(TimeSpan.FromSeconds(10));
                } // hold the first pass
                return [.. rows];
            },
            maxRows: 64,
            maxWait: TimeSpan.Zero
        );

        var first = batcher.SubmitAsync([0]);
        Assert.True(firstStarted.Wait(TimeSpan.FromSeconds(10)), "a lone submission should start a pass at once");
        var queued = Enumerable.Range(1, 10).Select(i => batcher.SubmitAsync([i])).ToArray();
        release.Set();
        await first.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.WhenAll(queued).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([1, 10], batchSizes); // one pass alone, then the ten that queued meanwhile
    }

    [Fact]
    public async Task Dispose_finishes_everything_already_submitted_and_refuses_new_work()
    {
        var batcher = new MicroBatcher<int, int>(rows => [.. rows.Select(r => -r)], maxRows: 4, maxWait: TimeSpan.FromMilliseconds(200));
        var pending = Enumerable.Range(1, 10).Select(i => batcher.SubmitAsync([i])).ToArray();
        await batcher.DisposeAsync(); // long before the 200 ms wait is over
        Assert.All(pending, t => Assert.True(t.IsCompletedSuccessfully));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => -i), pending.Select(t => t.Result[0]));
        await Assert.ThrowsAsync<MicroBatcherFullException>(() => batcher.SubmitAsync([1]));
    }

    [Fact]
    public async Task A_failing_batch_fails_its_callers_and_the_batcher_keeps_working()
    {
        await using var batcher = new MicroBatcher<int, int>(
            rows => rows.Contains(13) ? throw new InvalidOperationException("unlucky") : [.. rows],
            maxRows: 1,
            maxWait: TimeSpan.Zero
        );
        Assert.Equal("unlucky", (await Assert.ThrowsAsync<InvalidOperationException>(() => batcher.SubmitAsync([13]))).Message);
        Assert.Equal([5], await batcher.SubmitAsync([5]));
    }

    [Fact]
    public async Task Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MicroBatcher<int, int>(r => [.. r], maxRows: 0, maxWait: TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new MicroBatcher<int, int>(r => [.. r], maxRows: 1, maxWait: TimeSpan.FromSeconds(-1))
        );
        await using var batcher = new MicroBatcher<int, int>(r => [.. r], maxRows: 2, maxWait: TimeSpan.Zero);
        Assert.Contains(
            "exceeds the batch size of 2",
            (await Assert.ThrowsAsync<ArgumentException>(() => batcher.SubmitAsync([1, 2, 3]))).Message
        );
        await Assert.ThrowsAsync<ArgumentException>(() => batcher.SubmitAsync([]));
    }
}
