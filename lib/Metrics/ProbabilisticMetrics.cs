namespace Workbook.Metrics;

/// <summary>
/// Log loss (cross-entropy) of predicted probabilities, as scikit-learn 1.2.1's <c>log_loss</c> with its defaults.
/// Introduced in chapter 04.
/// </summary>
/// <remarks>
/// Probabilities are first clipped to [ε, 1 − ε] with ε = 2.220446049250313e-16, the float64 machine epsilon:
/// 1.2.1's default is <c>eps="auto"</c>, which means <c>np.finfo(float64).eps</c> (older releases used 1e-15), so
/// a confident wrong prediction costs about 36 nats instead of infinity. Each row is then divided by its sum, as
/// 1.2.1 does, so rows that do not add up to 1 are renormalised rather than rejected.
/// </remarks>
public static class ProbabilisticMetrics
{
    /// <summary>The clipping ε: float64 machine epsilon, 2^-52 (not <see cref="double.Epsilon"/>, the smallest subnormal).</summary>
    public const double ClippingEpsilon = 2.220446049250313e-16;

    /// <summary>Mean binary log loss, −mean(y log p + (1 − y) log(1 − p)).</summary>
    /// <param name="yTrue">True labels, 0 or 1 (they need not both occur).</param>
    /// <param name="positiveProbabilities">Predicted probability of class 1 for each sample, in [0, 1].</param>
    /// <exception cref="ArgumentException">Empty or unequal inputs, a label other than 0/1, or a probability that is not a number in [0,
    /// 1].</exception>
    public static double LogLoss(IReadOnlyList<int> yTrue, IReadOnlyList<double> positiveProbabilities)
    {
        MetricInput.RequirePairedSamples(yTrue, positiveProbabilities, nameof(yTrue), nameof(positiveProbabilities));
        MetricInput.RequireBinaryLabels(yTrue, nameof(yTrue));
        double total = 0;
        for (var i = 0; i < yTrue.Count; i++)
        {
            MetricInput.RequireProbability(
                positiveProbabilities[i],
                $"{nameof(positiveProbabilities)}[{i}]",
                nameof(positiveProbabilities)
            );
            var positive = Clip(positiveProbabilities[i]);
            var negative = 1 - positive;
            // The row (1 − p, p) is renormalised like any other; its sum can differ from 1 in the last bit.
            var rowSum = negative + positive;
            total += -Math.Log((yTrue[i] == 1 ? positive : negative) / rowSum);
        }
        return total / yTrue.Count;
    }

    /// <summary>Mean multiclass log loss, −mean(log p[true class]) after clipping and row renormalisation.</summary>
    /// <param name="yTrue">True class of each sample, an index 0..K−1 into its probability row.</param>
    /// <param name="probabilities">One row per sample of K ≥ 2 class probabilities, each in [0, 1]; every row the same length.</param>
    /// <exception cref="ArgumentException">Empty or unequal inputs, rows of different or too small length, a class index outside the rows,
    /// or a probability that is not a number in [0, 1].</exception>
    public static double LogLoss(IReadOnlyList<int> yTrue, IReadOnlyList<IReadOnlyList<double>> probabilities)
    {
        MetricInput.RequirePairedSamples(yTrue, probabilities, nameof(yTrue), nameof(probabilities));
        var classes = probabilities[0]?.Count ?? throw new ArgumentException("probabilities[0] is null.", nameof(probabilities));
        if (classes < 2)
            throw new ArgumentException(
                $"probabilities[0] has {classes} class probabilities; log loss needs at least 2 classes (for binary problems pass the "
                    + "positive-class probabilities to the other overload).",
                nameof(probabilities)
            );
        double total = 0;
        for (var i = 0; i < yTrue.Count; i++)
        {
            var row = probabilities[i] ?? throw new ArgumentException($"probabilities[{i}] is null.", nameof(probabilities));
            if (row.Count != classes)
                throw new ArgumentException(
                    $"probabilities[{i}] has {row.Count} entries but probabilities[0] has {classes}; "
                        + "every row needs one probability per class.",
                    nameof(probabilities)
                );
            if ((uint)yTrue[i] >= (uint)classes)
                throw new ArgumentException(
                    $"yTrue[{i}] is {yTrue[i]}, but with {classes} class probabilities per row a class must be in 0..{classes - 1}.",
                    nameof(yTrue)
                );
            double rowSum = 0,
                truth = 0;
            for (var c = 0; c < classes; c++)
            {
                MetricInput.RequireProbability(row[c], $"probabilities[{i}][{c}]", nameof(probabilities));
                var p = Clip(row[c]);
                rowSum += p;
                if (c == yTrue[i])
                    truth = p;
            }
            total += -Math.Log(truth / rowSum);
        }
        return total / yTrue.Count;
    }

    private static double Clip(double probability) => Math.Clamp(probability, ClippingEpsilon, 1 - ClippingEpsilon);
}
