namespace Workbook.LanguageModels;

/// <summary>One optimizer step of <see cref="LanguageModelTrainer"/> (introduced in chapter 09).</summary>
/// <param name="Step">1 for the first step.</param>
/// <param name="LearningRate">The rate the step used.</param>
/// <param name="Loss">The batch's mean cross-entropy per token (nats).</param>
/// <param name="GradientNorm">The global gradient norm before clipping.</param>
/// <param name="Clipped">Whether the norm was above the limit, so the gradients were scaled down.</param>
public sealed record LanguageModelStep(int Step, double LearningRate, double Loss, double GradientNorm, bool Clipped);
