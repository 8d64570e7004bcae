using System.Globalization;
using Workbook.Notebook;

namespace Workbook.Metrics;

/// <summary>
/// Per-class precision, recall, F1 and support, plus accuracy and the macro and weighted averages: the values of
/// scikit-learn 1.2.1's <c>classification_report</c> (not its text layout). Renders as a table in a notebook.
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
        var macro = new AveragedScores(classes.Average(c => c.Precision), classes.Average(c => c.Recall), classes.Average(c => c.F1), total);
        var weighted = new AveragedScores(
            classes.Sum(c => c.Precision * c.Support) / total,
            classes.Sum(c => c.Recall * c.Support) / total,
            classes.Sum(c => c.F1 * c.Support) / total,
            total);
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
        if (digits is < 0 or > 15) throw new ArgumentException($"digits is {digits}; it must be between 0 and 15.", nameof(digits));
        string Score(double value) => value.ToString("F" + digits, CultureInfo.InvariantCulture);
        string Count(int value) => value.ToString(CultureInfo.InvariantCulture);
        IReadOnlyList<string> Averaged(string name, AveragedScores s) => [name, Score(s.Precision), Score(s.Recall), Score(s.F1), Count(s.Support)];
        var total = MacroAverage.Support;
        return new Table(
            ["class", "precision", "recall", "f1-score", "support"],
            [
                .. Classes.Select(c => (IReadOnlyList<string>)[Count(c.Label), Score(c.Precision), Score(c.Recall), Score(c.F1), Count(c.Support)]),
                ["accuracy", "", "", Score(Accuracy), Count(total)],
                Averaged("macro avg", MacroAverage),
                Averaged("weighted avg", WeightedAverage),
            ],
            caption: "Classification report");
    }

    /// <inheritdoc />
    public string ToHtml() => ToTable().ToHtml();

    /// <inheritdoc />
    public override string ToString() => ToTable().ToString();
}
