namespace Workbook.Training;

/// <summary>
/// Stop training when a monitored value has not improved for <paramref name="Patience"/> epochs, and by default put
/// back the weights of the best epoch — so the model you keep is the one that validated best, not the last one.
/// Introduced in chapter 06.
/// </summary>
/// <param name="Monitor">History column to watch, e.g. <c>val_loss</c> or <c>val_accuracy</c>.</param>
/// <param name="Patience">Epochs without improvement before stopping (at least 1).</param>
/// <param name="MinDelta">Smallest change that counts as an improvement.</param>
/// <param name="RestoreBestWeights">Reload the best epoch's weights when training ends.</param>
/// <param name="HigherIsBetter">Direction; null infers it from the name (names with "loss" or "error" are minimised, others
/// maximised).</param>
public sealed record EarlyStopping(
    string Monitor = "val_loss",
    int Patience = 5,
    double MinDelta = 0.0,
    bool RestoreBestWeights = true,
    bool? HigherIsBetter = null
)
{
    /// <summary>True when larger values of <see cref="Monitor"/> are better.</summary>
    public bool Maximize =>
        HigherIsBetter
        ?? !(Monitor.Contains("loss", StringComparison.OrdinalIgnoreCase) || Monitor.Contains("error", StringComparison.OrdinalIgnoreCase));

    /// <summary>True when <paramref name="value"/> beats <paramref name="best"/> by more than <see cref="MinDelta"/>.</summary>
    public bool IsImprovement(double value, double best) =>
        double.IsNaN(best) || (Maximize ? value > best + MinDelta : value < best - MinDelta);

    /// <summary>Throws if an option is out of range; returns these options.</summary>
    /// <exception cref="ArgumentException">Empty monitor, patience below 1 or negative delta.</exception>
    public EarlyStopping Validate()
    {
        if (string.IsNullOrWhiteSpace(Monitor))
            throw new ArgumentException(
                "Early stopping needs the name of a history column to monitor, e.g. \"val_loss\".",
                nameof(Monitor)
            );
        if (Patience < 1)
            throw new ArgumentOutOfRangeException(nameof(Patience), Patience, "Patience is a number of epochs, at least 1.");
        if (!(MinDelta >= 0))
            throw new ArgumentOutOfRangeException(nameof(MinDelta), MinDelta, "MinDelta cannot be negative.");
        return this;
    }
}
