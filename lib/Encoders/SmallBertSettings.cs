namespace Workbook.Encoders;

/// <summary>Sizes and budget of <see cref="SmallBertPretraining"/> (introduced in chapter 12); the defaults are the shipped
/// model's.</summary>
public sealed record SmallBertSettings
{
    /// <summary>WordPiece vocabulary size, the five special tokens included.</summary>
    public int VocabularySize { get; init; } = 6000;

    /// <summary>Encoder layers.</summary>
    public int Layers { get; init; } = 4;

    /// <summary>Hidden width.</summary>
    public int Width { get; init; } = 192;

    /// <summary>Attention heads.</summary>
    public int Heads { get; init; } = 4;

    /// <summary>Longest sequence in tokens ([CLS] and [SEP] included): max_position_embeddings.</summary>
    public int ContextLength { get; init; } = 128;

    /// <summary>The most optimizer steps (the cosine's length when there is no time budget).</summary>
    public int Steps { get; init; } = 100_000;

    /// <summary>Minutes of training (evaluations excluded) after which the run ends; the cosine follows the clock. Null to run all
    /// <see cref="Steps"/>.</summary>
    public double? TimeBudgetMinutes { get; init; } = 30;

    /// <summary>Sequences per batch.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Learning rate after warm-up (the cosine ends at a tenth of it).</summary>
    public double PeakLearningRate { get; init; } = 1e-3;

    /// <summary>Warm-up steps.</summary>
    public int WarmupSteps { get; init; } = 200;

    /// <summary>Steps between evaluations.</summary>
    public int EvaluateEvery { get; init; } = 100;

    /// <summary>Validation sequences scored at each evaluation (the same ones, masked the same way, every time).</summary>
    public int ValidationSequences { get; init; } = 512;

    /// <summary>Seed of the weights, the batches and the masking.</summary>
    public int Seed { get; init; } = 1234;

    /// <summary>The folder holding <c>kjv.tsv.gz</c> and <c>kjv-books.tsv</c>; null for the repository's <c>data/text</c>.</summary>
    public string? DataFolder { get; init; }

    /// <summary>Checks the sizes; returns this.</summary>
    /// <exception cref="ArgumentException">A size is out of range or the width is not divisible by the heads.</exception>
    public SmallBertSettings Validate()
    {
        if (VocabularySize < 64)
            throw new ArgumentException($"VocabularySize must be at least 64; got {VocabularySize}.", nameof(VocabularySize));
        if (Layers < 1 || Width < 1 || Heads < 1 || Width % Heads != 0)
            throw new ArgumentException(
                $"Layers, Width and Heads must be positive with Width divisible by Heads; got {Layers}, {Width}, {Heads}.",
                nameof(Width)
            );
        if (ContextLength < 8)
            throw new ArgumentException($"ContextLength must be at least 8; got {ContextLength}.", nameof(ContextLength));
        if (TimeBudgetMinutes is { } minutes && !(double.IsFinite(minutes) && minutes > 0))
            throw new ArgumentException($"TimeBudgetMinutes must be positive; got {minutes}.", nameof(TimeBudgetMinutes));
        if (Steps < 1 || BatchSize < 1 || WarmupSteps < 0 || WarmupSteps >= Steps || EvaluateEvery < 1 || ValidationSequences < 1)
            throw new ArgumentException(
                "Steps, BatchSize, EvaluateEvery and ValidationSequences must be positive, with 0 ≤ WarmupSteps < Steps."
            );
        if (!(PeakLearningRate > 0 && double.IsFinite(PeakLearningRate)))
            throw new ArgumentException($"PeakLearningRate must be positive; got {PeakLearningRate}.", nameof(PeakLearningRate));
        return this;
    }
}
