using System.Globalization;
using Workbook.Notebook;

namespace Workbook.Metrics;

/// <summary>
/// Counts of (true label, predicted label) pairs, as scikit-learn's <c>confusion_matrix</c>: rows are true labels,
/// columns predicted labels, both over the sorted union of the labels in <c>yTrue</c> and <c>yPred</c>, or over a label
/// set given in advance.
/// Renders as a table in a notebook. Introduced in chapter 04.
/// </summary>
[TypeFormatterSource(typeof(HtmlRenderableFormatterSource), PreferredMimeTypes = ["text/html"])]
public sealed class ConfusionMatrix : IHtmlRenderable
{
    private readonly int[,] _counts;
    private readonly Dictionary<int, int> _indexOfLabel;

    private ConfusionMatrix(IReadOnlyList<int> labels, int[,] counts)
    {
        Labels = labels;
        _counts = counts;
        _indexOfLabel = labels.Select((label, i) => (label, i)).ToDictionary(p => p.label, p => p.i);
    }

    /// <summary>Counts each (true, predicted) pair, over the sorted union of the labels that occur.</summary>
    /// <param name="yTrue">True class label of each sample.</param>
    /// <param name="yPred">Predicted class label of each sample, same length as <paramref name="yTrue"/>.</param>
    /// <exception cref="ArgumentException">The lists are empty or differ in length.</exception>
    public static ConfusionMatrix Compute(IReadOnlyList<int> yTrue, IReadOnlyList<int> yPred) => Compute(yTrue, yPred, labels: null);

    /// <summary>
    /// Counts each (true, predicted) pair over a label set fixed in advance, as scikit-learn's
    /// <c>confusion_matrix(y_true, y_pred, labels=…)</c>: rows and columns in the order of <paramref name="labels"/>, a class
    /// that never occurs is a row and column of zeros (so matrices of different runs line up), and a sample whose true or
    /// predicted label is not in the set is left out. Null takes the sorted union of the labels that occur.
    /// </summary>
    /// <exception cref="ArgumentException">The lists are empty or differ in length; <paramref name="labels"/> is empty,
    /// repeats a label, or holds none of the true labels (scikit-learn refuses that too).</exception>
    public static ConfusionMatrix Compute(IReadOnlyList<int> yTrue, IReadOnlyList<int> yPred, IReadOnlyList<int>? labels)
    {
        MetricInput.RequirePairedSamples(yTrue, yPred, nameof(yTrue), nameof(yPred));
        int[] order;
        if (labels is null)
        {
            order = yTrue.Concat(yPred).Distinct().Order().ToArray();
        }
        else
        {
            if (labels.Count == 0)
                throw new ArgumentException(
                    "The label set is empty: give at least one label, or null for the labels that occur.",
                    nameof(labels)
                );
            if (labels.GroupBy(l => l).FirstOrDefault(g => g.Count() > 1) is { } repeated)
                throw new ArgumentException(
                    $"The label set lists {repeated.Key} {repeated.Count()} times; each label names one row and one column.",
                    nameof(labels)
                );
            var present = yTrue.ToHashSet();
            if (!labels.Any(present.Contains))
                throw new ArgumentException(
                    $"None of the labels [{string.Join(", ", labels)}] occurs in yTrue (its labels: "
                        + $"{string.Join(", ", present.Order().Take(20))}).",
                    nameof(labels)
                );
            order = [.. labels];
        }
        var index = order.Select((label, i) => (label, i)).ToDictionary(p => p.label, p => p.i);
        var counts = new int[order.Length, order.Length];
        for (var i = 0; i < yTrue.Count; i++)
            if (index.TryGetValue(yTrue[i], out var t) && index.TryGetValue(yPred[i], out var p))
                counts[t, p]++;
        return new ConfusionMatrix(order, counts);
    }

    /// <summary>The labels, ascending or in the order given; row and column <c>i</c> belong to <c>Labels[i]</c>.</summary>
    public IReadOnlyList<int> Labels { get; }

    /// <summary>Number of samples whose true label is <c>Labels[trueIndex]</c> and predicted label <c>Labels[predictedIndex]</c>.</summary>
    public int this[int trueIndex, int predictedIndex]
    {
        get
        {
            if ((uint)trueIndex >= (uint)Labels.Count)
                throw new ArgumentOutOfRangeException(nameof(trueIndex), trueIndex, $"Row index must be in 0..{Labels.Count - 1}.");
            if ((uint)predictedIndex >= (uint)Labels.Count)
                throw new ArgumentOutOfRangeException(
                    nameof(predictedIndex),
                    predictedIndex,
                    $"Column index must be in 0..{Labels.Count - 1}."
                );
            return _counts[trueIndex, predictedIndex];
        }
    }

    /// <summary>Number of samples with true label <paramref name="trueLabel"/> predicted as <paramref name="predictedLabel"/>; 0 for labels
    /// never seen.</summary>
    public int Count(int trueLabel, int predictedLabel) =>
        _indexOfLabel.TryGetValue(trueLabel, out var t) && _indexOfLabel.TryGetValue(predictedLabel, out var p) ? _counts[t, p] : 0;

    /// <summary>A copy of the counts, [true, predicted], in the order of <see cref="Labels"/> (e.g. for
    /// <c>Charts.ConfusionMatrix</c>).</summary>
    public int[,] ToArray() => (int[,])_counts.Clone();

    /// <summary>Total number of samples counted (with a fixed label set, those whose labels are both in it).</summary>
    public int Total => _counts.Cast<int>().Sum();

    /// <summary>Correct predictions of class <c>Labels[index]</c> (the diagonal).</summary>
    internal int TruePositives(int index) => _counts[index, index];

    /// <summary>Samples whose true label is <c>Labels[index]</c> (the row sum, the class's support).</summary>
    internal int TrueCount(int index) => Enumerable.Range(0, Labels.Count).Sum(c => _counts[index, c]);

    /// <summary>Samples predicted as <c>Labels[index]</c> (the column sum).</summary>
    internal int PredictedCount(int index) => Enumerable.Range(0, Labels.Count).Sum(r => _counts[r, index]);

    /// <summary>The matrix as a table: one row per true label, one column per predicted label.</summary>
    public Table ToTable() =>
        new(
            ["true \\ predicted", .. Labels.Select(l => l.ToString(CultureInfo.InvariantCulture))],
            Labels.Select(
                (label, r) =>
                    Table.Row([
                        label.ToString(CultureInfo.InvariantCulture),
                        .. Enumerable.Range(0, Labels.Count).Select(c => _counts[r, c].ToString(CultureInfo.InvariantCulture)),
                    ])
            ),
            caption: "Confusion matrix (rows: true label, columns: predicted label)"
        );

    /// <inheritdoc />
    public string ToHtml() => ToTable().ToHtml();

    /// <inheritdoc />
    public override string ToString() => ToTable().ToString();
}
