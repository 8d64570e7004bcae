namespace Workbook.LanguageModels;

/// <summary>
/// The learning rate GPT-style pretraining uses (introduced in chapter 09): a linear warm-up from 0 to the peak over
/// the first steps — Adam's moment estimates are noise at first, and a full-size step on them can throw a fresh
/// transformer into a region it never leaves — then half a cosine down to a floor at the last step, so the final
/// steps are small and the weights settle.
/// </summary>
/// <param name="PeakLearningRate">The rate at the end of warm-up.</param>
/// <param name="WarmupSteps">Steps of linear warm-up (0 for none).</param>
/// <param name="TotalSteps">Steps in all; the rate reaches <paramref name="MinimumLearningRate"/> at the last one.</param>
/// <param name="MinimumLearningRate">The floor of the cosine (often a tenth of the peak).</param>
public sealed record WarmupCosineSchedule(double PeakLearningRate, int WarmupSteps, int TotalSteps, double MinimumLearningRate = 0)
{
    /// <summary>Checks the numbers; returns this schedule.</summary>
    /// <exception cref="ArgumentException">A rate is negative or not finite, the floor is above the peak, or the steps do not fit (warm-up
    /// ≥ total).</exception>
    public WarmupCosineSchedule Validate()
    {
        if (!double.IsFinite(PeakLearningRate) || PeakLearningRate <= 0)
            throw new ArgumentException(
                $"The peak learning rate must be a positive number; got {PeakLearningRate}.",
                nameof(PeakLearningRate)
            );
        if (!double.IsFinite(MinimumLearningRate) || MinimumLearningRate < 0 || MinimumLearningRate > PeakLearningRate)
            throw new ArgumentException(
                $"The minimum learning rate must lie between 0 and the peak {PeakLearningRate}; got {MinimumLearningRate}.",
                nameof(MinimumLearningRate)
            );
        if (TotalSteps < 1 || WarmupSteps < 0 || WarmupSteps >= TotalSteps)
            throw new ArgumentException(
                $"The schedule needs 0 ≤ warm-up steps < total steps; got {WarmupSteps} warm-up of {TotalSteps}.",
                nameof(WarmupSteps)
            );
        return this;
    }

    /// <summary>The rate for step <paramref name="step"/> (1 is the first): peak · step / warm-up during warm-up, then the
    /// cosine.</summary>
    public double LearningRate(int step)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1);
        if (step <= WarmupSteps)
            return PeakLearningRate * step / WarmupSteps;
        return Decay((double)(step - WarmupSteps) / (TotalSteps - WarmupSteps));
    }

    /// <summary>The cosine part alone at <paramref name="progress"/> through the decay (0 = peak, 1 = floor; clamped to [0, 1]),
    /// for a run whose length is set in time rather than steps.</summary>
    public double Decay(double progress)
    {
        progress = Math.Clamp(progress, 0, 1);
        return MinimumLearningRate + 0.5 * (PeakLearningRate - MinimumLearningRate) * (1 + Math.Cos(Math.PI * progress));
    }

    /// <summary>The rates of steps 1 to <see cref="TotalSteps"/>, for a chart.</summary>
    public double[] Trace() => [.. Enumerable.Range(1, TotalSteps).Select(LearningRate)];
}
