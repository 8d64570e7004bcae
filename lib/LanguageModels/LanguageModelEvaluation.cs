namespace Workbook.LanguageModels;

/// <summary>An evaluation point of <see cref="LanguageModelTrainer"/> (introduced in chapter 09).</summary>
/// <param name="Step">Steps done.</param>
/// <param name="TokensSeen">Training tokens read so far (steps × batch × context).</param>
/// <param name="TrainingLoss">Mean training loss per token over the steps since the last evaluation (nats).</param>
/// <param name="ValidationLoss">Mean loss per token on the validation windows (nats).</param>
/// <param name="TrainingSeconds">Seconds spent in training steps so far (evaluations and samples excluded).</param>
/// <param name="TokensPerSecond">Training tokens per second of training time so far.</param>
/// <param name="Sample">The sample callback's text at this point, or null without one.</param>
public sealed record LanguageModelEvaluation(int Step, long TokensSeen, double TrainingLoss, double ValidationLoss,
    double TrainingSeconds, double TokensPerSecond, string? Sample)
{
    /// <summary>Validation perplexity, e<sup>loss</sup>: the number of equally likely tokens the model is as unsure as.</summary>
    public double ValidationPerplexity => Math.Exp(ValidationLoss);
}
