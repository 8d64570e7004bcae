using static TorchSharp.torch;

namespace Workbook.Data;

/// <summary>Which sample indices go to training and which to testing. Introduced with chapter 01.</summary>
/// <param name="Train">Training indices.</param>
/// <param name="Test">Test indices.</param>
public sealed record SplitIndices(int[] Train, int[] Test);

/// <summary>
/// scikit-learn's <c>train_test_split</c>: a random (optionally stratified) split into a training and a test set.
/// Introduced in chapter 03.
/// </summary>
/// <remarks>
/// Sizes follow scikit-learn: n_test = ceil(testSize · n) for a fraction (or the count given), n_train = n − n_test.
/// Without stratification the samples are permuted and the first n_test become the test set, as
/// <c>ShuffleSplit</c> does. With stratification the per-class counts follow <c>StratifiedShuffleSplit</c>'s
/// allocation exactly (largest remainders first), except that where classes tie on their remainder the tie is
/// broken by this library's random stream instead of NumPy's; every class then keeps its share to within one
/// sample. The indices themselves differ from Python for a given seed (a different random stream).
/// </remarks>
public static class TrainTestSplit
{
    /// <summary>Splits sample indices 0 .. <paramref name="samples"/> - 1.</summary>
    /// <param name="samples">Number of samples.</param>
    /// <param name="testSize">Fraction (double) or count (int) of test samples; null means 0.25, as in scikit-learn.</param>
    /// <param name="shuffle">Permute before splitting; false puts the first n_train samples in training, the rest in test (not allowed with
    /// <paramref name="stratify"/>).</param>
    /// <param name="seed">Seed of the random stream.</param>
    /// <param name="stratify">Class label of each sample, or null: with labels, every class keeps its proportion in both sides.</param>
    /// <exception cref="ArgumentException">Sizes out of range, labels of the wrong length, a class with fewer than 2 samples, or fewer
    /// test/train samples than classes.</exception>
    public static SplitIndices Indices(
        int samples,
        SplitSize? testSize = null,
        bool shuffle = true,
        int seed = 0,
        IReadOnlyList<int>? stratify = null
    )
    {
        if (samples < 2)
            throw new ArgumentOutOfRangeException(nameof(samples), samples, "At least two samples are needed to split.");
        var testCount = (testSize ?? 0.25).Resolve(samples, nameof(testSize));
        var trainCount = samples - testCount;
        if (trainCount < 1)
            throw new ArgumentOutOfRangeException(
                nameof(testSize),
                testSize,
                $"With {samples} samples and testSize {testSize} the training set would be empty; choose a smaller testSize."
            );

        if (!shuffle)
        {
            if (stratify is not null)
                throw new ArgumentException(
                    "Stratified train/test split is not implemented for shuffle=false (as in scikit-learn); pass shuffle: true.",
                    nameof(shuffle)
                );
            return new SplitIndices([.. Enumerable.Range(0, trainCount)], [.. Enumerable.Range(trainCount, testCount)]);
        }

        var random = new SeededRandom(seed);
        if (stratify is null)
        {
            var permutation = random.Permutation(samples);
            return new SplitIndices(permutation[testCount..], permutation[..testCount]);
        }
        return Stratified(samples, trainCount, testCount, stratify, random);
    }

    /// <summary>Splits a dataset's rows; <paramref name="stratify"/> keeps every class's proportion on both sides.</summary>
    public static (TabularDataset Train, TabularDataset Test) Split(
        TabularDataset data,
        SplitSize? testSize = null,
        bool shuffle = true,
        int seed = 0,
        bool stratify = false
    )
    {
        ArgumentNullException.ThrowIfNull(data);
        var split = Indices(data.SampleCount, testSize, shuffle, seed, stratify ? data.Labels : null);
        return (data.Subset(split.Train), data.Subset(split.Test));
    }

