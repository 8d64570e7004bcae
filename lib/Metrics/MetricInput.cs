namespace Workbook.Metrics;

/// <summary>
/// Input checks shared by the metrics, so every entry point reports a bad argument the same way: which argument,
/// which index, what was expected.
/// </summary>
internal static class MetricInput
{
    /// <summary>Both lists present, non-empty and of equal length (one entry per sample).</summary>
    public static void RequirePairedSamples<TTrue, TOther>(
        IReadOnlyList<TTrue>? yTrue,
        IReadOnlyList<TOther>? other,
        string trueName,
        string otherName
    )
    {
        ArgumentNullException.ThrowIfNull(yTrue, trueName);
        ArgumentNullException.ThrowIfNull(other, otherName);
        if (yTrue.Count == 0)
            throw new ArgumentException($"{trueName} is empty; a metric needs at least one sample.", trueName);
        if (yTrue.Count != other.Count)
            throw new ArgumentException(
                $"{trueName} has {yTrue.Count} elements but {otherName} has {other.Count}; they need one entry per sample, "
                    + "so the lengths must be equal.",
                otherName
            );
    }

    /// <summary>Every value is a finite number (NaN or infinity would silently poison sorting and sums).</summary>
    public static void RequireFinite(IReadOnlyList<double> values, string name)
    {
        for (var i = 0; i < values.Count; i++)
            if (!double.IsFinite(values[i]))
                throw new ArgumentException($"{name}[{i}] is {values[i]}; every value must be a finite number.", name);
    }

    /// <summary>Every true label is 0 (negative) or 1 (positive), the encoding the binary curves and losses use.</summary>
    public static void RequireBinaryLabels(IReadOnlyList<int> yTrue, string name)
    {
        for (var i = 0; i < yTrue.Count; i++)
            if (yTrue[i] is not (0 or 1))
                throw new ArgumentException(
                    $"{name}[{i}] is {yTrue[i]}, but this binary metric needs labels 0 (negative) or 1 (positive); "
                        + "map your classes to 0/1 first.",
                    name
                );
    }

    /// <summary>Every value lies in [0, 1].</summary>
    public static void RequireProbability(double value, string description, string name)
    {
        if (!(value >= 0 && value <= 1))
            throw new ArgumentException($"{description} is {value}; probabilities must lie between 0 and 1.", name);
    }
}
