namespace Workbook.Training;

/// <summary>How a <see cref="Trainer"/> trains. The defaults are the classic tutorial's: 10 epochs of shuffled batches of 32. Introduced in
/// chapter 03.</summary>
/// <param name="Epochs">Epochs per call of <see cref="Trainer.Fit"/>.</param>
/// <param name="BatchSize">Samples per optimizer step.</param>
/// <param name="Shuffle">Reshuffle the training samples every epoch.</param>
/// <param name="DropLast">Skip the last, smaller batch of an epoch (BatchNorm cannot train on a batch of one sample).</param>
/// <param name="Seed">
/// Seeds each epoch's shuffle and TorchSharp's global generator (dropout) from (seed, epoch), so the same model, data and
/// seed give the same run, and a run resumed from a checkpoint continues exactly as if never interrupted.
/// </param>
/// <param name="GradientClipNorm">When set, rescales the gradients so their global L2 norm is at most this value before each step.</param>
/// <param name="L1">Adds L1 × Σ|w| over the weight matrices (parameters with 2 or more dimensions; not biases or norm gains) to the
/// loss.</param>
/// <param name="L2">Adds L2 × Σw² over the weight matrices to the loss. (SGD's weight_decay wd equals L2 = wd / 2.)</param>
/// <param name="EarlyStopping">Stop when a validation value stops improving; null trains every epoch.</param>
/// <param name="EvaluationBatchSize">Samples per forward pass when evaluating (no gradients, so larger than training).</param>
/// <param name="StopOnNonFiniteLoss">
/// Stop with a <see cref="TrainingDivergedException"/> (naming the epoch and step) at the first step whose loss is NaN or
/// infinite, before it reaches the weights; false trains on and records the non-finite loss in the history.
/// </param>
public sealed record TrainingOptions(
    int Epochs = 10,
    int BatchSize = 32,
    bool Shuffle = true,
    bool DropLast = false,
    int Seed = 42,
    double? GradientClipNorm = null,
    double L1 = 0.0,
    double L2 = 0.0,
    EarlyStopping? EarlyStopping = null,
    int EvaluationBatchSize = 1024,
    bool StopOnNonFiniteLoss = true
)
{
    /// <summary>Throws if an option is out of range, naming it; returns these options.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public TrainingOptions Validate()
    {
        if (Epochs < 0)
            throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Epochs cannot be negative.");
        if (BatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "A batch needs at least one sample.");
        if (EvaluationBatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(EvaluationBatchSize), EvaluationBatchSize, "A batch needs at least one sample.");
        if (GradientClipNorm is { } clip && !(clip > 0))
            throw new ArgumentOutOfRangeException(nameof(GradientClipNorm), clip, "The clipping norm must be positive.");
        if (!(L1 >= 0) || double.IsInfinity(L1))
            throw new ArgumentOutOfRangeException(nameof(L1), L1, "The L1 coefficient must be a finite number ≥ 0.");
        if (!(L2 >= 0) || double.IsInfinity(L2))
            throw new ArgumentOutOfRangeException(nameof(L2), L2, "The L2 coefficient must be a finite number ≥ 0.");
        EarlyStopping?.Validate();
        return this;
    }
}
