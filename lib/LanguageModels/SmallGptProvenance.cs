namespace Workbook.LanguageModels;

/// <summary>What <c>provenance.json</c> of a model trained by <see cref="SmallGptPretraining"/> records (introduced in chapter
/// 09).</summary>
public sealed record SmallGptProvenance
{
    /// <summary>The text trained on and where it comes from.</summary>
    public required string Corpus { get; init; }

    /// <summary>sha256 of the corpus file.</summary>
    public required string CorpusFileSha256 { get; init; }

    /// <summary>sha256 of the training text exactly as the model saw it (UTF-8).</summary>
    public required string TrainingTextSha256 { get; init; }

    /// <summary>The books held out for validation.</summary>
    public required IReadOnlyList<string> ValidationBooks { get; init; }

    /// <summary>Tokens of the training books.</summary>
    public required long TrainingTokens { get; init; }

    /// <summary>Tokens of the validation books.</summary>
    public required long ValidationTokens { get; init; }

    /// <summary>The sizes and budget.</summary>
    public required SmallGptSettings Settings { get; init; }

    /// <summary>Parameters of the model.</summary>
    public required long Parameters { get; init; }

    /// <summary>Optimizer steps done.</summary>
    public required int Steps { get; init; }

    /// <summary>Training tokens read (steps × batch × context).</summary>
    public required long TokensSeen { get; init; }

    /// <summary>Seconds of training.</summary>
    public required double TrainingSeconds { get; init; }

    /// <summary>Training throughput.</summary>
    public required double TokensPerSecond { get; init; }

    /// <summary>Mean training loss over the last evaluation interval (nats per token).</summary>
    public required double FinalTrainingLoss { get; init; }

    /// <summary>Validation loss of the float32 weights at the end of training, every window (nats per token).</summary>
    public required double ValidationLossFloat32 { get; init; }

    /// <summary>Validation loss of the saved fp16 weights, every window (nats per token): what a test reproduces.</summary>
    public required double ValidationLoss { get; init; }

    /// <summary>e<sup>ValidationLoss</sup>.</summary>
    public required double ValidationPerplexity { get; init; }

    /// <summary>Where it ran.</summary>
    public required string Machine { get; init; }

    /// <summary>The exact command.</summary>
    public required string Command { get; init; }

    /// <summary>When it finished (UTC).</summary>
    public required string Finished { get; init; }

    /// <summary>The record as indented JSON with snake_case names.</summary>
    public string ToJson() => IO.ProvenanceJson.Serialize(this);

    /// <summary>Reads a <c>provenance.json</c>.</summary>
    /// <exception cref="InvalidDataException">The file is not a provenance record; the message names it.</exception>
    public static SmallGptProvenance Load(string path) => IO.ProvenanceJson.Load<SmallGptProvenance>(path);
}
