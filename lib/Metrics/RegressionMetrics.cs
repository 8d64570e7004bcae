namespace Workbook.Metrics;

/// <summary>
/// Mean squared error, mean absolute error and the coefficient of determination R², as scikit-learn 1.2.1's
/// <c>mean_squared_error</c>, <c>mean_absolute_error</c> and <c>r2_score</c> for one output.
/// Introduced with chapter 04.
/// </summary>
public static class RegressionMetrics
{
    /// <summary>Mean of (yTrue − yPred)².</summary>
    /// <exception cref="ArgumentException">Empty or unequal inputs, or a value that is not finite.</exception>
    public static double MeanSquaredError(IReadOnlyList<double> yTrue, IReadOnlyList<double> yPred)
    {
        Validate(yTrue, yPred);
        return SumOfSquaredErrors(yTrue, yPred) / yTrue.Count;
    }

    /// <summary>Mean of |yTrue − yPred|.</summary>
    /// <exception cref="ArgumentException">Empty or unequal inputs, or a value that is not finite.</exception>
    public static double MeanAbsoluteError(IReadOnlyList<double> yTrue, IReadOnlyList<double> yPred)
    {
        Validate(yTrue, yPred);
        double sum = 0;
        for (var i = 0; i < yTrue.Count; i++)
            sum += Math.Abs(yTrue[i] - yPred[i]);
        return sum / yTrue.Count;
    }

    /// <summary>
    /// R² = 1 − Σ(yTrue − yPred)² / Σ(yTrue − mean(yTrue))²: 1 is perfect, 0 is no better than predicting the mean,
    /// and it can be negative.
    /// </summary>
    /// <remarks>
    /// Edge cases as scikit-learn 1.2.1 (<c>force_finite=True</c>): when yTrue is constant the ratio is undefined, so
    /// the score is 1.0 if the predictions are perfect and 0.0 otherwise; with fewer than two samples it is NaN
    /// (scikit-learn warns that R² is not well-defined).
    /// </remarks>
    /// <exception cref="ArgumentException">Empty or unequal inputs, or a value that is not finite.</exception>
    public static double R2(IReadOnlyList<double> yTrue, IReadOnlyList<double> yPred)
    {
        Validate(yTrue, yPred);
        if (yTrue.Count < 2)
            return double.NaN;
        var residual = SumOfSquaredErrors(yTrue, yPred);
        var mean = yTrue.Average();
        double total = 0;
        foreach (var y in yTrue)
            total += (y - mean) * (y - mean);
        if (residual == 0)
            return 1.0;
        if (total == 0)
            return 0.0;
        return 1 - residual / total;
    }

    private static double SumOfSquaredErrors(IReadOnlyList<double> yTrue, IReadOnlyList<double> yPred)
    {
        double sum = 0;
        for (var i = 0; i < yTrue.Count; i++)
            sum += (yTrue[i] - yPred[i]) * (yTrue[i] - yPred[i]);
        return sum;
    }

    private static void Validate(IReadOnlyList<double> yTrue, IReadOnlyList<double> yPred)
    {
        MetricInput.RequirePairedSamples(yTrue, yPred, nameof(yTrue), nameof(yPred));
        MetricInput.RequireFinite(yTrue, nameof(yTrue));
        MetricInput.RequireFinite(yPred, nameof(yPred));
    }
}
