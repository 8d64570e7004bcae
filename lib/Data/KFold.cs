namespace Workbook.Data;

/// <summary>
/// scikit-learn's <c>KFold</c>: k consecutive folds (after an optional shuffle); each fold is the test set once and
/// the other k − 1 folds are the training set. The first n mod k folds hold one sample more than the others.
/// Both index arrays of every split are in ascending order, as scikit-learn returns them. Introduced with chapter 01.
/// </summary>
public static class KFold
{
    /// <summary>The k train/test splits of <paramref name="samples"/> samples.</summary>
    /// <param name="samples">Number of samples.</param>
    /// <param name="folds">Number of folds k, at least 2 and at most <paramref name="samples"/>.</param>
    /// <param name="shuffle">Shuffle the samples before cutting them into folds (otherwise fold 0 is the first samples).</param>
    /// <param name="seed">Seed of the random stream, used only when shuffling (the permutation differs from NumPy's for the same
    /// seed).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="folds"/> is below 2 or above <paramref name="samples"/>.</exception>
    public static IReadOnlyList<SplitIndices> Split(int samples, int folds = 5, bool shuffle = false, int seed = 0)
    {
        CheckFolds(samples, folds);
        var order = shuffle ? new SeededRandom(seed).Permutation(samples) : Enumerable.Range(0, samples).ToArray();
        var testFold = new int[samples];
        var start = 0;
        for (var k = 0; k < folds; k++)
        {
            var size = samples / folds + (k < samples % folds ? 1 : 0);
            for (var i = start; i < start + size; i++)
                testFold[order[i]] = k;
            start += size;
        }
        return FromTestFolds(testFold, folds);
    }

    /// <summary>The checks scikit-learn makes on the number of folds, with its wording.</summary>
    internal static void CheckFolds(int samples, int folds)
    {
        if (folds < 2)
            throw new ArgumentOutOfRangeException(
                nameof(folds),
                folds,
                "k-fold cross-validation requires at least one train/test split by setting folds=2 or more."
            );
        if (folds > samples)
            throw new ArgumentOutOfRangeException(
                nameof(folds),
                folds,
                $"Cannot have number of splits folds={folds} greater than the number of samples: samples={samples}."
            );
    }

    /// <summary>Splits from each sample's test-fold number: test = samples of fold k, train = the rest, both ascending.</summary>
    internal static IReadOnlyList<SplitIndices> FromTestFolds(int[] testFold, int folds) =>
        [
            .. Enumerable
                .Range(0, folds)
                .Select(k => new SplitIndices(
                    [.. Enumerable.Range(0, testFold.Length).Where(i => testFold[i] != k)],
                    [.. Enumerable.Range(0, testFold.Length).Where(i => testFold[i] == k)]
                )),
        ];
}
