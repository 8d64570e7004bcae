namespace Workbook.LanguageModels;

/// <summary>
/// The sizes and budget both small pretrained models share — the GPT of chapter 09 (<see cref="SmallGptSettings"/>) and the
/// BERT of chapter 12 (<see cref="Encoders.SmallBertSettings"/>): vocabulary, depth, width, heads, context, steps or minutes,
/// batch, learning rate, warm-up, evaluation interval and seed. Each derived record sets its shipped model's defaults in its
/// constructor; <see cref="SmallModelCommandLine"/> reads them from a command line. Introduced in chapter 09.
/// </summary>
public abstract record SmallModelSettings
{
    /// <summary>Vocabulary size, the special tokens included.</summary>
    public int VocabularySize { get; init; }

    /// <summary>Transformer blocks.</summary>
    public int Layers { get; init; }

    /// <summary>Width of the residual stream (n_embd, hidden_size).</summary>
    public int Width { get; init; }

    /// <summary>Attention heads.</summary>
    public int Heads { get; init; }

    /// <summary>Longest sequence in tokens (n_positions, max_position_embeddings).</summary>
    public int ContextLength { get; init; }

    /// <summary>The most optimizer steps (the cosine's length when there is no time budget).</summary>
    public int Steps { get; init; }

    /// <summary>Minutes of training (evaluations excluded) after which the run ends; the cosine follows the clock. Null to run all
    /// <see cref="Steps"/>.</summary>
    public double? TimeBudgetMinutes { get; init; }

    /// <summary>Sequences per batch.</summary>
    public int BatchSize { get; init; }

    /// <summary>Learning rate after warm-up (the cosine ends at a tenth of it).</summary>
    public double PeakLearningRate { get; init; }

    /// <summary>Warm-up steps.</summary>
    public int WarmupSteps { get; init; }

    /// <summary>Steps between evaluations.</summary>
    public int EvaluateEvery { get; init; }

    /// <summary>Seed of the weights, the batches and (for the BERT) the masking.</summary>
    public int Seed { get; init; } = 1234;

    /// <summary>The folder holding <c>kjv.tsv.gz</c> and <c>kjv-books.tsv</c>; null for the repository's <c>data/text</c>.</summary>
    public string? DataFolder { get; init; }

    /// <summary>The smallest vocabulary the model's tokenizer can be trained to.</summary>
    protected abstract int MinimumVocabularySize { get; }

    /// <summary>The derived record's own checks, after the shared ones.</summary>
    protected virtual void CheckModelSpecific() { }

    /// <summary>Checks what both models need, then <see cref="CheckModelSpecific"/>: each derived record's <c>Validate()</c>,
    /// and <see cref="SmallModelCommandLine"/>, call it.</summary>
    /// <exception cref="ArgumentException">A size, step count, rate or budget is out of range; the message names it.</exception>
    protected internal void CheckAll()
    {
        if (VocabularySize < MinimumVocabularySize)
            throw new ArgumentException(
                $"VocabularySize must be at least {MinimumVocabularySize}; got {VocabularySize}.",
                nameof(VocabularySize)
            );
        if (Layers < 1 || Width < 1 || Heads < 1 || Width % Heads != 0)
            throw new ArgumentException(
                $"Layers, Width and Heads must be positive with Width divisible by Heads; got {Layers}, {Width}, {Heads}.",
                nameof(Width)
            );
        if (ContextLength < 8)
            throw new ArgumentException($"ContextLength must be at least 8; got {ContextLength}.", nameof(ContextLength));
        if (TimeBudgetMinutes is { } minutes && !(double.IsFinite(minutes) && minutes > 0))
            throw new ArgumentException(
                $"TimeBudgetMinutes must be positive (or null for a step count); got {minutes}.",
                nameof(TimeBudgetMinutes)
            );
        if (Steps < 1 || BatchSize < 1 || EvaluateEvery < 1)
            throw new ArgumentException(
                $"Steps, BatchSize and EvaluateEvery must be positive; got {Steps}, {BatchSize}, {EvaluateEvery}.",
                nameof(Steps)
            );
        if (WarmupSteps < 0 || WarmupSteps >= Steps)
            throw new ArgumentException($"WarmupSteps must lie in [0, Steps = {Steps}); got {WarmupSteps}.", nameof(WarmupSteps));
        if (!(PeakLearningRate > 0 && double.IsFinite(PeakLearningRate)))
            throw new ArgumentException($"PeakLearningRate must be positive; got {PeakLearningRate}.", nameof(PeakLearningRate));
        CheckModelSpecific();
    }
}
