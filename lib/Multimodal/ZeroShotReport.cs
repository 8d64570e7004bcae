namespace Workbook.Multimodal;

/// <summary>Zero-shot accuracy of a <see cref="ClipModel"/> on images of trained and of held-out classes (introduced in chapter
/// 12).</summary>
/// <param name="TrainedAccuracy">Images of the trained classes whose nearest caption, among every class's captions, is one of their
/// class.</param>
/// <param name="HeldOutAccuracy">The same for the held-out classes' images: each is compared with every class's captions.</param>
/// <param name="HeldOutAmongHeldOutAccuracy">Held-out images classified among the held-out classes' captions only (classic
/// zero-shot).</param>
/// <param name="Chance">1 / classes: guessing among all of them.</param>
/// <param name="HeldOutChance">1 / held-out classes: guessing among the held-out ones.</param>
/// <param name="Confusion">Counts [true class, predicted class] of the nearest-caption predictions among all captions.</param>
public sealed record ZeroShotReport(
    double TrainedAccuracy,
    double HeldOutAccuracy,
    double HeldOutAmongHeldOutAccuracy,
    double Chance,
    double HeldOutChance,
    int[,] Confusion
);
