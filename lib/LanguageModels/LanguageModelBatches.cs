using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.LanguageModels;

/// <summary>
/// Training batches for a next-token model (introduced in chapter 09): windows of context + 1 tokens cut at seeded
/// random places of one long token array; the inputs are a window's first <c>context</c> tokens, the targets the same
/// window shifted by one, so position t learns to predict token t + 1.
/// <code>
/// var batches = new LanguageModelBatches(trainingIds, contextLength: 128, batchSize: 16, seed: 0);
/// var (inputs, targets) = batches.Next();   // int64 [16, 128] each
/// </code>
/// </summary>
public sealed class LanguageModelBatches
{
    private readonly int[] _tokens;
    private readonly Random _random;

    /// <summary>Batches from <paramref name="tokens"/>; the same seed gives the same windows.</summary>
    /// <exception cref="ArgumentException">The array is not longer than one window (context + 1 tokens), or a size is not
    /// positive.</exception>
    public LanguageModelBatches(int[] tokens, int contextLength, int batchSize, int seed)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(contextLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (tokens.Length < contextLength + 1)
            throw new ArgumentException(
                $"The token array has {tokens.Length:N0} tokens, fewer than one window of context + 1 = {contextLength + 1}: "
                    + "use a shorter context or more text.",
                nameof(tokens)
            );
        _tokens = tokens;
        ContextLength = contextLength;
        BatchSize = batchSize;
        _random = new Random(seed);
    }

    /// <summary>Tokens each input row holds.</summary>
    public int ContextLength { get; }

    /// <summary>Rows per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Tokens one batch trains on: batch × context.</summary>
    public long TokensPerBatch => (long)BatchSize * ContextLength;

    /// <summary>The next batch: inputs and targets, int64 [batch, context] on <paramref name="device"/> (CPU when null).</summary>
    public (Tensor Inputs, Tensor Targets) Next(Device? device = null)
    {
        var inputs = new long[TokensPerBatch];
        var targets = new long[TokensPerBatch];
        for (var row = 0; row < BatchSize; row++)
        {
            var start = _random.Next(_tokens.Length - ContextLength); // the window [start, start + context] fits
            for (var t = 0; t < ContextLength; t++)
            {
                inputs[row * ContextLength + t] = _tokens[start + t];
                targets[row * ContextLength + t] = _tokens[start + t + 1];
            }
        }
        long[] shape = [BatchSize, ContextLength];
        return (tensor(inputs, shape, device: device), tensor(targets, shape, device: device));
    }
}
