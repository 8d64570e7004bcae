namespace Workbook.Safetensors;

/// <summary>
/// A checkpoint does not fit a model: tensors the model needs but the checkpoint lacks, tensors the checkpoint has but
/// the model does not know, and tensors whose shapes differ — all of them, by name, in one message.
/// Introduced with chapter 08.
/// </summary>
public sealed class CheckpointMismatchException : Exception
{
    private const int ListedPerKind = 20;

    /// <summary>Creates the exception; the message lists up to 20 names of each kind and counts the rest.</summary>
    /// <param name="checkpoint">The checkpoint's path.</param>
    /// <param name="missing">Model tensor names absent from the checkpoint.</param>
    /// <param name="unexpected">Checkpoint tensor names the model has no place for.</param>
    /// <param name="misshaped">Tensors present in both with different shapes.</param>
    public CheckpointMismatchException(
        string checkpoint,
        IReadOnlyList<string> missing,
        IReadOnlyList<string> unexpected,
        IReadOnlyList<TensorShapeMismatch> misshaped
    )
        : base(Describe(checkpoint, missing, unexpected, misshaped))
    {
        Checkpoint = checkpoint;
        Missing = missing;
        Unexpected = unexpected;
        Misshaped = misshaped;
    }

    /// <summary>The checkpoint's path.</summary>
    public string Checkpoint { get; }

    /// <summary>Model tensor names absent from the checkpoint.</summary>
    public IReadOnlyList<string> Missing { get; }

    /// <summary>Checkpoint tensor names (as stored) that the model has no place for.</summary>
    public IReadOnlyList<string> Unexpected { get; }

    /// <summary>Tensors whose shapes differ between checkpoint and model.</summary>
    public IReadOnlyList<TensorShapeMismatch> Misshaped { get; }

    private static string Describe(
        string checkpoint,
        IReadOnlyList<string> missing,
        IReadOnlyList<string> unexpected,
        IReadOnlyList<TensorShapeMismatch> misshaped
    )
    {
        static string List<T>(IReadOnlyList<T> items) =>
            string.Join(", ", items.Take(ListedPerKind))
            + (items.Count > ListedPerKind ? $", … and {items.Count - ListedPerKind} more" : "");
        var parts = new List<string>();
        if (missing.Count > 0)
            parts.Add($"{missing.Count} missing: {List(missing)}");
        if (unexpected.Count > 0)
            parts.Add($"{unexpected.Count} unexpected: {List(unexpected)}");
        if (misshaped.Count > 0)
            parts.Add($"{misshaped.Count} with the wrong shape: {List(misshaped)}");
        return $"{checkpoint} does not fit the model. {string.Join("; ", parts)}.";
    }
}

/// <summary>A tensor whose shape in the checkpoint differs from the model's. Introduced with chapter 08.</summary>
/// <param name="Name">The model's name for the tensor.</param>
/// <param name="Expected">The model's shape.</param>
/// <param name="Actual">The checkpoint's shape.</param>
public sealed record TensorShapeMismatch(string Name, long[] Expected, long[] Actual)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Name} (expected [{string.Join(", ", Expected)}], found [{string.Join(", ", Actual)}])";
}
