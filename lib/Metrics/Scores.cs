namespace Workbook.Metrics;

/// <summary>
/// Every metric of the library from one place, named as in scikit-learn's <c>sklearn.metrics</c> and matching it (the
/// goldens in <c>tests/fixtures/metrics</c> are scikit-learn's outputs). Each member forwards to the class that holds
/// the metric and its details — <see cref="ClassificationMetrics"/>, <see cref="ProbabilisticMetrics"/>,
/// <see cref="RegressionMetrics"/>, <see cref="RocCurve"/>, <see cref="PrecisionRecallCurve"/>, <see cref="ConfusionMatrix"/>,
/// <see cref="ClassificationReport"/>, <see cref="ErrorRate"/> — so type <c>Scores.</c> and the editor lists them all.
/// Introduced in chapter 04.
/// </summary>
public static class Scores
{
    /// <summary>Share of exact matches (<c>accuracy_score</c>).</summary>
    public static double Accuracy(IReadOnlyList<int> yTrue, IReadOnlyList<int> yPred) => ClassificationMetrics.Accuracy(yTrue, yPred);

    /// <summary>tp / (tp + fp) (<c>precision_score</c>); see <see cref="ClassificationMetrics.Precision"/>.</summary>
    public static double Precision(
        IReadOnlyList<int> yTrue,
        IReadOnlyList<int> yPred,
        Averaging average = Averaging.Binary,
        int positiveLabel = 1
    ) => ClassificationMetrics.Precision(yTrue, yPred, average, positiveLabel);

    /// <summary>tp / (tp + fn) (<c>recall_score</c>); see <see cref="ClassificationMetrics.Recall"/>.</summary>
    public static double Recall(
        IReadOnlyList<int> yTrue,
        IReadOnlyList<int> yPred,
        Averaging average = Averaging.Binary,
        int positiveLabel = 1
    ) => ClassificationMetrics.Recall(yTrue, yPred, average, positiveLabel);

    /// <summary>The harmonic mean of precision and recall (<c>f1_score</c>); <see cref="Averaging.Macro"/> gives macro-F1.</summary>
    public static double F1(
        IReadOnlyList<int> yTrue,
        IReadOnlyList<int> yPred,
        Averaging average = Averaging.Binary,
        int positiveLabel = 1
    ) => ClassificationMetrics.F1(yTrue, yPred, average, positiveLabel);

    /// <summary>Counts of (true, predicted) pairs (<c>confusion_matrix</c>), over the labels that occur or a fixed set.</summary>
    public static ConfusionMatrix ConfusionMatrix(IReadOnlyList<int> yTrue, IReadOnlyList<int> yPred, IReadOnlyList<int>? labels = null) =>
        Metrics.ConfusionMatrix.Compute(yTrue, yPred, labels);

    /// <summary>Per-class precision, recall, F1 and support with their averages (<c>classification_report</c>).</summary>
    public static ClassificationReport Report(IReadOnlyList<int> yTrue, IReadOnlyList<int> yPred) =>
        ClassificationReport.Compute(yTrue, yPred);

    /// <summary>Binary cross-entropy of predicted positive probabilities (<c>log_loss</c>).</summary>
    public static double LogLoss(IReadOnlyList<int> yTrue, IReadOnlyList<double> positiveProbabilities) =>
        ProbabilisticMetrics.LogLoss(yTrue, positiveProbabilities);

    /// <summary>Multiclass cross-entropy of predicted class probabilities, one row per sample (<c>log_loss</c>).</summary>
    public static double LogLoss(IReadOnlyList<int> yTrue, IReadOnlyList<IReadOnlyList<double>> probabilities) =>
        ProbabilisticMetrics.LogLoss(yTrue, probabilities);

    /// <summary>Area under the ROC curve of binary labels and scores (<c>roc_auc_score</c>).</summary>
    public static double RocAuc(IReadOnlyList<int> yTrue, IReadOnlyList<double> yScore) => RocCurve.RocAuc(yTrue, yScore);

    /// <summary>The ROC curve: false and true positive rates at each threshold (<c>roc_curve</c>).</summary>
    public static RocCurve Roc(IReadOnlyList<int> yTrue, IReadOnlyList<double> yScore) => RocCurve.Compute(yTrue, yScore);

    /// <summary>Precision and recall at each threshold (<c>precision_recall_curve</c>).</summary>
    public static PrecisionRecallCurve PrecisionRecall(IReadOnlyList<int> yTrue, IReadOnlyList<double> yScore) =>
        PrecisionRecallCurve.Compute(yTrue, yScore);

    /// <summary>The step-wise area under the precision-recall curve (<c>average_precision_score</c>).</summary>
    public static double AveragePrecision(IReadOnlyList<int> yTrue, IReadOnlyList<double> yScore) =>
        PrecisionRecallCurve.AveragePrecision(yTrue, yScore);

    /// <summary>Mean of squared errors (<c>mean_squared_error</c>).</summary>
    public static double MeanSquaredError(IReadOnlyList<double> yTrue, IReadOnlyList<double> yPred) =>
        RegressionMetrics.MeanSquaredError(yTrue, yPred);

    /// <summary>Mean of absolute errors (<c>mean_absolute_error</c>).</summary>
    public static double MeanAbsoluteError(IReadOnlyList<double> yTrue, IReadOnlyList<double> yPred) =>
        RegressionMetrics.MeanAbsoluteError(yTrue, yPred);

    /// <summary>The coefficient of determination (<c>r2_score</c>).</summary>
    public static double R2(IReadOnlyList<double> yTrue, IReadOnlyList<double> yPred) => RegressionMetrics.R2(yTrue, yPred);

    /// <summary>Word error rate of a transcript, with its substitutions, deletions and insertions (the word-level edit distance over the
    /// reference length).</summary>
    public static ErrorRate WordErrorRate(string reference, string hypothesis, bool normalize = true) =>
        ErrorRate.Words(reference, hypothesis, normalize);

    /// <summary>Character error rate of a transcript (the character-level edit distance over the reference length).</summary>
    public static ErrorRate CharacterErrorRate(string reference, string hypothesis, bool normalize = true) =>
        ErrorRate.Characters(reference, hypothesis, normalize);
}