    /// <summary>
    /// Splits the first dimension of features and labels tensors together; with <paramref name="stratify"/> the labels
    /// (a 1-D integer tensor) are the strata. The returned tensors are new; the caller disposes them.
    /// </summary>
    public static (Tensor TrainFeatures, Tensor TestFeatures, Tensor TrainLabels, Tensor TestLabels) Split(
        Tensor features,
        Tensor labels,
        SplitSize? testSize = null,
        bool shuffle = true,
        int seed = 0,
        bool stratify = false
    )
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (features.dim() == 0 || labels.dim() == 0 || features.shape[0] != labels.shape[0])
            throw new ArgumentException(
                $"features (shape [{string.Join(", ", features.shape)}]) and labels (shape [{string.Join(", ", labels.shape)}]) "
                    + "must have the same first dimension.",
                nameof(labels)
            );
        int[]? strata = null;
        if (stratify)
        {
            if (labels.dim() != 1 || labels.is_floating_point())
                throw new ArgumentException(
                    $"Stratifying needs labels as a 1-D integer tensor; got {labels.dtype} of shape [{string.Join(", ", labels.shape)}].",
                    nameof(labels)
                );
            using var cpu = labels.to(ScalarType.Int64, CPU);
            strata = cpu.data<long>().Select(v => checked((int)v)).ToArray();
        }
        var split = Indices((int)features.shape[0], testSize, shuffle, seed, strata);
        using var train = tensor(split.Train.Select(i => (long)i).ToArray(), device: features.device);
        using var test = tensor(split.Test.Select(i => (long)i).ToArray(), device: features.device);
        using var trainOnLabels = train.to(labels.device);
        using var testOnLabels = test.to(labels.device);
        return (
            features.index_select(0, train),
            features.index_select(0, test),
            labels.index_select(0, trainOnLabels),
            labels.index_select(0, testOnLabels)
        );
    }

    private static SplitIndices Stratified(int samples, int trainCount, int testCount, IReadOnlyList<int> labels, SeededRandom random)
    {
        if (labels.Count != samples)
            throw new ArgumentException(
                $"stratify has {labels.Count} labels for {samples} samples; give one label per sample.",
                "stratify"
            );
        // Classes in sorted order with their members in index order (np.unique + a stable argsort).
        var classes = labels.Distinct().Order().ToArray();
        var members = classes.Select(c => Enumerable.Range(0, samples).Where(i => labels[i] == c).ToArray()).ToArray();
        var classCounts = members.Select(m => m.Length).ToArray();
        var smallest = Array.IndexOf(classCounts, classCounts.Min());
        if (classCounts[smallest] < 2)
            throw new ArgumentException(
                $"The least populated class in y (label {classes[smallest]}) has only 1 member, which is too few: "
                    + "every class needs at least 2 to be stratified.",
                "stratify"
            );
        if (trainCount < classes.Length)
            throw new ArgumentException(
                $"The train size {trainCount} should be greater or equal to the number of classes {classes.Length}.",
                "testSize"
            );
        if (testCount < classes.Length)
            throw new ArgumentException(
                $"The test size {testCount} should be greater or equal to the number of classes {classes.Length}.",
                "testSize"
            );

        var trainPerClass = ApproximateMode(classCounts, trainCount, random);
        var remaining = classCounts.Select((count, k) => count - trainPerClass[k]).ToArray();
        var testPerClass = ApproximateMode(remaining, testCount, random);

        var train = new List<int>(trainCount);
        var test = new List<int>(testCount);
        for (var k = 0; k < classes.Length; k++)
        {
            var permutation = random.Permutation(classCounts[k]);
            var shuffled = permutation.Select(p => members[k][p]).ToArray();
            train.AddRange(shuffled[..trainPerClass[k]]);
            test.AddRange(shuffled[trainPerClass[k]..(trainPerClass[k] + testPerClass[k])]);
        }
        // Final permutation so the classes are interleaved.
        var trainArray = train.ToArray();
        var testArray = test.ToArray();
        random.Shuffle(trainArray);
        random.Shuffle(testArray);
        return new SplitIndices(trainArray, testArray);
    }

    /// <summary>
    /// scikit-learn's <c>_approximate_mode</c>: how many of <paramref name="draws"/> to take from each class, floor of the
    /// proportional share plus one for the largest remainders (ties broken at random).
    /// </summary>
    internal static int[] ApproximateMode(int[] classCounts, int draws, SeededRandom random)
    {
        double total = classCounts.Sum();
        var continuous = classCounts.Select(c => c / total * draws).ToArray();
        var floored = continuous.Select(Math.Floor).ToArray();
        var needToAdd = (int)(draws - floored.Sum());
        if (needToAdd > 0)
        {
            var remainder = continuous.Select((c, k) => c - floored[k]).ToArray();
            foreach (var value in remainder.Distinct().OrderDescending())
            {
                var tied = Enumerable.Range(0, remainder.Length).Where(k => remainder[k] == value).ToArray();
                var addNow = Math.Min(tied.Length, needToAdd);
                random.Shuffle(tied);
                foreach (var k in tied[..addNow])
                    floored[k] += 1;
                needToAdd -= addNow;
                if (needToAdd == 0)
                    break;
            }
        }
        return floored.Select(f => (int)f).ToArray();
    }
}
