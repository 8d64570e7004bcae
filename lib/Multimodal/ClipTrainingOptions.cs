namespace Workbook.Multimodal;

/// <summary>
/// How <see cref="ClipTraining"/> trains a <see cref="ClipModel"/> (introduced in chapter 12): which classes it never
/// sees, how many steps of how many image–caption pairs, the learning rate and the seed.
/// </summary>
/// <param name="HeldOutClasses">Labels whose images and captions are left out of training entirely, for zero-shot tests (default
/// <see cref="DefaultHeldOutClasses"/>).</param>
/// <param name="Steps">Optimizer steps.</param>
/// <param name="BatchSize">Image–caption pairs per step.</param>
/// <param name="LearningRate">AdamW's learning rate.</param>
/// <param name="Seed">Seeds the batches, the caption drawn for each image and dropout.</param>
/// <param name="SameClassPositives">Count every pair of the same class in a batch as a right answer (true), or only the
/// image's own caption, as plain InfoNCE does (false: another image's caption of the same class is then a wrong answer).</param>
public sealed record ClipTrainingOptions(
    IReadOnlyList<int>? HeldOutClasses = null,
    int Steps = 200,
    int BatchSize = 64,
    double LearningRate = 2e-3,
    int Seed = 0,
    bool SameClassPositives = true
)
{
    /// <summary>Pullover (2) and Ankle boot (9): every word of their captions also describes a class that is trained on.</summary>
    public static IReadOnlyList<int> DefaultHeldOutClasses { get; } = [2, 9];

    /// <summary>The held-out labels: <see cref="HeldOutClasses"/>, or <see cref="DefaultHeldOutClasses"/>.</summary>
    public IReadOnlyList<int> HeldOut => HeldOutClasses ?? DefaultHeldOutClasses;

    /// <summary>Throws if an option is out of range, naming it; returns these options.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public ClipTrainingOptions Validate(int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Steps);
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 2);
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "The learning rate must be a finite number > 0.");
        if (HeldOut.Any(k => k < 0 || k >= classCount))
            throw new ArgumentOutOfRangeException(
                nameof(HeldOutClasses),
                $"Held-out classes must be labels 0..{classCount - 1}; got {string.Join(", ", HeldOut)}."
            );
        if (HeldOut.Distinct().Count() > classCount - 2)
            throw new ArgumentOutOfRangeException(
                nameof(HeldOutClasses),
                $"Holding out {HeldOut.Distinct().Count()} of {classCount} classes leaves fewer than two to train on."
            );
        return this;
    }
}
