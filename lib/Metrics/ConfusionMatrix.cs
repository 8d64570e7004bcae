using System.Globalization;
using Workbook.Notebook;

namespace Workbook.Metrics;

/// <summary>
/// Counts of (true label, predicted label) pairs, as scikit-learn's <c>confusion_matrix</c>: rows are true labels,
/// columns predicted labels, both over the sorted union of the labels in <c>yTrue</c> and <c>yPred</c>.
/// Renders as a table in a notebook.
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

    /// <summary>Counts each (true, predicted) pair.</summary>
    /// <param name="yTrue">True class label of each sample.</param>
    /// <param name="yPred">Predicted class label of each sample, same length as <paramref name="yTrue"/>.</param>
    /// <exception cref="ArgumentException">The lists are empty or differ in length.</exception>
    public static ConfusionMatrix Compute(IReadOnlyList<int> yTrue, IReadOnlyList<int> yPred)
    {
        MetricInput.RequirePairedSamples(yTrue, yPred, nameof(yTrue), nameof(yPred));
        var labels = yTrue.Concat(yPred).Distinct().Order().ToArray();
        var index = labels.Select((label, i) => (label, i)).ToDictionary(p => p.label, p => p.i);
        var counts = new int[labels.Length, labels.Length];
        for (var i = 0; i < yTrue.Count; i++) counts[index[yTrue[i]], index[yPred[i]]]++;
        return new ConfusionMatrix(labels, counts);
    }

    /// <summary>The labels in ascending order; row and column <c>i</c> belong to <c>Labels[i]</c>.</summary>
    public IReadOnlyList<int> Labels { get; }

    /// <summary>Number of samples whose true label is <c>Labels[trueIndex]</c> and predicted label <c>Labels[predictedIndex]</c>.</summary>
    public int this[int trueIndex, int predictedIndex]
    {
        get
        {
            if ((uint)trueIndex >= (uint)Labels.Count) throw new ArgumentOutOfRangeException(nameof(trueIndex), trueIndex, $"Row index must be in 0..{Labels.Count - 1}.");
            if ((uint)predictedIndex >= (uint)Labels.Count) throw new ArgumentOutOfRangeException(nameof(predictedIndex), predictedIndex, $"Column index must be in 0..{Labels.Count - 1}.");
            return _counts[trueIndex, predictedIndex];
        }
    }

    /// <summary>Number of samples with true label <paramref name="trueLabel"/> predicted as <paramref name="predictedLabel"/>; 0 for labels never seen.</summary>
    public int Count(int trueLabel, int predictedLabel) =>
        _indexOfLabel.TryGetValue(trueLabel, out var t) && _indexOfLabel.TryGetValue(predictedLabel, out var p) ? _counts[t, p] : 0;

    /// <summary>A copy of the counts, [true, predicted], in the order of <see cref="Labels"/> (e.g. for <c>Charts.ConfusionMatrix</c>).</summary>
    public int[,] ToArray() => (int[,])_counts.Clone();

    /// <summary>Total number of samples.</summary>
    public int Total => _counts.Cast<int>().Sum();

    /// <summary>Correct predictions of class <c>Labels[index]</c> (the diagonal).</summary>
    internal int TruePositives(int index) => _counts[index, index];

    /// <summary>Samples whose true label is <c>Labels[index]</c> (the row sum, the class's support).</summary>
    internal int TrueCount(int index) => Enumerable.Range(0, Labels.Count).Sum(c => _counts[index, c]);

    /// <summary>Samples predicted as <c>Labels[index]</c> (the column sum).</summary>
    internal int PredictedCount(int index) => Enumerable.Range(0, Labels.Count).Sum(r => _counts[r, index]);

    /// <summary>The matrix as a table: one row per true label, one column per predicted label.</summary>
    public Table ToTable() => new(
        ["true \\ predicted", .. Labels.Select(l => l.ToString(CultureInfo.InvariantCulture))],
        Labels.Select((label, r) => (IReadOnlyList<string>)
            [label.ToString(CultureInfo.InvariantCulture), .. Enumerable.Range(0, Labels.Count).Select(c => _counts[r, c].ToString(CultureInfo.InvariantCulture))]),
        caption: "Confusion matrix (rows: true label, columns: predicted label)");

    /// <inheritdoc />
    public string ToHtml() => ToTable().ToHtml();

    /// <inheritdoc />
    public override string ToString() => ToTable().ToString();
}
