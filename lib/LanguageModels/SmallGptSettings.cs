namespace Workbook.LanguageModels;

/// <summary>Sizes and budget of <see cref="SmallGptPretraining"/> (introduced in chapter 09); the defaults are the shipped
/// model's.</summary>
public sealed record SmallGptSettings
{
    /// <summary>BPE vocabulary size, <c>&lt;|endoftext|&gt;</c> included.</summary>
    public int VocabularySize { get; init; } = 4096;

    /// <summary>Transformer blocks.</summary>
    public int Layers { get; init; } = 4;

    /// <summary>Width of the residual stream (n_embd).</summary>
    public int Width { get; init; } = 192;

    /// <summary>Attention heads.</summary>
    public int Heads { get; init; } = 4;

    /// <summary>Context length (n_positions).</summary>
    public int ContextLength { get; init; } = 128;

    /// <summary>The most optimizer steps.</summary>
    public int Steps { get; init; } = 100_000;

    /// <summary>Minutes of training (evaluations excluded) after which the run ends; the cosine follows the clock. Null to run all
    /// <see cref="Steps"/>.</summary>
    public double? TimeBudgetMinutes { get; init; } = 28;

    /// <summary>Rows per batch.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Learning rate after warm-up (the cosine ends at a tenth of it).</summary>
    public double PeakLearningRate { get; init; } = 2e-3;

    /// <summary>Warm-up steps.</summary>
    public int WarmupSteps { get; init; } = 100;

    /// <summary>Steps between evaluations.</summary>
    public int EvaluateEvery { get; init; } = 200;

    /// <summary>Seed of the weights and of the batches.</summary>
    public int Seed { get; init; } = 1234;

    /// <summary>The folder holding <c>kjv.tsv.gz</c> and <c>kjv-books.tsv</c>; null for the repository's <c>data/text</c>.</summary>
    public string? DataFolder { get; init; }

    /// <summary>Checks the sizes; returns this.</summary>
    /// <exception cref="ArgumentException">A size is out of range or the width is not divisible by the heads.</exception>
    public SmallGptSettings Validate()
    {
        if (VocabularySize < Text.BpeTrainer.MinimumVocabularySize)
            throw new ArgumentException(
                $"VocabularySize must be at least {Text.BpeTrainer.MinimumVocabularySize}; got {VocabularySize}.",
                nameof(VocabularySize)
            );
        if (Layers < 1 || Width < 1 || Heads < 1 || Width % Heads != 0)
            throw new ArgumentException(
                $"Layers, Width and Heads must be positive with Width divisible by Heads; got {Layers}, {Width}, {Heads}.",
                nameof(Width)
            );
        if (TimeBudgetMinutes is { } minutes && !(double.IsFinite(minutes) && minutes > 0))
            throw new ArgumentException(
                $"TimeBudgetMinutes must be positive (or null for a step count); got {minutes}.",
                nameof(TimeBudgetMinutes)
            );
        if (EvaluateEvery < 1)
            throw new ArgumentException($"EvaluateEvery must be at least 1; got {EvaluateEvery}.", nameof(EvaluateEvery));
        return this;
    }
}
