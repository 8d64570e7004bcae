using Workbook.Metrics;

namespace Workbook.Tests.Metrics;

public class ProbabilisticAndRegressionGoldenTests
{
    public static TheoryData<string> ProbabilityCases
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var c in Goldens.Section("score_cases").EnumerateArray().Where(c => c.TryGetProperty("log_loss", out _)))
                data.Add(c.GetProperty("name").GetString()!);
            return data;
        }
    }

    public static TheoryData<string> MulticlassCases => Goldens.CaseNames("multiclass_log_loss_cases");
    public static TheoryData<string> RegressionCases => Goldens.CaseNames("regression_cases");

    [Theory]
    [MemberData(nameof(ProbabilityCases))]
    public void Binary_log_loss_matches_sklearn(string name)
    {
        var c = Goldens.Case("score_cases", name);
        Goldens.Close(
            c.Double("log_loss"),
            ProbabilisticMetrics.LogLoss(c.GetProperty("y_true").Ints(), c.GetProperty("y_score").Doubles()),
            "log_loss"
        );
    }

    [Theory]
    [MemberData(nameof(MulticlassCases))]
    public void Multiclass_log_loss_matches_sklearn(string name)
    {
        var c = Goldens.Case("multiclass_log_loss_cases", name);
        double[][] rows = [.. c.GetProperty("probabilities").EnumerateArray().Select(r => r.Doubles())];
        Goldens.Close(c.Double("log_loss"), ProbabilisticMetrics.LogLoss(c.GetProperty("y_true").Ints(), rows), "log_loss");
    }

    [Theory]
    [MemberData(nameof(RegressionCases))]
    public void Regression_metrics_match_sklearn(string name)
    {
        var c = Goldens.Case("regression_cases", name);
        double[] yTrue = c.GetProperty("y_true").Doubles(),
            yPred = c.GetProperty("y_pred").Doubles();
        Goldens.Close(c.Double("mse"), RegressionMetrics.MeanSquaredError(yTrue, yPred), "mse");
        Goldens.Close(c.Double("mae"), RegressionMetrics.MeanAbsoluteError(yTrue, yPred), "mae");
        Goldens.Close(c.Double("r2"), RegressionMetrics.R2(yTrue, yPred), "r2");
    }

    [Fact]
    public void The_golden_file_was_made_by_the_pinned_sklearn()
    {
        Assert.Equal("1.2.1", Goldens.Section("sklearn_version").GetString());
    }

    [Fact]
    public void R2_of_a_single_sample_is_nan_as_sklearn() => Assert.True(double.IsNaN(RegressionMetrics.R2([1.0], [2.0])));

    [Fact]
    public void A_confident_wrong_prediction_is_clipped_not_infinite()
    {
        Assert.Equal(-Math.Log(ProbabilisticMetrics.ClippingEpsilon), ProbabilisticMetrics.LogLoss([1], [0.0]), 1e-9);
    }
}
