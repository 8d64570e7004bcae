namespace Workbook.Metrics;

/// <summary>
/// Accuracy, precision, recall and F1 for class labels, matching scikit-learn 1.2.1 (<c>accuracy_score</c>,
/// <c>precision_score</c>, <c>recall_score</c>, <c>f1_score</c>) with its defaults.
/// Introduced in chapter 04.
/// </summary>
/// <remarks>
/// The classes are the sorted union of the labels in <c>yTrue</c> and <c>yPred</c>, as scikit-learn does: a class
/// that is only predicted still counts in macro averages (with recall 0). When a ratio is 0/0 — precision of a class
/// never predicted, recall of a class never true — the score is 0, scikit-learn's default
/// (<c>zero_division="warn"</c>, which returns 0); F1 is 0 whenever precision + recall is 0.
/// </remarks>
public static class ClassificationMetrics
{
    /// <summary>Fraction of samples whose predicted label equals the true label.</summary>
    /// <exception cref="ArgumentException">The lists are empty or differ in length.</exception>
    public static double Accuracy(IReadOnlyList<int> yTrue, IReadOnlyList<int> yPred)
    {
        MetricInput.RequirePairedSamples(yTrue, yPred, nameof(yTrue), nameof(yPred));
        var correct = 0;
        for (var i = 0; i < yTrue.Count; i++)
            if (yTrue[i] == yPred[i])
                correct++;
        return (double)correct / yTrue.Count;
    }

    /// <summary>Precision, tp / (tp + fp): of the samples predicted as a class, the fraction that truly are.</summary>
    /// <param name="yTrue">True class label of each sample.</param>
    /// <param name="yPred">Predicted class label of each sample.</param>
    /// <param name="average">How classes combine; <see cref="Averaging.Binary"/> scores <paramref name="positiveLabel"/> alone.</param>
    /// <param name="positiveLabel">The class scored by <see cref="Averaging.Binary"/>; ignored otherwise.</param>
    /// <exception cref="ArgumentException">Empty or unequal inputs; binary averaging with more than two labels, or with two labels that do
    /// not include <paramref name="positiveLabel"/>.</exception>
    public static double Precision(
        IReadOnlyList<int> yTrue,
        IReadOnlyList<int> yPred,
        Averaging average = Averaging.Binary,
        int positiveLabel = 1
    ) => Scores(yTrue, yPred, average, positiveLabel).Precision;

    /// <summary>Recall, tp / (tp + fn): of the samples truly in a class, the fraction predicted as it.</summary>
    /// <inheritdoc cref="Precision" path="/param"/>
    /// <inheritdoc cref="Precision" path="/exception"/>
    public static double Recall(
        IReadOnlyList<int> yTrue,
        IReadOnlyList<int> yPred,
        Averaging average = Averaging.Binary,
        int positiveLabel = 1
    ) => Scores(yTrue, yPred, average, positiveLabel).Recall;

    /// <summary>F1, the harmonic mean of precision and recall (for macro and weighted: the mean of per-class F1).</summary>
    /// <inheritdoc cref="Precision" path="/param"/>
    /// <inheritdoc cref="Precision" path="/exception"/>
    public static double F1(
        IReadOnlyList<int> yTrue,
        IReadOnlyList<int> yPred,
        Averaging average = Averaging.Binary,
        int positiveLabel = 1
    ) => Scores(yTrue, yPred, average, positiveLabel).F1;

    /// <summary>Precision, recall and F1 of each class in <see cref="ConfusionMatrix.Labels"/> order, with its support.</summary>
    internal static IReadOnlyList<ClassScores> PerClass(ConfusionMatrix matrix) =>
        [
            .. matrix.Labels.Select(
                (label, i) =>
                {
                    var precision = Ratio(matrix.TruePositives(i), matrix.PredictedCount(i));
                    var recall = Ratio(matrix.TruePositives(i), matrix.TrueCount(i));
                    return new ClassScores(label, precision, recall, HarmonicMean(precision, recall), matrix.TrueCount(i));
                }
            ),
        ];

    private static (double Precision, double Recall, double F1) Scores(
        IReadOnlyList<int> yTrue,
        IReadOnlyList<int> yPred,
        Averaging average,
        int positiveLabel
    )
    {
        var matrix = ConfusionMatrix.Compute(yTrue, yPred);
        var labels = matrix.Labels;
        switch (average)
        {
            case Averaging.Binary:
            {
                if (labels.Count > 2)
                    throw new ArgumentException(
                        $"yTrue and yPred hold {labels.Count} labels ({string.Join(", ", labels)}), so binary averaging does not apply; "
                            + "pass Averaging.Macro, Averaging.Micro or Averaging.Weighted.",
                        nameof(average)
                    );
                var index = IndexOf(labels, positiveLabel);
                if (index < 0 && labels.Count == 2)
                    throw new ArgumentException(
                        $"positiveLabel is {positiveLabel} but the labels are {labels[0]} and {labels[1]}; "
                            + "pass one of them as positiveLabel.",
                        nameof(positiveLabel)
                    );
                // With a single label that is not positiveLabel, the positive class simply never occurs: all counts are 0.
                if (index < 0)
                    return (0, 0, 0);
                var precision = Ratio(matrix.TruePositives(index), matrix.PredictedCount(index));
                var recall = Ratio(matrix.TruePositives(index), matrix.TrueCount(index));
                return (precision, recall, HarmonicMean(precision, recall));
            }
            case Averaging.Micro:
            {
                // Summing tp, tp+fp and tp+fn over classes before dividing.
                long truePositives = 0,
                    predicted = 0,
                    actual = 0;
                for (var i = 0; i < labels.Count; i++)
                {
                    truePositives += matrix.TruePositives(i);
                    predicted += matrix.PredictedCount(i);
                    actual += matrix.TrueCount(i);
                }
                var precision = Ratio(truePositives, predicted);
                var recall = Ratio(truePositives, actual);
                return (precision, recall, HarmonicMean(precision, recall));
            }
            case Averaging.Macro:
            {
                var classes = PerClass(matrix);
                return (classes.Average(c => c.Precision), classes.Average(c => c.Recall), classes.Average(c => c.F1));
            }
            case Averaging.Weighted:
            {
                var classes = PerClass(matrix);
                // Support sums to the sample count, which is never 0 (empty input is rejected above).
                double total = classes.Sum(c => c.Support);
                return (
                    classes.Sum(c => c.Precision * c.Support) / total,
                    classes.Sum(c => c.Recall * c.Support) / total,
                    classes.Sum(c => c.F1 * c.Support) / total
                );
            }
            default:
                throw new ArgumentException($"average is {(int)average}, which is not an Averaging value.", nameof(average));
        }
    }

    private static int IndexOf(IReadOnlyList<int> labels, int label)
    {
        for (var i = 0; i < labels.Count; i++)
            if (labels[i] == label)
                return i;
        return -1;
    }

    /// <summary>numerator / denominator, or 0 when the denominator is 0 (scikit-learn's default zero division).</summary>
    private static double Ratio(long numerator, long denominator) => denominator == 0 ? 0 : (double)numerator / denominator;

    /// <summary>2pr / (p + r), or 0 when p + r is 0; evaluated in scikit-learn's order so results agree to the last bits.</summary>
    private static double HarmonicMean(double precision, double recall)
    {
        var denominator = precision + recall;
        return denominator == 0 ? 0 : 2 * precision * recall / denominator;
    }
}
