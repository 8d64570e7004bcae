namespace Workbook.Metrics;

/// <summary>
/// The receiver operating characteristic of a binary scorer: false and true positive rates as the decision threshold
/// goes down, as scikit-learn 1.2.1's <c>roc_curve(y_true, y_score)</c> with its defaults, and the area under it.
/// Introduced in chapter 04.
/// </summary>
public sealed class RocCurve
{
    private RocCurve(double[] falsePositiveRates, double[] truePositiveRates, double[] thresholds)
    {
        FalsePositiveRates = falsePositiveRates;
        TruePositiveRates = truePositiveRates;
        Thresholds = thresholds;
    }

    /// <summary>False positive rate at each threshold (scikit-learn's <c>fpr</c>), increasing from 0 to 1; NaN throughout when yTrue has no
    /// negatives.</summary>
    public IReadOnlyList<double> FalsePositiveRates { get; }

    /// <summary>True positive rate (recall) at each threshold (scikit-learn's <c>tpr</c>), increasing from 0 to 1; NaN throughout when
    /// yTrue has no positives.</summary>
    public IReadOnlyList<double> TruePositiveRates { get; }

    /// <summary>Decreasing thresholds: a sample is predicted positive when its score is at least the threshold.</summary>
    public IReadOnlyList<double> Thresholds { get; }

    /// <summary>Computes the curve.</summary>
    /// <param name="yTrue">True labels, 0 (negative) or 1 (positive).</param>
    /// <param name="yScore">Scores, higher meaning more likely positive: probabilities or any finite decision values.</param>
    /// <exception cref="ArgumentException">Empty or unequal inputs, a label other than 0/1, or a non-finite score.</exception>
    /// <remarks>
    /// Like scikit-learn's default <c>drop_intermediate=True</c>, points on a straight segment between their neighbours
    /// are dropped (they do not change the area). The first point is (0, 0) with threshold <c>max(score) + 1</c>:
    /// scikit-learn 1.2.1 does exactly this (1.3 and later use +∞), and we match 1.2.1.
    /// </remarks>
    public static RocCurve Compute(IReadOnlyList<int> yTrue, IReadOnlyList<double> yScore)
    {
        var counts = ThresholdCounts.Compute(yTrue, yScore);
        var fps = counts.FalsePositives;
        var tps = counts.TruePositives;
        var kept = Enumerable.Range(0, fps.Length).ToList();
        if (fps.Length > 2)
        {
            // Keep the ends and every point where the curve bends (non-zero second difference in fps or tps).
            kept =
            [
                .. kept.Where(i =>
                    i == 0 || i == fps.Length - 1 || fps[i + 1] - 2 * fps[i] + fps[i - 1] != 0 || tps[i + 1] - 2 * tps[i] + tps[i - 1] != 0
                ),
            ];
        }
        double[] keptFps = [0, .. kept.Select(i => fps[i])];
        double[] keptTps = [0, .. kept.Select(i => tps[i])];
        double[] thresholds = [counts.Thresholds[kept[0]] + 1, .. kept.Select(i => counts.Thresholds[i])];
        return new RocCurve(Rates(keptFps), Rates(keptTps), thresholds);
    }

    /// <summary>
    /// Area under the ROC curve (scikit-learn's binary <c>roc_auc_score</c>): the trapezoid rule over the full curve,
    /// so tied scores count as half right, the probability that a random positive outscores a random negative.
    /// </summary>
    /// <param name="yTrue">True labels, 0 or 1; both must occur.</param>
    /// <param name="yScore">Scores, higher meaning more likely positive.</param>
    /// <exception cref="ArgumentException">Invalid inputs as for <see cref="Compute"/>, or only one class in
    /// <paramref name="yTrue"/>.</exception>
    public static double RocAuc(IReadOnlyList<int> yTrue, IReadOnlyList<double> yScore)
    {
        var curve = Compute(yTrue, yScore);
        if (!yTrue.Contains(0) || !yTrue.Contains(1))
            throw new ArgumentException(
                $"yTrue holds only label {yTrue[0]}; ROC AUC needs both positives (1) and negatives (0).",
                nameof(yTrue)
            );
        return curve.Area();
    }

    /// <summary>Trapezoid-rule area under the curve (NaN when a rate is undefined).</summary>
    public double Area()
    {
        var x = FalsePositiveRates;
        var y = TruePositiveRates;
        double area = 0;
        for (var i = 0; i + 1 < x.Count; i++)
            area += (x[i + 1] - x[i]) * (y[i + 1] + y[i]) / 2.0;
        return area;
    }

    /// <summary>Counts divided by the final count; NaN throughout when it is 0 (that class is absent), as scikit-learn.</summary>
    private static double[] Rates(double[] counts)
    {
        var total = counts[^1];
        return [.. counts.Select(c => total <= 0 ? double.NaN : c / total)];
    }
}
