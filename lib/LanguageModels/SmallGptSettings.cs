namespace Workbook.LanguageModels;

/// <summary>Sizes and budget of <see cref="SmallGptPretraining"/> (introduced in chapter 09); the defaults are the shipped
/// model's.</summary>
public sealed record SmallGptSettings : SmallModelSettings
{
    /// <summary>The shipped <c>data/models/kjv-gpt</c>'s settings: a 4 096-token BPE, 4 blocks of width 192 with 4 heads, context
    /// 128, batches of 16, a peak rate of 2e-3 after 100 warm-up steps, 28 minutes.</summary>
    public SmallGptSettings()
    {
        VocabularySize = 4096;
        Layers = 4;
        Width = 192;
        Heads = 4;
        ContextLength = 128;
        Steps = 100_000;
        TimeBudgetMinutes = 28;
        BatchSize = 16;
        PeakLearningRate = 2e-3;
        WarmupSteps = 100;
        EvaluateEvery = 200;
    }

    /// <summary>Checks the sizes; returns this.</summary>
    /// <exception cref="ArgumentException">A size is out of range or the width is not divisible by the heads.</exception>
    public SmallGptSettings Validate()
    {
        CheckAll();
        return this;
    }

    /// <inheritdoc/>
    protected override int MinimumVocabularySize => Text.BpeTrainer.MinimumVocabularySize;
}
