namespace Workbook.Distributed;

/// <summary>
/// The row indices of each global batch, identical on every rank: the data are reshuffled every epoch with a
/// permutation drawn from (seed, epoch), so all ranks agree on the order without talking, and successive epochs see
/// different orders. PyTorch's DistributedSampler does the same, which is why forgetting <c>set_epoch(epoch)</c>
/// there repeats the first epoch's order forever. Incomplete last batches are dropped (every step has B rows).
/// Introduced with chapter 17.
/// </summary>
public sealed class GlobalBatchSampler
{
    private readonly int seed;
    private int cachedEpoch = -1;
    private int[] order = [];

    /// <summary>Batches of <paramref name="globalBatch"/> rows drawn from <paramref name="samples"/> rows.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The batch is below 1 or larger than the data.</exception>
    public GlobalBatchSampler(int samples, int globalBatch, int seed)
    {
        if (samples < 1)
            throw new ArgumentOutOfRangeException(nameof(samples), samples, "The dataset has no rows.");
        if (globalBatch < 1 || globalBatch > samples)
            throw new ArgumentOutOfRangeException(
                nameof(globalBatch),
                globalBatch,
                $"The global batch must have 1 … {samples} rows (the dataset's size)."
            );
        Samples = samples;
        GlobalBatch = globalBatch;
        this.seed = seed;
    }

    /// <summary>Rows in the dataset.</summary>
    public int Samples { get; }

    /// <summary>Rows per global batch (all ranks together).</summary>
    public int GlobalBatch { get; }

    /// <summary>Complete batches per epoch.</summary>
    public int BatchesPerEpoch => Samples / GlobalBatch;

    /// <summary>The row indices of global batch <paramref name="step"/> (counted from 0 across epochs).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is negative.</exception>
    public long[] Batch(int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        var epoch = step / BatchesPerEpoch;
        if (epoch != cachedEpoch)
        {
            order = Enumerable.Range(0, Samples).ToArray();
            // A seeded System.Random is the same in every process (HashCode would not be: it is salted per process).
            new Random(unchecked(seed * 1_000_003 + epoch) & int.MaxValue).Shuffle(order);
            cachedEpoch = epoch;
        }
        var start = step % BatchesPerEpoch * GlobalBatch;
        return order.AsSpan(start, GlobalBatch).ToArray().Select(i => (long)i).ToArray();
    }
}
