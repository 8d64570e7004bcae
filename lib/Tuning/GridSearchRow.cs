namespace Workbook.Tuning;

/// <summary>One configuration's result: its score on each split, their mean and spread, and the time it took. Introduced with chapter
/// 05.</summary>
/// <param name="Parameters">The configuration.</param>
/// <param name="Scores">Validation score per split (one for a hold-out search, k for k-fold).</param>
/// <param name="Seconds">Wall-clock seconds to train and score it on every split.</param>
public sealed record GridSearchRow(HyperParameters Parameters, IReadOnlyList<double> Scores, double Seconds)
{
    /// <summary>Mean of <see cref="Scores"/>.</summary>
    public double Mean => Scores.Average();

    /// <summary>Population standard deviation of <see cref="Scores"/> (0 for a single split), as scikit-learn's
    /// <c>std_test_score</c>.</summary>
    public double StandardDeviation
    {
        get
        {
            var mean = Mean;
            return Math.Sqrt(Scores.Sum(s => (s - mean) * (s - mean)) / Scores.Count);
        }
    }
}
