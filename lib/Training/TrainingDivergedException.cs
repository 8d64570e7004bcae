namespace Workbook.Training;

/// <summary>
/// Training stopped because a step's loss was NaN or infinite (see <see cref="TrainingOptions.StopOnNonFiniteLoss"/>).
/// It is thrown before that step's <c>backward()</c> and optimizer step, so the weights are those after the last step
/// whose loss was finite. Chapter 03 trains with the <see cref="Trainer"/> that throws it.
/// </summary>
public sealed class TrainingDivergedException : ArithmeticException
{
    /// <summary>Creates the exception; the message names the epoch, the step and the value.</summary>
    public TrainingDivergedException(int epoch, int step, double loss, string message)
        : base(message)
    {
        Epoch = epoch;
        Step = step;
        Loss = loss;
    }

    /// <summary>The epoch (1-based, counted across resumed runs) of the step whose loss was not finite.</summary>
    public int Epoch { get; }

    /// <summary>The step within that epoch (1-based).</summary>
    public int Step { get; }

    /// <summary>The loss value: NaN, +∞ or −∞.</summary>
    public double Loss { get; }
}
