namespace Workbook.Metrics;

/// <summary>
/// Precision and recall of a binary scorer at every distinct threshold, as scikit-learn 1.2.1's
/// <c>precision_recall_curve</c>, and the average precision summarising it (<c>average_precision_score</c>).
/// Introduced in chapter 04.
/// </summary>
public sealed class PrecisionRecallCurve
{
    private PrecisionRecallCurve(double[] precision, double[] recall, double[] thresholds)
    {
        Precision = precision;
        Recall = recall;
        Thresholds = thresholds;
    }

    /// <summary>
    /// Precision at each threshold in <see cref="Thresholds"/> order, followed by a final 1 that has no threshold
    /// (the curve's end at recall 0), so it has one more element than <see cref="Thresholds"/>.
    /// </summary>
    public IReadOnlyList<double> Precision { get; }

    /// <summary>Recall at each threshold, decreasing, followed by a final 0. All 1 (before that final 0) when yTrue has no positives, as
    /// scikit-learn.</summary>
    public IReadOnlyList<double> Recall { get; }

    /// <summary>The distinct scores, increasing: a sample is predicted positive when its score is at least the threshold.</summary>
    public IReadOnlyList<double> Thresholds { get; }

    /// <summary>Computes the curve.</summary>
    /// <param name="yTrue">True labels, 0 (negative) or 1 (positive).</param>
    /// <param name="yScore">Scores, higher meaning more likely positive.</param>
    /// <exception cref="ArgumentException">Empty or unequal inputs, a label other than 0/1, or a non-finite score.</exception>
    public static PrecisionRecallCurve Compute(IReadOnlyList<int> yTrue, IReadOnlyList<double> yScore)
    {
        var counts = ThresholdCounts.Compute(yTrue, yScore);
        var n = counts.Thresholds.Length;
        var positives = counts.TruePositives[^1];
        var precision = new double[n + 1];
        var recall = new double[n + 1];
        var thresholds = new double[n];
        // The counts run from the highest threshold down; the curve is reported from the lowest up.
        for (var k = 0; k < n; k++)
        {
            var i = n - 1 - k;
            var predictedPositive = counts.TruePositives[i] + counts.FalsePositives[i];
            precision[k] = predictedPositive == 0 ? 0 : counts.TruePositives[i] / predictedPositive;
            recall[k] = positives == 0 ? 1 : counts.TruePositives[i] / positives;
            thresholds[k] = counts.Thresholds[i];
        }
        precision[n] = 1;
        recall[n] = 0;
        return new PrecisionRecallCurve(precision, recall, thresholds);
    }

    /// <summary>
    /// Average precision (scikit-learn's <c>average_precision_score</c>, binary): Σ (Rₙ − Rₙ₋₁) Pₙ, the precision at
    /// each threshold weighted by the recall gained there. A step-wise sum, not the trapezoid rule, which would
    /// interpolate linearly and overestimate.
    /// </summary>
    /// <param name="yTrue">True labels, 0 or 1.</param>
    /// <param name="yScore">Scores, higher meaning more likely positive.</param>
    /// <exception cref="ArgumentException">Invalid inputs as for <see cref="Compute"/>.</exception>
    /// <remarks>With no positives in <paramref name="yTrue"/> the result is 0 (scikit-learn warns and returns -0.0).</remarks>
    public static double AveragePrecision(IReadOnlyList<int> yTrue, IReadOnlyList<double> yScore)
    {
        var curve = Compute(yTrue, yScore);
        double sum = 0;
        for (var k = 0; k + 1 < curve.Recall.Count; k++)
            sum += (curve.Recall[k] - curve.Recall[k + 1]) * curve.Precision[k];
        return sum;
    }
}
