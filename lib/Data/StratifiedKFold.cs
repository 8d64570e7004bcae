namespace Workbook.Data;

/// <summary>
/// scikit-learn's <c>StratifiedKFold</c> (1.2 algorithm): k folds that each hold about the same share of every
/// class. The samples of each class are dealt to the folds in the proportions scikit-learn computes (the sorted
/// labels dealt round-robin), in index order, or in a shuffled order per class when <c>shuffle</c> is true.
/// Introduced with chapter 01.
/// </summary>
public static class StratifiedKFold
{
    /// <summary>The k train/test splits for samples with the given class labels; both index arrays ascending.</summary>
    /// <param name="labels">Class label of every sample (any integers).</param>
    /// <param name="folds">Number of folds k, at least 2, at most the number of samples and at most the size of the largest class.</param>
    /// <param name="shuffle">Shuffle each class's fold assignment (the assignment differs from NumPy's for the same seed; the fold sizes do
    /// not).</param>
    /// <param name="seed">Seed of the random stream, used only when shuffling.</param>
    /// <remarks>
    /// Where a class has fewer members than <paramref name="folds"/>, scikit-learn warns and some test folds lack that
    /// class; this port does the same without the warning.
    /// </remarks>
    /// <exception cref="ArgumentException">Too few samples for the folds, or every class smaller than <paramref name="folds"/>.</exception>
    public static IReadOnlyList<SplitIndices> Split(IReadOnlyList<int> labels, int folds = 5, bool shuffle = false, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(labels);
        KFold.CheckFolds(labels.Count, folds);
        // Classes numbered in order of first appearance, as scikit-learn encodes them.
        var code = new Dictionary<int, int>();
        var encoded = labels.Select(label => code.TryGetValue(label, out var c) ? c : code[label] = code.Count).ToArray();
        var classes = code.Count;
        var classCounts = new int[classes];
        foreach (var c in encoded)
            classCounts[c]++;
        if (classCounts.All(count => folds > count))
            throw new ArgumentException(
                $"folds={folds} cannot be greater than the number of members in each class (the largest class has {classCounts.Max()}).",
                nameof(folds)
            );

        // allocation[k, c]: members of class c in fold k, from the sorted labels dealt round-robin to the folds.
        var sorted = encoded.Order().ToArray();
        var allocation = new int[folds, classes];
        for (var i = 0; i < sorted.Length; i++)
            allocation[i % folds, sorted[i]]++;

        var random = new SeededRandom(seed);
        var testFold = new int[labels.Count];
        for (var c = 0; c < classes; c++)
        {
            var foldsForClass = Enumerable.Range(0, folds).SelectMany(k => Enumerable.Repeat(k, allocation[k, c])).ToArray();
            if (shuffle)
                random.Shuffle(foldsForClass);
            var next = 0;
            for (var i = 0; i < encoded.Length; i++)
                if (encoded[i] == c)
                    testFold[i] = foldsForClass[next++];
        }
        return KFold.FromTestFolds(testFold, folds);
    }
}
