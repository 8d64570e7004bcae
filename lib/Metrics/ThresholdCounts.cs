namespace Workbook.Metrics;

/// <summary>
/// The common core of the ROC and precision-recall curves (scikit-learn's <c>_binary_clf_curve</c>): for each
/// distinct score, from highest to lowest, how many positives and negatives score at least that much.
/// </summary>
/// <remarks>
/// Tied scores form one threshold, so a group of ties moves the curve in a single step (a diagonal segment on the
/// ROC curve) instead of an order-dependent staircase.
/// </remarks>
internal sealed class ThresholdCounts
{
    private ThresholdCounts(double[] falsePositives, double[] truePositives, double[] thresholds)
    {
        FalsePositives = falsePositives;
        TruePositives = truePositives;
        Thresholds = thresholds;
    }

    /// <summary>Negatives scoring at or above each threshold.</summary>
    public double[] FalsePositives { get; }

    /// <summary>Positives scoring at or above each threshold.</summary>
    public double[] TruePositives { get; }

    /// <summary>The distinct scores, descending.</summary>
    public double[] Thresholds { get; }

    /// <summary>Validates the inputs (labels 0/1, finite scores, equal lengths) and counts.</summary>
    public static ThresholdCounts Compute(IReadOnlyList<int> yTrue, IReadOnlyList<double> yScore)
    {
        MetricInput.RequirePairedSamples(yTrue, yScore, nameof(yTrue), nameof(yScore));
        MetricInput.RequireBinaryLabels(yTrue, nameof(yTrue));
        MetricInput.RequireFinite(yScore, nameof(yScore));

        var order = Enumerable.Range(0, yScore.Count).OrderByDescending(i => yScore[i]).ToArray();
        List<double> falsePositives = [],
            truePositives = [],
            thresholds = [];
        double positivesSoFar = 0,
            negativesSoFar = 0;
        for (var k = 0; k < order.Length; k++)
        {
            var score = yScore[order[k]];
            if (yTrue[order[k]] == 1)
                positivesSoFar++;
            else
                negativesSoFar++;
            // Emit a point only at the last sample of a group of equal scores.
            if (k == order.Length - 1 || yScore[order[k + 1]] != score)
            {
                falsePositives.Add(negativesSoFar);
                truePositives.Add(positivesSoFar);
                thresholds.Add(score);
            }
        }
        return new ThresholdCounts([.. falsePositives], [.. truePositives], [.. thresholds]);
    }
}
