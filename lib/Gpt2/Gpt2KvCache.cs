using static TorchSharp.torch;

namespace Workbook.Gpt2;

/// <summary>The key/value caches of all blocks of a model, one <see cref="Gpt2LayerCache"/> per block. Create one per batch with
/// <see cref="Gpt2LMHeadModel.CreateCache"/>, pass it to every forward call of that sequence, dispose it after. Introduced with chapter
/// 10.</summary>
public sealed class Gpt2KvCache : IDisposable
{
    /// <summary>Creates empty caches for <paramref name="layerCount"/> blocks.</summary>
    /// <param name="layerCount">Number of blocks (<c>n_layer</c>).</param>
    /// <param name="maxLength">Most tokens (<c>n_positions</c>).</param>
    /// <param name="initialCapacity">Tokens to allocate room for at first use; pass the expected final length to avoid regrowth.</param>
    public Gpt2KvCache(int layerCount, int maxLength, int initialCapacity = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layerCount, 1);
        Layers = [.. Enumerable.Range(0, layerCount).Select(_ => new Gpt2LayerCache(maxLength, initialCapacity))];
    }

    /// <summary>One cache per block, in block order.</summary>
    public IReadOnlyList<Gpt2LayerCache> Layers { get; }

    /// <summary>Number of tokens cached (the past length the next forward call continues from).</summary>
    public int Length => Layers[0].Length;

    /// <summary>Forgets every token.</summary>
    public void Clear()
    {
        foreach (var layer in Layers)
            layer.Clear();
    }

    /// <summary>Frees every block's storage.</summary>
    public void Dispose()
    {
        foreach (var layer in Layers)
            layer.Dispose();
    }
}

/// <summary>
/// One block's key/value cache: the keys and values of every token seen so far, [batch, heads, length, head size], so
/// decoding a new token computes attention against them instead of recomputing the whole prefix. Storage is allocated
/// on first use and grows by doubling (up to the model's context length), so appending one token copies only that token.
/// Introduced with chapter 10.
/// </summary>
public sealed class Gpt2LayerCache : IDisposable
{
    private readonly int maxLength;
    private int capacity;
    private Tensor? keys;
    private Tensor? values;

    /// <summary>Creates an empty cache.</summary>
    /// <param name="maxLength">Most tokens it may hold (the model's <c>n_positions</c>).</param>
    /// <param name="initialCapacity">Tokens to allocate room for at first use (clamped to [1, maxLength]).</param>
    public Gpt2LayerCache(int maxLength, int initialCapacity = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        this.maxLength = maxLength;
        capacity = Math.Clamp(initialCapacity, 1, maxLength);
    }

    /// <summary>Number of tokens cached.</summary>
    public int Length { get; private set; }

    /// <summary>
    /// Appends the new tokens' keys and values ([batch, heads, new, head size]) and returns views of all keys and values
    /// so far ([batch, heads, Length, head size]); the views are valid until the next append.
    /// </summary>
    /// <exception cref="ArgumentException">The batch or head layout differs from what the cache holds, or it would exceed its maximum
    /// length.</exception>
    public (Tensor Keys, Tensor Values) Append(Tensor newKeys, Tensor newValues)
    {
        ArgumentNullException.ThrowIfNull(newKeys);
        ArgumentNullException.ThrowIfNull(newValues);
        var added = (int)newKeys.shape[2];
        if (Length + added > maxLength)
            throw new ArgumentException(
                $"The key/value cache holds {Length} tokens; {added} more would exceed its maximum of {maxLength} (n_positions)."
            );
        if (
            keys is not null
            && (keys.shape[0] != newKeys.shape[0] || keys.shape[1] != newKeys.shape[1] || keys.shape[3] != newKeys.shape[3])
        )
            throw new ArgumentException(
                $"The cache holds batch {keys.shape[0]}, {keys.shape[1]} heads of size {keys.shape[3]}; "
                    + $"the new keys are [{string.Join(", ", newKeys.shape)}]. Use a new cache for a new batch."
            );
        if (keys is null || Length + added > capacity)
            Grow(newKeys, Length + added);
        keys!.narrow(2, Length, added).copy_(newKeys);
        values!.narrow(2, Length, added).copy_(newValues);
        Length += added;
        return (keys.narrow(2, 0, Length), values.narrow(2, 0, Length));
    }

    /// <summary>Forgets every token (keeps the memory for reuse with the same batch layout).</summary>
    public void Clear() => Length = 0;

    /// <summary>Frees the storage.</summary>
    public void Dispose()
    {
        keys?.Dispose();
        values?.Dispose();
        keys = values = null;
        Length = 0;
    }

    private void Grow(Tensor like, int needed)
    {
        while (capacity < needed)
            capacity = Math.Min(maxLength, capacity * 2);
        long[] shape = [like.shape[0], like.shape[1], capacity, like.shape[3]];
        var newKeys = empty(shape, like.dtype, like.device).DetachFromDisposeScope();
        var newValues = empty(shape, like.dtype, like.device).DetachFromDisposeScope();
        if (keys is not null && Length > 0)
        {
            newKeys.narrow(2, 0, Length).copy_(keys.narrow(2, 0, Length));
            newValues.narrow(2, 0, Length).copy_(values!.narrow(2, 0, Length));
        }
        keys?.Dispose();
        values?.Dispose();
        (keys, values) = (newKeys, newValues);
    }
}
