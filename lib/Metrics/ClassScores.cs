namespace Workbook.Metrics;

/// <summary>Precision, recall and F1 of one class, with its support (number of samples truly in the class).</summary>
/// <param name="Label">The class label.</param>
/// <param name="Precision">tp / (tp + fp); 0 when the class is never predicted.</param>
/// <param name="Recall">tp / (tp + fn); 0 when the class never occurs in the true labels.</param>
/// <param name="F1">Harmonic mean of precision and recall; 0 when both are 0.</param>
/// <param name="Support">Number of samples whose true label is <paramref name="Label"/>.</param>
public sealed record ClassScores(int Label, double Precision, double Recall, double F1, int Support);
