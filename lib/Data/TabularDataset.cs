using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Data;

/// <summary>
/// A classification table: one row of numeric features per sample and an integer class label per sample,
/// with the names of the features and of the classes. Returned by the dataset loaders and by
/// <see cref="SyntheticData.MakeClassification"/>.
/// Introduced in chapter 03.
/// </summary>
public sealed class TabularDataset
{
    /// <summary>Creates a dataset after checking that the shapes agree and every label names a class.</summary>
    /// <exception cref="ArgumentException">Shapes disagree, or a label is outside 0 .. classNames.Count - 1.</exception>
    public TabularDataset(
        string name,
        double[,] features,
        int[] labels,
        IReadOnlyList<string> featureNames,
        IReadOnlyList<string> classNames
    )
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(featureNames);
        ArgumentNullException.ThrowIfNull(classNames);
        if (labels.Length != features.GetLength(0))
            throw new ArgumentException(
                $"{labels.Length} labels for {features.GetLength(0)} feature rows; there must be one label per row.",
                nameof(labels)
            );
        if (featureNames.Count != features.GetLength(1))
            throw new ArgumentException(
                $"{featureNames.Count} feature names for {features.GetLength(1)} feature columns; there must be one name per column.",
                nameof(featureNames)
            );
        if (classNames.Count == 0)
            throw new ArgumentException("At least one class name is needed.", nameof(classNames));
        for (var i = 0; i < labels.Length; i++)
            if (labels[i] < 0 || labels[i] >= classNames.Count)
                throw new ArgumentException(
                    $"Label {labels[i]} of row {i} is outside 0..{classNames.Count - 1} (one per class name).",
                    nameof(labels)
                );
        Name = name;
        Features = features;
        Labels = labels;
        FeatureNames = [.. featureNames];
        ClassNames = [.. classNames];
    }

    /// <summary>A short name for display (the dataset or generator).</summary>
    public string Name { get; }

    /// <summary>Features, [samples, features].</summary>
    public double[,] Features { get; }

    /// <summary>Class index of each sample, in 0 .. <see cref="ClassNames"/>.Count - 1.</summary>
    public int[] Labels { get; }

    /// <summary>One name per feature column.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>One name per class; label k means <c>ClassNames[k]</c>.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Number of samples (rows).</summary>
    public int SampleCount => Features.GetLength(0);

    /// <summary>Number of features (columns).</summary>
    public int FeatureCount => Features.GetLength(1);

    /// <summary>How many samples each class has, indexed by label.</summary>
    public int[] ClassCounts()
    {
        var counts = new int[ClassNames.Count];
        foreach (var label in Labels)
            counts[label]++;
        return counts;
    }

    /// <summary>The rows at <paramref name="indices"/>, in that order, as a new dataset (e.g. one side of a split).</summary>
    public TabularDataset Subset(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var features = new double[indices.Count, FeatureCount];
        var labels = new int[indices.Count];
        for (var r = 0; r < indices.Count; r++)
        {
            var source = indices[r];
            if (source < 0 || source >= SampleCount)
                throw new ArgumentOutOfRangeException(nameof(indices), $"Index {source} at position {r} is outside 0..{SampleCount - 1}.");
            for (var c = 0; c < FeatureCount; c++)
                features[r, c] = Features[source, c];
            labels[r] = Labels[source];
        }
        return new TabularDataset(Name, features, labels, FeatureNames, ClassNames);
    }

    /// <summary>Features as float32 [samples, features] and labels as int64 [samples], the types TorchSharp's layers and losses
    /// expect.</summary>
    public (Tensor Features, Tensor Labels) ToTensors(Device? device = null) =>
        (
            TensorConversion.ToFloat32(Features, device),
            tensor(Labels.Select(l => (long)l).ToArray(), dtype: ScalarType.Int64, device: device)
        );
}
