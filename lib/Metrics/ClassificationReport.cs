using System.Globalization;
using Workbook.Notebook;

namespace Workbook.Metrics;

/// <summary>
/// Per-class precision, recall, F1 and support, plus accuracy and the macro and weighted averages: the values of
/// scikit-learn 1.2.1's <c>classification_report</c> (not its text layout). Renders as a table in a notebook.
/// Introduced in chapter 04.
/// </summary>
/// <remarks>Zero divisions give 0, as in <see cref="ClassificationMetrics"/>.</remarks>
[TypeFormatterSource(typeof(HtmlRenderableFormatterSource), PreferredMimeTypes = ["text/html"])]
public sealed class ClassificationReport : IHtmlRenderable
{
    private ClassificationReport(IReadOnlyList<ClassScores> classes, double accuracy, AveragedScores macro, AveragedScores weighted)
    {
        Classes = classes;
        Accuracy = accuracy;
        MacroAverage = macro;
        WeightedAverage = weighted;
    }

    /// <summary>Builds the report over the sorted union of the labels in <paramref name="yTrue"/> and <paramref name="yPred"/>.</summary>
    /// <exception cref="ArgumentException">The lists are empty or differ in length.</exception>
    public static ClassificationReport Compute(IReadOnlyList<int> yTrue, IReadOnlyList<int> yPred)
    {
        var matrix = ConfusionMatrix.Compute(yTrue, yPred);
        var classes = ClassificationMetrics.PerClass(matrix);
        var total = yTrue.Count;
        var macro = new AveragedScores(
            classes.Average(c => c.Precision),
            classes.Average(c => c.Recall),
            classes.Average(c => c.F1),
            total
        );
        var weighted = new AveragedScores(
            classes.Sum(c => c.Precision * c.Support) / total,
            classes.Sum(c => c.Recall * c.Support) / total,
            classes.Sum(c => c.F1 * c.Support) / total,
            total
        );
        return new ClassificationReport(classes, ClassificationMetrics.Accuracy(yTrue, yPred), macro, weighted);
    }

    /// <summary>One entry per class, labels ascending.</summary>
    public IReadOnlyList<ClassScores> Classes { get; }

    /// <summary>Fraction of correct predictions (equal to micro-averaged precision, recall and F1).</summary>
    public double Accuracy { get; }

    /// <summary>Unweighted mean over classes.</summary>
    public AveragedScores MacroAverage { get; }

    /// <summary>Mean over classes weighted by support.</summary>
    public AveragedScores WeightedAverage { get; }

    /// <summary>The report as a table laid out like scikit-learn's: one row per class, then accuracy, macro avg, weighted avg.</summary>
    /// <param name="digits">Decimal places shown for the scores.</param>
    public Table ToTable(int digits = 3)
    {
        if (digits is < 0 or > 15)
            throw new ArgumentException($"digits is {digits}; it must be between 0 and 15.", nameof(digits));
        string Score(double value) => value.ToString("F" + digits, CultureInfo.InvariantCulture);
        string Count(int value) => value.ToString(CultureInfo.InvariantCulture);
        IReadOnlyList<string> Averaged(string name, AveragedScores s) =>
            [name, Score(s.Precision), Score(s.Recall), Score(s.F1), Count(s.Support)];
        var total = MacroAverage.Support;
        return new Table(
            ["class", "precision", "recall", "f1-score", "support"],
            [
                .. Classes.Select(c =>
                    (IReadOnlyList<string>)[Count(c.Label), Score(c.Precision), Score(c.Recall), Score(c.F1), Count(c.Support)]
                ),
                ["accuracy", "", "", Score(Accuracy), Count(total)],
                Averaged("macro avg", MacroAverage),
                Averaged("weighted avg", WeightedAverage),
            ],
            caption: "Classification report"
        );
    }

    /// <inheritdoc />
    public string ToHtml() => ToTable().ToHtml();

    /// <inheritdoc />
    public override string ToString() => ToTable().ToString();
}

/// <summary>Precision, recall and F1 averaged over classes, with the number of samples they cover. Introduced with chapter 04.</summary>
/// <param name="Precision">Averaged precision.</param>
/// <param name="Recall">Averaged recall.</param>
/// <param name="F1">Averaged F1 (the mean of per-class F1, not the F1 of the averaged precision and recall).</param>
/// <param name="Support">Total number of samples.</param>
public sealed record AveragedScores(double Precision, double Recall, double F1, int Support);

/// <summary>Precision, recall and F1 of one class, with its support (number of samples truly in the class). Introduced with chapter
/// 04.</summary>
/// <param name="Label">The class label.</param>
/// <param name="Precision">tp / (tp + fp); 0 when the class is never predicted.</param>
/// <param name="Recall">tp / (tp + fn); 0 when the class never occurs in the true labels.</param>
/// <param name="F1">Harmonic mean of precision and recall; 0 when both are 0.</param>
/// <param name="Support">Number of samples whose true label is <paramref name="Label"/>.</param>
public sealed record ClassScores(int Label, double Precision, double Recall, double F1, int Support);
