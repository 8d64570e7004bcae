using Workbook.Metrics;

namespace Workbook.Tests.Metrics;

/// <summary>The one entry point gives scikit-learn's values, checked against the goldens directly.</summary>
public class ScoresTests
{
    [Fact]
    public void Classification_scores_match_sklearn()
    {
        var c = Goldens.Case("label_cases", "multiclass_random");
        int[] yTrue = c.GetProperty("y_true").Ints(),
            yPred = c.GetProperty("y_pred").Ints();
        Goldens.Close(c.Double("accuracy"), Scores.Accuracy(yTrue, yPred), "accuracy");
        var macro = c.GetProperty("macro");
        Goldens.Close(macro.Double("precision"), Scores.Precision(yTrue, yPred, Averaging.Macro), "macro precision");
        Goldens.Close(macro.Double("recall"), Scores.Recall(yTrue, yPred, Averaging.Macro), "macro recall");
        Goldens.Close(macro.Double("f1"), Scores.F1(yTrue, yPred, Averaging.Macro), "macro F1");
        var expected = c.GetProperty("confusion_matrix").EnumerateArray().Select(r => r.Ints()).ToArray();
        var matrix = Scores.ConfusionMatrix(yTrue, yPred);
        Assert.Equal(expected[1][2], matrix[1, 2]);
        Goldens.Close(
            c.GetProperty("report").GetProperty("macro avg").Double("f1-score"),
            Scores.Report(yTrue, yPred).MacroAverage.F1,
            "report macro F1"
        );
    }

    [Fact]
    public void Score_and_regression_metrics_match_sklearn()
    {
        var s = Goldens.Case("score_cases", "random");
        int[] yTrue = s.GetProperty("y_true").Ints();
        double[] yScore = s.GetProperty("y_score").Doubles();
        Goldens.Close(s.Double("roc_auc"), Scores.RocAuc(yTrue, yScore), "roc_auc");
        Goldens.Close(s.Double("average_precision"), Scores.AveragePrecision(yTrue, yScore), "average_precision");
        Assert.Equal(s.GetProperty("roc").GetProperty("fpr").Doubles().Length, Scores.Roc(yTrue, yScore).FalsePositiveRates.Count);

        var r = Goldens.Case("regression_cases", "random");
        double[] y = r.GetProperty("y_true").Doubles(),
            p = r.GetProperty("y_pred").Doubles();
        Goldens.Close(r.Double("mse"), Scores.MeanSquaredError(y, p), "mse");
        Goldens.Close(r.Double("mae"), Scores.MeanAbsoluteError(y, p), "mae");
        Goldens.Close(r.Double("r2"), Scores.R2(y, p), "r2");
    }

    [Fact]
    public void Error_rates_count_edits_over_the_reference()
    {
        var wer = Scores.WordErrorRate("the cat sat on the mat", "the cat sat on mat");
        Assert.Equal((0, 1, 0, 6), (wer.Substitutions, wer.Deletions, wer.Insertions, wer.ReferenceLength));
        Assert.Equal(1.0 / 6, wer.Rate, 12);
    }
}
