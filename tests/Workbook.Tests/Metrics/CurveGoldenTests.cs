using Workbook.Metrics;

namespace Workbook.Tests.Metrics;

public class CurveGoldenTests
{
    public static TheoryData<string> Cases => Goldens.CaseNames("score_cases");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Roc_curve_and_auc_match_sklearn(string name)
    {
        var c = Goldens.Case("score_cases", name);
        int[] yTrue = c.GetProperty("y_true").Ints();
        double[] yScore = c.GetProperty("y_score").Doubles();
        var expected = c.GetProperty("roc");

        var curve = RocCurve.Compute(yTrue, yScore);
        Goldens.Close(expected.GetProperty("fpr").Doubles(), curve.FalsePositiveRates, "fpr");
        Goldens.Close(expected.GetProperty("tpr").Doubles(), curve.TruePositiveRates, "tpr");
        Goldens.Close(expected.GetProperty("thresholds").Doubles(), curve.Thresholds, "thresholds");
        Goldens.Close(c.Double("roc_auc"), RocCurve.RocAuc(yTrue, yScore), "roc_auc");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Precision_recall_curve_and_average_precision_match_sklearn(string name)
    {
        var c = Goldens.Case("score_cases", name);
        int[] yTrue = c.GetProperty("y_true").Ints();
        double[] yScore = c.GetProperty("y_score").Doubles();
        var expected = c.GetProperty("pr");

        var curve = PrecisionRecallCurve.Compute(yTrue, yScore);
        Goldens.Close(expected.GetProperty("precision").Doubles(), curve.Precision, "precision");
        Goldens.Close(expected.GetProperty("recall").Doubles(), curve.Recall, "recall");
        Goldens.Close(expected.GetProperty("thresholds").Doubles(), curve.Thresholds, "thresholds");
        Goldens.Close(c.Double("average_precision"), PrecisionRecallCurve.AveragePrecision(yTrue, yScore), "average_precision");
    }

    [Fact]
    public void Roc_curve_starts_at_max_score_plus_one_as_sklearn_1_2_1()
    {
        var curve = RocCurve.Compute([0, 1, 1, 0], [0.1, 0.4, 0.35, 0.8]);
        Assert.Equal(1.8, curve.Thresholds[0]);
        Assert.Equal(0.0, curve.FalsePositiveRates[0]);
        Assert.Equal(0.0, curve.TruePositiveRates[0]);
    }

    [Fact]
    public void Tied_scores_count_as_half_right()
    {
        // Every positive ties every negative: AUC 0.5, a single diagonal step.
        Assert.Equal(0.5, RocCurve.RocAuc([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3]), Goldens.Tolerance);
    }
}
