namespace Workbook.Encoders;

/// <summary>One evaluation of a <see cref="SmallBertPretraining"/> run: where the loss and accuracy curves come from. Introduced with
/// chapter 12.</summary>
/// <param name="Step">Optimizer steps done.</param>
/// <param name="Seconds">Training seconds so far (evaluations excluded).</param>
/// <param name="LearningRate">The rate of the last step.</param>
/// <param name="TrainingLoss">Mean masked-token loss of the steps since the last evaluation (nats).</param>
/// <param name="TrainingAccuracy">Their masked-token accuracy.</param>
/// <param name="ValidationLoss">Masked-token loss on the fixed validation sequences (nats).</param>
/// <param name="ValidationAccuracy">Masked-token accuracy there: the share of chosen tokens whose original id is the top
/// prediction.</param>
public sealed record SmallBertEvaluation(
    int Step,
    double Seconds,
    double LearningRate,
    double TrainingLoss,
    double TrainingAccuracy,
    double ValidationLoss,
    double ValidationAccuracy
);

/// <summary>What <c>provenance.json</c> of a model trained by <see cref="SmallBertPretraining"/> records (introduced in chapter
/// 12).</summary>
public sealed record SmallBertProvenance
{
    /// <summary>The text trained on and where it comes from.</summary>
    public required string Corpus { get; init; }

    /// <summary>sha256 of the corpus file.</summary>
    public required string CorpusFileSha256 { get; init; }

    /// <summary>The books held out for validation (never trained on).</summary>
    public required IReadOnlyList<string> ValidationBooks { get; init; }

    /// <summary>Training sequences (consecutive verses of one chapter packed up to the context length).</summary>
    public required int TrainingSequences { get; init; }

    /// <summary>Word pieces in the training sequences, [CLS] and [SEP] included.</summary>
    public required long TrainingTokens { get; init; }

    /// <summary>The sizes and budget.</summary>
    public required SmallBertSettings Settings { get; init; }

    /// <summary>Parameters of the model.</summary>
    public required long Parameters { get; init; }

    /// <summary>Optimizer steps done.</summary>
    public required int Steps { get; init; }

    /// <summary>Seconds of training (evaluations excluded).</summary>
    public required double TrainingSeconds { get; init; }

    /// <summary>Every evaluation, in order.</summary>
    public required IReadOnlyList<SmallBertEvaluation> Curve { get; init; }

    /// <summary>Masked-token loss of the saved (fp16) weights on the validation sequences (nats).</summary>
    public required double FinalValidationLoss { get; init; }

    /// <summary>Masked-token accuracy of the saved weights on the validation sequences.</summary>
    public required double FinalValidationAccuracy { get; init; }

    /// <summary>Where it ran.</summary>
    public required string Machine { get; init; }

    /// <summary>The exact command.</summary>
    public required string Command { get; init; }

    /// <summary>When it finished (UTC).</summary>
    public required string Finished { get; init; }

    /// <summary>The record as indented JSON with snake_case names.</summary>
    public string ToJson() => IO.ProvenanceJson.Serialize(this);

    /// <summary>Reads a <c>provenance.json</c> (the file or its folder).</summary>
    /// <exception cref="InvalidDataException">The file is not a provenance record; the message names it.</exception>
    public static SmallBertProvenance Load(string path) => IO.ProvenanceJson.Load<SmallBertProvenance>(path);
}
