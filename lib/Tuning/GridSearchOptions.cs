namespace Workbook.Tuning;

/// <summary>How <see cref="GridSearch"/> scores each configuration. Introduced in chapter 05.</summary>
/// <param name="Metric">Name of the score the objective returns (shown in tables), e.g. <c>accuracy</c>.</param>
/// <param name="HigherIsBetter">True for scores such as accuracy; false for losses and errors.</param>
/// <param name="Folds">k ≥ 2 for k-fold cross-validation on the data; 0 (or 1) for a single hold-out validation split.</param>
/// <param name="ValidationFraction">Share of the data held out for validation when <paramref name="Folds"/> &lt; 2.</param>
/// <param name="Stratify">Keep class proportions in every split.</param>
/// <param name="Seed">Seeds the splits, and TorchSharp's generator before each fit so every configuration starts from the same initial
/// weights.</param>
public sealed record GridSearchOptions(
    string Metric = "accuracy",
    bool HigherIsBetter = true,
    int Folds = 0,
    double ValidationFraction = 0.2,
    bool Stratify = true,
    int Seed = 0
)
{
    /// <summary>True when the search uses k-fold cross-validation.</summary>
    public bool CrossValidates => Folds >= 2;

    /// <summary>Throws if an option is out of range; returns these options.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names it.</exception>
    public GridSearchOptions Validate()
    {
        if (string.IsNullOrWhiteSpace(Metric))
            throw new ArgumentException("Name the metric the objective returns, e.g. \"accuracy\".", nameof(Metric));
        if (Folds < 0)
            throw new ArgumentOutOfRangeException(nameof(Folds), Folds, "Folds is 0 (hold-out) or k ≥ 2.");
        if (!CrossValidates && !(ValidationFraction > 0 && ValidationFraction < 1))
            throw new ArgumentOutOfRangeException(
                nameof(ValidationFraction),
                ValidationFraction,
                "The validation fraction must be strictly between 0 and 1."
            );
        return this;
    }
}
