using Workbook.Metrics;

namespace Workbook.Tests.Metrics;

public class MetricsValidationTests
{
    [Fact]
    public void Length_mismatch_names_both_lengths()
    {
        var error = Assert.Throws<ArgumentException>(() => ClassificationMetrics.Accuracy([0, 1, 1], [0, 1]));
        Assert.Contains("yTrue has 3 elements but yPred has 2", error.Message);
        Assert.Equal("yPred", error.ParamName);

        error = Assert.Throws<ArgumentException>(() => RocCurve.Compute([0, 1], [0.1, 0.2, 0.3]));
        Assert.Contains("yTrue has 2 elements but yScore has 3", error.Message);

        error = Assert.Throws<ArgumentException>(() => RegressionMetrics.R2([1.0, 2.0], [1.0]));
        Assert.Contains("yTrue has 2 elements but yPred has 1", error.Message);
    }

    [Fact]
    public void Empty_input_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => ClassificationMetrics.F1([], [], Averaging.Macro));
        Assert.Contains("yTrue is empty", error.Message);
        Assert.Throws<ArgumentException>(() => RegressionMetrics.MeanSquaredError([], []));
        Assert.Throws<ArgumentException>(() => PrecisionRecallCurve.AveragePrecision([], []));
        Assert.Throws<ArgumentException>(() => ProbabilisticMetrics.LogLoss([], Array.Empty<double>()));
    }

    [Fact]
    public void A_nan_score_is_rejected_with_its_index()
    {
        var error = Assert.Throws<ArgumentException>(() => RocCurve.RocAuc([0, 1, 1], [0.2, double.NaN, 0.9]));
        Assert.Contains("yScore[1] is NaN", error.Message);
        Assert.Equal("yScore", error.ParamName);

        error = Assert.Throws<ArgumentException>(() => RegressionMetrics.MeanAbsoluteError([1.0, double.PositiveInfinity], [1.0, 2.0]));
        Assert.Contains("yTrue[1]", error.Message);
    }

    [Fact]
    public void A_label_outside_zero_one_is_named_for_binary_metrics()
    {
        var error = Assert.Throws<ArgumentException>(() => RocCurve.Compute([0, 1, 2], [0.1, 0.5, 0.9]));
        Assert.Contains("yTrue[2] is 2", error.Message);
        Assert.Contains("0 (negative) or 1 (positive)", error.Message);

        error = Assert.Throws<ArgumentException>(() => ProbabilisticMetrics.LogLoss([0, -1], [0.3, 0.4]));
        Assert.Contains("yTrue[1] is -1", error.Message);
    }

    [Fact]
    public void Binary_averaging_explains_what_to_use_instead()
    {
        var error = Assert.Throws<ArgumentException>(() => ClassificationMetrics.Precision([0, 1, 2], [0, 1, 1]));
        Assert.Contains("3 labels (0, 1, 2)", error.Message);
        Assert.Contains("Averaging.Macro", error.Message);

        error = Assert.Throws<ArgumentException>(() => ClassificationMetrics.Recall([3, 5], [5, 5], positiveLabel: 1));
        Assert.Contains("positiveLabel is 1 but the labels are 3 and 5", error.Message);
        Assert.Equal(1.0, ClassificationMetrics.Recall([3, 5], [5, 5], positiveLabel: 5));
    }

    [Fact]
    public void Roc_auc_needs_both_classes()
    {
        var error = Assert.Throws<ArgumentException>(() => RocCurve.RocAuc([1, 1], [0.2, 0.4]));
        Assert.Contains("only label 1", error.Message);
    }

    [Fact]
    public void Multiclass_log_loss_checks_rows_and_classes()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            ProbabilisticMetrics.LogLoss([0, 1], new double[][] { [0.5, 0.5], [0.2, 0.3, 0.5] })
        );
        Assert.Contains("probabilities[1] has 3 entries but probabilities[0] has 2", error.Message);

        error = Assert.Throws<ArgumentException>(() => ProbabilisticMetrics.LogLoss([0, 3], new double[][] { [0.5, 0.5], [0.2, 0.8] }));
        Assert.Contains("yTrue[1] is 3", error.Message);

        error = Assert.Throws<ArgumentException>(() => ProbabilisticMetrics.LogLoss([0], new double[][] { [1.5, -0.5] }));
        Assert.Contains("probabilities[0][0] is 1.5", error.Message);
    }
}
