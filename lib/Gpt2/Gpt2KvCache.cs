namespace Workbook.Gpt2;

/// <summary>The key/value caches of all blocks of a model, one <see cref="Gpt2LayerCache"/> per block. Create one per
/// batch with <see cref="Gpt2LMHeadModel.CreateCache"/>, pass it to every forward call of that sequence, dispose it after.</summary>
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
        foreach (var layer in Layers) layer.Clear();
    }

    /// <summary>Frees every block's storage.</summary>
    public void Dispose()
    {
        foreach (var layer in Layers) layer.Dispose();
    }
}
