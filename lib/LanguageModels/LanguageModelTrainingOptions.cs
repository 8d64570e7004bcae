namespace Workbook.LanguageModels;

/// <summary>Settings of <see cref="LanguageModelTrainer"/> (introduced in chapter 09); the defaults are nanoGPT's for a small
/// model.</summary>
public sealed record LanguageModelTrainingOptions
{
    /// <summary>Optimizer steps in all (the schedule ends at the last one); with a <see cref="TimeBudgetSeconds"/>, the most
    /// steps.</summary>
    public int Steps { get; init; } = 1000;

    /// <summary>
    /// Seconds of training (evaluations excluded) to stop after; null to run <see cref="Steps"/> steps. With a budget the
    /// cosine follows the clock — after warm-up the rate decays with the share of the remaining time used — so models of
    /// different speeds can be compared at equal time, and a run on a busy machine still ends on time.
    /// </summary>
    public double? TimeBudgetSeconds { get; init; }

    /// <summary>Tokens of context each training row holds.</summary>
    public int ContextLength { get; init; } = 128;

    /// <summary>Rows per batch.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>The learning rate after warm-up.</summary>
    public double PeakLearningRate { get; init; } = 1e-3;

    /// <summary>The rate the cosine ends at.</summary>
    public double MinimumLearningRate { get; init; } = 1e-4;

    /// <summary>Steps of linear warm-up.</summary>
    public int WarmupSteps { get; init; } = 100;

    /// <summary>AdamW's decoupled weight decay, applied to matrices and embeddings only (never to biases or LayerNorm gains).</summary>
    public double WeightDecay { get; init; } = 0.1;

    /// <summary>AdamW's β₂; 0.95 rather than 0.999 lets the second moment follow the fast-changing gradients of early training.</summary>
    public double Beta2 { get; init; } = 0.95;

    /// <summary>Largest global gradient norm; larger gradients are scaled down to it. Null for no clipping.</summary>
    public double? GradientClipNorm { get; init; } = 1.0;

    /// <summary>Evaluate (validation loss, sample) after the first step, every this many steps, and after the last.</summary>
    public int EvaluateEvery { get; init; } = 100;

    /// <summary>Most validation windows one evaluation reads (spread evenly over the validation tokens); null for all of them.</summary>
    public int? MaxValidationWindows { get; init; } = 64;

    /// <summary>Seed of the batch windows (the model's initial weights are seeded by whoever creates it).</summary>
    public int Seed { get; init; }

    /// <summary>The learning-rate schedule these settings describe.</summary>
    public WarmupCosineSchedule Schedule => new(PeakLearningRate, WarmupSteps, Steps, MinimumLearningRate);

    /// <summary>Checks every setting; returns this.</summary>
    /// <exception cref="ArgumentException">A setting is out of range; the message names it.</exception>
    public LanguageModelTrainingOptions Validate()
    {
        Schedule.Validate();
        if (ContextLength < 1)
            throw new ArgumentException($"ContextLength must be at least 1; got {ContextLength}.", nameof(ContextLength));
        if (BatchSize < 1)
            throw new ArgumentException($"BatchSize must be at least 1; got {BatchSize}.", nameof(BatchSize));
        if (TimeBudgetSeconds is { } budget && !(double.IsFinite(budget) && budget > 0))
            throw new ArgumentException(
                $"TimeBudgetSeconds must be positive (or null for a step count); got {budget}.",
                nameof(TimeBudgetSeconds)
            );
        if (EvaluateEvery < 1)
            throw new ArgumentException($"EvaluateEvery must be at least 1; got {EvaluateEvery}.", nameof(EvaluateEvery));
        if (MaxValidationWindows is < 1)
            throw new ArgumentException(
                $"MaxValidationWindows must be at least 1 (or null for all); got {MaxValidationWindows}.",
                nameof(MaxValidationWindows)
            );
        if (!double.IsFinite(WeightDecay) || WeightDecay < 0)
            throw new ArgumentException($"WeightDecay must be ≥ 0; got {WeightDecay}.", nameof(WeightDecay));
        if (!(Beta2 is > 0 and < 1))
            throw new ArgumentException($"Beta2 must lie in (0, 1); got {Beta2}.", nameof(Beta2));
        if (GradientClipNorm is { } clip && !(double.IsFinite(clip) && clip > 0))
            throw new ArgumentException($"GradientClipNorm must be positive (or null for none); got {clip}.", nameof(GradientClipNorm));
        return this;
    }
}
