using Workbook.LanguageModels;

namespace Workbook.Encoders;

/// <summary>Sizes and budget of <see cref="SmallBertPretraining"/> (introduced in chapter 12); the defaults are the shipped
/// model's.</summary>
public sealed record SmallBertSettings : SmallModelSettings
{
    /// <summary>The shipped <c>data/models/kjv-bert</c>'s settings: a 6 000-piece WordPiece vocabulary, 4 layers of width 192
    /// with 4 heads, context 128, batches of 16, a peak rate of 1e-3 after 100 warm-up steps, 100 minutes.</summary>
    public SmallBertSettings()
    {
        VocabularySize = 6000;
        Layers = 4;
        Width = 192;
        Heads = 4;
        ContextLength = 128;
        Steps = 100_000;
        TimeBudgetMinutes = 100;
        BatchSize = 16;
        PeakLearningRate = 1e-3;
        WarmupSteps = 100;
        EvaluateEvery = 200;
    }

    /// <summary>Validation sequences scored at each evaluation (the same ones, masked the same way, every time).</summary>
    public int ValidationSequences { get; init; } = 512;

    /// <summary>Checks the sizes; returns this.</summary>
    /// <exception cref="ArgumentException">A size is out of range or the width is not divisible by the heads.</exception>
    public SmallBertSettings Validate()
    {
        CheckAll();
        return this;
    }

    /// <inheritdoc/>
    protected override int MinimumVocabularySize => 64;

    /// <inheritdoc/>
    protected override void CheckModelSpecific()
    {
        if (ValidationSequences < 1)
            throw new ArgumentException($"ValidationSequences must be positive; got {ValidationSequences}.", nameof(ValidationSequences));
    }
}
