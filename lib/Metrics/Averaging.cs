namespace Workbook.Metrics;

/// <summary>
/// How precision, recall and F1 combine the classes, as scikit-learn's <c>average</c> argument.
/// Introduced in chapter 12.
/// </summary>
public enum Averaging
{
    /// <summary>Scores for <c>positiveLabel</c> only; the labels seen must be at most two.</summary>
    Binary,

    /// <summary>Unweighted mean of the per-class scores: every class counts the same, however rare.</summary>
    Macro,

    /// <summary>Scores from true/false positives summed over all classes; for single-label data micro precision, recall and F1 all equal
    /// accuracy.</summary>
    Micro,

    /// <summary>Mean of the per-class scores weighted by each class's support (its number of true samples).</summary>
    Weighted,
}
