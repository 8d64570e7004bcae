using Workbook.Metrics;

namespace Workbook.Tests.Metrics;

public class ClassificationGoldenTests
{
    public static TheoryData<string> Cases => Goldens.CaseNames("label_cases");

    public static TheoryData<string> FixedLabelCases => Goldens.CaseNames("fixed_label_cases");

    [Theory]
    [MemberData(nameof(FixedLabelCases))]
    public void A_confusion_matrix_over_a_fixed_label_set_matches_sklearn(string name)
    {
        var c = Goldens.Case("fixed_label_cases", name);
        int[] yTrue = c.GetProperty("y_true").Ints(),
            yPred = c.GetProperty("y_pred").Ints(),
            labels = c.GetProperty("labels").Ints();
        var matrix = ConfusionMatrix.Compute(yTrue, yPred, labels);
        Assert.Equal(labels, matrix.Labels);
        var expected = c.GetProperty("confusion_matrix").EnumerateArray().Select(r => r.Ints()).ToArray();
        Assert.Equal(expected.Length, matrix.Labels.Count);
        for (var t = 0; t < expected.Length; t++)
        for (var p = 0; p < expected.Length; p++)
            Assert.Equal(expected[t][p], matrix[t, p]);
        Assert.Equal(expected.Sum(r => r.Sum()), matrix.Total);
    }

    [Fact]
    public void A_fixed_label_set_that_cannot_index_the_matrix_is_refused()
    {
        int[] yTrue = [0, 1, 1],
            yPred = [0, 1, 0];
        Assert.Contains("is empty", Assert.Throws<ArgumentException>(() => ConfusionMatrix.Compute(yTrue, yPred, [])).Message);
        Assert.Contains(
            "lists 1 2 times",
            Assert.Throws<ArgumentException>(() => ConfusionMatrix.Compute(yTrue, yPred, [0, 1, 1])).Message
        );
        Assert.Contains(
            "None of the labels [5, 6] occurs in yTrue",
            Assert.Throws<ArgumentException>(() => ConfusionMatrix.Compute(yTrue, yPred, [5, 6])).Message
        );
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Accuracy_and_confusion_matrix_match_sklearn(string name)
    {
        var c = Goldens.Case("label_cases", name);
        int[] yTrue = c.GetProperty("y_true").Ints(),
            yPred = c.GetProperty("y_pred").Ints();
        Goldens.Close(c.Double("accuracy"), ClassificationMetrics.Accuracy(yTrue, yPred), "accuracy");

        var matrix = ConfusionMatrix.Compute(yTrue, yPred);
        Assert.Equal(c.GetProperty("labels").Ints(), matrix.Labels);
        var expected = c.GetProperty("confusion_matrix").EnumerateArray().Select(r => r.Ints()).ToArray();
        for (var t = 0; t < expected.Length; t++)
        for (var p = 0; p < expected.Length; p++)
        {
            Assert.Equal(expected[t][p], matrix[t, p]);
            Assert.Equal(expected[t][p], matrix.Count(matrix.Labels[t], matrix.Labels[p]));
        }
        Assert.Equal(yTrue.Length, matrix.Total);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Precision_recall_and_f1_match_sklearn_for_every_averaging(string name)
    {
        var c = Goldens.Case("label_cases", name);
        int[] yTrue = c.GetProperty("y_true").Ints(),
            yPred = c.GetProperty("y_pred").Ints();
        var checkedModes = 0;
        foreach (
            var (key, average) in new[]
            {
                ("binary", Averaging.Binary),
                ("macro", Averaging.Macro),
                ("micro", Averaging.Micro),
                ("weighted", Averaging.Weighted),
            }
        )
        {
            if (!c.TryGetProperty(key, out var expected))
            {
                // sklearn refuses binary averaging for more than two labels; so must we.
                Assert.Equal(Averaging.Binary, average);
                Assert.Throws<ArgumentException>(() => ClassificationMetrics.Precision(yTrue, yPred, average));
                continue;
            }
            Goldens.Close(expected.Double("precision"), ClassificationMetrics.Precision(yTrue, yPred, average), $"{key} precision");
            Goldens.Close(expected.Double("recall"), ClassificationMetrics.Recall(yTrue, yPred, average), $"{key} recall");
            Goldens.Close(expected.Double("f1"), ClassificationMetrics.F1(yTrue, yPred, average), $"{key} f1");
            checkedModes++;
        }
        Assert.True(checkedModes >= 3);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Classification_report_matches_sklearn(string name)
    {
        var c = Goldens.Case("label_cases", name);
        var report = ClassificationReport.Compute(c.GetProperty("y_true").Ints(), c.GetProperty("y_pred").Ints());

        var perClass = c.GetProperty("per_class");
        Assert.Equal(c.GetProperty("labels").Ints(), report.Classes.Select(k => k.Label));
        Goldens.Close(perClass.GetProperty("precision").Doubles(), [.. report.Classes.Select(k => k.Precision)], "per-class precision");
        Goldens.Close(perClass.GetProperty("recall").Doubles(), [.. report.Classes.Select(k => k.Recall)], "per-class recall");
        Goldens.Close(perClass.GetProperty("f1").Doubles(), [.. report.Classes.Select(k => k.F1)], "per-class f1");
        Assert.Equal(perClass.GetProperty("support").Ints(), report.Classes.Select(k => k.Support));

        var expected = c.GetProperty("report");
        Goldens.Close(expected.Double("accuracy"), report.Accuracy, "report accuracy");
        foreach (var (key, actual) in new[] { ("macro avg", report.MacroAverage), ("weighted avg", report.WeightedAverage) })
        {
            var row = expected.GetProperty(key);
            Goldens.Close(row.Double("precision"), actual.Precision, $"{key} precision");
            Goldens.Close(row.Double("recall"), actual.Recall, $"{key} recall");
            Goldens.Close(row.Double("f1-score"), actual.F1, $"{key} f1");
            Assert.Equal((int)row.Double("support"), actual.Support);
        }
    }
}
