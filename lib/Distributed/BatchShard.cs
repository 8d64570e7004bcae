namespace Workbook.Distributed;

/// <summary>
/// The rows of a global batch that one rank trains on: rank r of N takes rows ⌊r·B/N⌋ … ⌊(r+1)·B/N⌋ − 1 of a batch
/// of B rows. Shards are contiguous, disjoint and cover the batch; when N does not divide B their sizes differ by one
/// (some ranks get ⌈B/N⌉ rows, the others ⌊B/N⌋). That is why <see cref="DataParallelTrainer"/> sums each rank's
/// per-row losses and divides by B rather than averaging the ranks' mean losses: an average of means would weight
/// the rows of small shards more than the single-process mean does.
/// Introduced with chapter 17.
/// </summary>
/// <param name="Start">First row of the shard in the global batch.</param>
/// <param name="Count">Number of rows (0 only when the batch has fewer rows than there are ranks).</param>
public readonly record struct BatchShard(int Start, int Count)
{
    /// <summary>The shard of rank <paramref name="rank"/> of <paramref name="size"/> in a global batch of <paramref name="globalBatch"/>
    /// rows.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative batch, a size below 1, or a rank outside 0 … size − 1.</exception>
    public static BatchShard Of(int globalBatch, int rank, int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(globalBatch);
        if (size < 1)
            throw new ArgumentOutOfRangeException(nameof(size), size, "A job has at least one process.");
        if (rank < 0 || rank >= size)
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"The rank must be in 0 … {size - 1} for a job of {size} processes.");
        var start = (int)((long)rank * globalBatch / size);
        var end = (int)((long)(rank + 1) * globalBatch / size);
        return new BatchShard(start, end - start);
    }
}
