using static TorchSharp.torch;

namespace Workbook.Encoders;

/// <summary>
/// BERT's masked-language-modelling corruption (introduced in chapter 12): each non-special token is chosen with
/// probability <see cref="SelectProbability"/> (15 %); a chosen token becomes [MASK] 80 % of the time, a random
/// ordinary token 10 % of the time, and stays itself 10 % of the time; the labels hold the original id at chosen
/// positions and <see cref="IgnoreIndex"/> (−100, what <c>cross_entropy</c> skips) everywhere else. Special tokens
/// ([CLS], [SEP], [PAD], …) are never chosen. The random tokens are drawn from the ordinary tokens only (Hugging Face's
/// collator draws from the whole vocabulary, specials included). Everything comes from the caller's seeded
/// <see cref="Random"/>, so a run is reproducible.
/// </summary>
public sealed class MaskedLanguageModeling
{
    /// <summary>The label of a position that is not scored.</summary>
    public const long IgnoreIndex = -100;

    private readonly HashSet<long> special;
    private readonly long[] ordinary;

    /// <summary>Sets up the corruption for a vocabulary.</summary>
    /// <param name="vocabularySize">Ids run from 0 to this − 1.</param>
    /// <param name="maskId">The id of [MASK].</param>
    /// <param name="specialIds">Ids never chosen and never drawn as random replacements (the mask id is added).</param>
    /// <param name="selectProbability">The share of ordinary tokens chosen (0.15 in BERT).</param>
    /// <param name="maskShare">Of the chosen, the share replaced by [MASK] (0.8).</param>
    /// <param name="randomShare">Of the chosen, the share replaced by a random token (0.1); the rest are kept.</param>
    /// <exception cref="ArgumentException">A probability outside [0, 1], shares summing past 1, or ids outside the vocabulary.</exception>
    public MaskedLanguageModeling(
        int vocabularySize,
        int maskId,
        IEnumerable<int> specialIds,
        double selectProbability = 0.15,
        double maskShare = 0.8,
        double randomShare = 0.1
    )
    {
        ArgumentNullException.ThrowIfNull(specialIds);
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabularySize, 2);
        if (selectProbability is < 0 or > 1 || maskShare is < 0 or > 1 || randomShare is < 0 or > 1 || maskShare + randomShare > 1 + 1e-12)
            throw new ArgumentException(
                $"The probabilities must lie in [0, 1] and mask + random shares at most 1; got select {selectProbability}, "
                    + $"mask {maskShare}, random {randomShare}."
            );
        special = [.. specialIds.Select(i => (long)i), maskId];
        if (special.Any(i => i < 0 || i >= vocabularySize))
            throw new ArgumentException(
                $"The special ids [{string.Join(", ", special)}] must lie in the vocabulary [0, {vocabularySize}).",
                nameof(specialIds)
            );
        ordinary = [.. Enumerable.Range(0, vocabularySize).Select(i => (long)i).Where(i => !special.Contains(i))];
        if (ordinary.Length == 0)
            throw new ArgumentException("Every id is special: nothing could be masked.", nameof(specialIds));
        (VocabularySize, MaskId, SelectProbability, MaskShare, RandomShare) = (
            vocabularySize,
            maskId,
            selectProbability,
            maskShare,
            randomShare
        );
    }

    /// <summary>Ids run from 0 to this − 1.</summary>
    public int VocabularySize { get; }

    /// <summary>The id of [MASK].</summary>
    public int MaskId { get; }

    /// <summary>The share of ordinary tokens chosen.</summary>
    public double SelectProbability { get; }

    /// <summary>Of the chosen, the share replaced by [MASK].</summary>
    public double MaskShare { get; }

    /// <summary>Of the chosen, the share replaced by a random ordinary token.</summary>
    public double RandomShare { get; }

    /// <summary>Corrupts a batch of token ids (int64, any shape; padding must be one of the special ids).</summary>
    /// <returns>The model's inputs and the labels (original id where chosen, −100 elsewhere), both int64 of the input's shape, on its
    /// device.</returns>
    /// <exception cref="ArgumentException">Not int64, or an id outside the vocabulary.</exception>
    public (Tensor Inputs, Tensor Labels) Mask(Tensor inputIds, Random random)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(random);
        if (inputIds.dtype != ScalarType.Int64)
            throw new ArgumentException($"inputIds must be int64; got {inputIds.dtype}.", nameof(inputIds));
        using var cpu = inputIds.cpu().contiguous();
        var ids = cpu.data<long>().ToArray();
        var labels = new long[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            var id = ids[i];
            if (id < 0 || id >= VocabularySize)
                throw new ArgumentException($"inputIds holds {id}, outside the vocabulary [0, {VocabularySize}).", nameof(inputIds));
            labels[i] = IgnoreIndex;
            if (special.Contains(id) || random.NextDouble() >= SelectProbability)
                continue;
            labels[i] = id;
            var action = random.NextDouble();
            if (action < MaskShare)
                ids[i] = MaskId;
            else if (action < MaskShare + RandomShare)
                ids[i] = ordinary[random.Next(ordinary.Length)];
        }
        return (tensor(ids, inputIds.shape, device: inputIds.device), tensor(labels, inputIds.shape, device: inputIds.device));
    }
}
