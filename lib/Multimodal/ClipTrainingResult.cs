namespace Workbook.Multimodal;

/// <summary>What <see cref="ClipTraining.Train"/> did (introduced in chapter 12): the loss of every step, the classes trained on and held
/// out, and the time taken.</summary>
/// <param name="Losses">The contrastive loss of each step's batch.</param>
/// <param name="TrainedClasses">Labels whose images and captions were trained on.</param>
/// <param name="HeldOutClasses">Labels never seen: neither their images nor their captions.</param>
/// <param name="TrainingImages">How many distinct images the steps drew from.</param>
/// <param name="FinalTemperature">The learned temperature τ after the last step.</param>
/// <param name="Elapsed">Wall-clock time of the steps.</param>
public sealed record ClipTrainingResult(
    IReadOnlyList<double> Losses,
    IReadOnlyList<int> TrainedClasses,
    IReadOnlyList<int> HeldOutClasses,
    int TrainingImages,
    double FinalTemperature,
    TimeSpan Elapsed
);
