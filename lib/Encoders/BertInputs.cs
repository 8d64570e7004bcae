using Microsoft.ML.Tokenizers;
using static TorchSharp.torch;

namespace Workbook.Encoders;

/// <summary>
/// Text to BERT's inputs (introduced in chapter 12): one sequence is [CLS] word pieces [SEP], cut to a maximum length
/// (the [SEP] kept); a batch is padded on the right with [PAD] to its longest sequence, with an attention mask of 1 for
/// real tokens and 0 for padding.
/// </summary>
public static class BertInputs
{
    /// <summary>[CLS] + the word pieces of <paramref name="text"/> + [SEP], at most <paramref name="maxLength"/> ids.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLength"/> is below 2 (no room for [CLS] and [SEP]).</exception>
    public static int[] Encode(BertTokenizer tokenizer, string text, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        var pieces = tokenizer.EncodeToIds(text, addSpecialTokens: false);
        var kept = Math.Min(pieces.Count, maxLength - 2);
        var ids = new int[kept + 2];
        ids[0] = tokenizer.ClassificationTokenId;
        for (var i = 0; i < kept; i++)
            ids[i + 1] = pieces[i];
        ids[^1] = tokenizer.SeparatorTokenId;
        return ids;
    }

    /// <summary>Pads sequences on the right to the longest one: ids and attention mask, int64 [batch, longest].</summary>
    /// <exception cref="ArgumentException">No sequences, or an empty one.</exception>
    public static (Tensor InputIds, Tensor AttentionMask) Pad(IReadOnlyList<int[]> sequences, int padId, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (sequences.Count == 0)
            throw new ArgumentException("There are no sequences to pad.", nameof(sequences));
        var longest = sequences.Max(s => s.Length);
        if (sequences.Any(s => s.Length == 0))
            throw new ArgumentException("A sequence is empty; each needs at least [CLS] and [SEP].", nameof(sequences));
        var ids = new long[sequences.Count * longest];
        var mask = new long[ids.Length];
        for (var b = 0; b < sequences.Count; b++)
        for (var t = 0; t < longest; t++)
        {
            var real = t < sequences[b].Length;
            ids[b * longest + t] = real ? sequences[b][t] : padId;
            mask[b * longest + t] = real ? 1 : 0;
        }
        long[] shape = [sequences.Count, longest];
        return (tensor(ids, shape, device: device), tensor(mask, shape, device: device));
    }
}
