namespace Workbook.Metrics;

/// <summary>Precision, recall and F1 averaged over classes, with the number of samples they cover.</summary>
/// <param name="Precision">Averaged precision.</param>
/// <param name="Recall">Averaged recall.</param>
/// <param name="F1">Averaged F1 (the mean of per-class F1, not the F1 of the averaged precision and recall).</param>
/// <param name="Support">Total number of samples.</param>
public sealed record AveragedScores(double Precision, double Recall, double F1, int Support);
