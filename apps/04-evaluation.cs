// Generated from notebooks/04-evaluation.ipynb by tools/notebook-to-app.sh: edit the notebook, then regenerate.
// Run from the repository root: dotnet run apps/04-evaluation.cs
// The notebook's cells run one after another (each begins at its `// Cell N`); what a cell shows is printed,
// and each chart is written as an HTML page whose path is printed. The native libtorch is chosen when the app is
// built (WORKBOOK_TORCH_BACKEND=cpu|cuda forces one; see apps/Directory.Build.targets).
#:project ../lib/Workbook.csproj
#:property PublishAot=false
#:property ImplicitUsings=disable
#:property Nullable=annotations

using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using TorchSharp;
using static TorchSharp.torch;
using Workbook;
using Plotly.NET.CSharp;
using Workbook.Data;
using Workbook.Metrics;
using Workbook.Models;
using Workbook.Notebook;
using Workbook.Training;
using Workbook.Notebook.Apps;   // .Display() on the console

// # 04 · Evaluation: beyond accuracy
//
// A classifier that says "benign" to every tumour in the breast-cancer data is right 63 % of the time and useless.
// This chapter evaluates the breast-cancer classifier of chapter 03 the way a diagnostic test is judged: which
// mistakes it makes, how many, and what a different decision threshold would trade.
//
// **What you will learn**
// - the classic evaluation snippet's `DataLoader` bug, and a correct evaluation pass (`eval()`, `no_grad`, arg-max of
//   the logits);
// - accuracy, precision, recall and F1, from the confusion matrix, with a classification-report table;
// - the ROC curve and its area (ROC AUC), the precision–recall curve and average precision, and when each tells you
//   more;
// - how to choose a decision threshold on **validation** data for a required recall, and check it once on the test
//   set.
//
// Every metric here is the library's (`lib/Metrics`), tested against scikit-learn to 1e-9. Runs in seconds.

// Cell 2
// Every chapter starts with this cell. It loads the workbook library (lib/, built by the README's set-up), then
// TorchSharp, the native libtorch for this machine (CUDA when an NVIDIA GPU is present; WORKBOOK_TORCH_BACKEND=cpu|cuda
// forces either) and the library's packages at the versions the repository pins — one line of output, not a list per package.
// In the notebook: #r "../lib/bin/Workbook.dll" (here the #:project line at the top)
// Notebook only: using Microsoft.DotNet.Interactive; (an app's .Display() comes from Workbook.Notebook.Apps)
// In the notebook: await Workbook.Notebook.ChapterSetup.LoadAsync(Kernel.Root);
// An app cannot add packages while it runs: its build chose the native libtorch (apps/Directory.Build.targets).
Workbook.Notebook.AppSetup.Load();

// Cell 3
var device = Workbook.Notebook.ChapterSetup.Device;   // chosen by the first cell

// ## A model to evaluate
//
// Chapter 03's recipe, with one change: the data is split three ways. The **validation** set (20 %) is for decisions
// — here, the threshold; the **test** set (20 %) is looked at once, at the end. Features are standardised with
// training statistics.
//
// The dataset labels malignant tumours 0 and benign 1 (scikit-learn's convention). A diagnostic test looks for the
// condition, so we relabel: **1 = malignant**, the positive class, throughout this chapter.

// Cell 5
var cancer = Datasets.LoadBreastCancer();
var (trainAndValidation, test) = TrainTestSplit.Split(cancer, testSize: 0.2, seed: 0, stratify: true);
var (train, validation) = TrainTestSplit.Split(trainAndValidation, testSize: 0.25, seed: 0, stratify: true);

var scaler = new StandardScaler().Fit(train.Features);
Tensor Features(TabularDataset part) => TensorConversion.ToFloat32(scaler.Transform(part.Features), device);
Tensor Malignant(TabularDataset part) => torch.tensor(part.Labels.Select(l => l == 0 ? 1L : 0L).ToArray(), device: device);

torch.manual_seed(0);
var model = new SimpleModel(new SimpleModelOptions(Inputs: 30, HiddenWidths: [32], Outputs: 2)).to(device);
var trainer = new Trainer(model, torch.optim.Adam(model.parameters(), lr: 0.001), nn.CrossEntropyLoss(),
                          new TrainingOptions(Epochs: 40, Seed: 0));
trainer.Fit(Features(train), Malignant(train));
Console.WriteLine($"train {train.SampleCount}, validation {validation.SampleCount}, test {test.SampleCount} samples; " +
                  $"malignant share in test: {test.Labels.Count(l => l == 0) / (double)test.SampleCount:P0}");

// ## The classic evaluation bug
//
// The tutorial evaluates with
//
// ```python
// test_loader = DataLoader(X_test, y_test)          # intended: batches of (features, label)
// ```
//
// `DataLoader`'s second positional parameter is `batch_size`, so the label tensor lands there, and the constructor
// fails at once: *"ValueError: batch_size should be a positive integer value, but got batch_size=tensor([...])"*. It
// fails for every tensor, a one-element one included — `BatchSampler` checks `isinstance(batch_size, int)`, and a
// tensor is not an `int`. The message names `batch_size`, not the labels, which is why this bug puzzles people: the
// real mistake is that the loader's dataset is `X_test` alone, and nothing pairs each label with its features. The
// fix is to pair the two tensors in a `TensorDataset` first, which is also what C#'s types force you to do
// (`DataLoader(xTest, yTest)` does not compile: a `Tensor` is not a `Dataset`).
//
// A correct evaluation pass: the model in `eval()` mode (dropout off), no graph (`no_grad`), no shuffling needed, and
// the predicted class is the **index** of the largest logit — PyTorch's `_, predicted = torch.max(outputs, 1)` is
// TorchSharp's `outputs.max(1).indexes`, or simply `argmax(1)`. No softmax is needed for that: it does not change
// which logit is largest.

// Cell 7
var xTest = Features(test);
var yTest = Malignant(test);
var testLoader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(xTest, yTest), batchSize: 64, shuffle: false);

model.eval();
long correct = 0, seen = 0;
using (torch.no_grad())
{
    foreach (var batch in testLoader)
    {
        using var scope = torch.NewDisposeScope();
        var predicted = model.call(batch[0]).max(1).indexes;       // torch.max(outputs, 1) → (values, indexes)
        correct += predicted.eq(batch[1]).sum().item<long>();
        seen += batch[0].shape[0];
    }
}
Console.WriteLine($"test accuracy: {correct}/{seen} = {(double)correct / seen:P1}");

// ## From predictions to metrics
//
// Four counts describe every binary classifier's mistakes. With malignant as "positive":
//
// |  | predicted malignant | predicted benign |
// |---|---|---|
// | **malignant** | true positive (TP) | false negative (FN) — a missed cancer |
// | **benign** | false positive (FP) — a needless biopsy | true negative (TN) |
//
// - **precision** = TP / (TP + FP): of the tumours flagged malignant, how many are;
// - **recall** (sensitivity) = TP / (TP + FN): of the malignant tumours, how many are flagged;
// - **F1** = the harmonic mean of the two, 2·P·R / (P + R);
// - **accuracy** = (TP + TN) / all, which hides the kind of mistake.
//
// The library computes each from label lists, like scikit-learn's functions:

// Cell 9
int[] Labels(Tensor t) => t.cpu().data<long>().Select(v => (int)v).ToArray();
var truth = Labels(yTest);
var probabilityMalignant = EpochMetrics.PositiveClassProbabilities(trainer.Predict(xTest));
var predictedAtHalf = probabilityMalignant.Select(p => p >= 0.5 ? 1 : 0).ToArray();

Console.WriteLine($"accuracy  {ClassificationMetrics.Accuracy(truth, predictedAtHalf):F3}");
Console.WriteLine($"precision {ClassificationMetrics.Precision(truth, predictedAtHalf):F3}");
Console.WriteLine($"recall    {ClassificationMetrics.Recall(truth, predictedAtHalf):F3}");
Console.WriteLine($"F1        {ClassificationMetrics.F1(truth, predictedAtHalf):F3}");
ClassificationReport.Compute(truth, predictedAtHalf).Display();

// The report adds per-class rows and the **macro** (unweighted mean over classes) and **weighted** (by support)
// averages — the same table as scikit-learn's `classification_report`. The confusion matrix as a picture:

// Cell 11
var matrix = ConfusionMatrix.Compute(truth, predictedAtHalf);
Charts.ConfusionMatrix(matrix.ToArray(), ["benign (0)", "malignant (1)"], "Test set, threshold 0.5").Display();

// ## Threshold-free views: ROC and precision–recall curves
//
// A threshold of 0.5 is one choice among many. The **ROC curve** plots recall (true-positive rate) against the
// false-positive rate for every threshold; its area, **ROC AUC**, is the probability that a random malignant tumour
// scores higher than a random benign one. The **precision–recall curve** plots precision against recall; its summary,
// **average precision**, weighs precision at each recall step. With few positives, PR is the more honest view: ROC's
// false-positive rate divides by the (large) number of negatives and stays small even when many of the flagged cases
// are false alarms.

// Cell 13
var roc = RocCurve.Compute(truth, probabilityMalignant);
var pr = PrecisionRecallCurve.Compute(truth, probabilityMalignant);
var averagePrecision = PrecisionRecallCurve.AveragePrecision(truth, probabilityMalignant);
Console.WriteLine($"ROC AUC {roc.Area():F4}, average precision {averagePrecision:F4}, " +
                  $"log loss {ProbabilisticMetrics.LogLoss(truth, probabilityMalignant):F4}");
Chart.Grid([Charts.Roc(roc.FalsePositiveRates, roc.TruePositiveRates, roc.Area()),
            Charts.PrecisionRecall(pr.Recall, pr.Precision, averagePrecision)], nRows: 1, nCols: 2)
     .Titled("Test set: ROC curve (left) and precision–recall curve (right)").Display();

// ## Choosing a decision threshold
//
// Suppose the clinic asks for a recall of at least 98 %: missing a cancer is far worse than an extra biopsy. The
// threshold that delivers it must be chosen on **validation** data — choosing it on the test set and then reporting
// the test recall would grade the model on the answers it was tuned to. Sweep the thresholds on validation data:

// Cell 15
var validationTruth = Labels(Malignant(validation));
var validationScores = EpochMetrics.PositiveClassProbabilities(trainer.Predict(Features(validation)));
double[] thresholds = [.. Enumerable.Range(1, 99).Select(i => i / 100.0)];
(double Precision, double Recall, double F1) At(IReadOnlyList<int> y, double[] scores, double threshold)
{
    var predicted = scores.Select(s => s >= threshold ? 1 : 0).ToArray();
    return (ClassificationMetrics.Precision(y, predicted), ClassificationMetrics.Recall(y, predicted),
            ClassificationMetrics.F1(y, predicted));
}
var sweep = thresholds.Select(t => At(validationTruth, validationScores, t)).ToArray();
// the highest threshold that keeps recall ≥ 98 %
var chosen = thresholds.Zip(sweep).Where(p => p.Second.Recall >= 0.98).Max(p => p.First);
Console.WriteLine($"highest threshold with validation recall ≥ 98 %: {chosen:F2}");
Charts.Lines(thresholds, [("precision", sweep.Select(s => s.Precision).ToArray()), ("recall", sweep.Select(s => s.Recall).ToArray()),
               ("F1", sweep.Select(s => s.F1).ToArray())], "decision threshold on P(malignant)", "validation score",
             title: "Precision, recall and F1 against the decision threshold (validation split)").Display();

// Raising the threshold trades recall for precision: fewer tumours are flagged, the flagged ones are more often
// malignant. Now — once — the test set, at 0.5 and at the chosen threshold:

// Cell 17
new Table(["threshold", "precision", "recall", "F1", "missed cancers", "false alarms"],
    new[] { 0.5, chosen }.Select(t =>
    {
        var (p, r, f) = At(truth, probabilityMalignant, t);
        var predicted = probabilityMalignant.Select(s => s >= t ? 1 : 0).ToArray();
        var m = ConfusionMatrix.Compute(truth, predicted);
        return Table.Row($"{t:F2}", $"{p:F3}", $"{r:F3}", $"{f:F3}", $"{m.Count(1, 0)}", $"{m.Count(0, 1)}");
    }), caption: "Test set").Display();

// If the test ROC AUC above is 1.0, some threshold would have been perfect on the test set — but finding it needs the
// test labels, which is exactly what we may not use. The test numbers will not match the validation ones exactly —
// 114 test samples hold about 42 malignant tumours, so one tumour moves recall by more than two points. That spread
// is the honest uncertainty of a small test set; chapter 05's cross-validation reduces it for model *selection*.
//
// ## Exercises
//
// 1. Compute precision, recall and F1 for the **benign** class with `positiveLabel: 0`, and compare with the report's
//    rows.
//    <details><summary>Hint</summary>
//
//    `ClassificationMetrics.Precision(truth, predictedAtHalf, positiveLabel: 0)`, and the same for `Recall` and `F1`.
//    The three numbers equal the report's row for class 0: each per-class row *is* that class's binary metrics, with
//    that class taken as positive.
//    </details>
// 2. Show that ROC AUC does not change if you replace the probabilities by their logits (or any increasing function
//    of them). Why?
//    <details><summary>Hint</summary>
//
//    `trainer.Predict(xTest)` gives the two logits; the margin z₁ − z₀ is an increasing function of the probability
//    (p = σ(z₁ − z₀)). Turn it into a `double[]` (`.cpu().to(ScalarType.Float64).data<double>().ToArray()`) and call
//    `RocCurve.RocAuc(truth, margin)`: it equals `roc.Area()`. The ROC curve depends only on the *order* of the
//    scores, since every threshold on p is a threshold on z₁ − z₀ and splits the samples the same way. (Only ties can
//    differ: probabilities that round to exactly 1.0 tie where their logits do not.)
//    </details>
// 3. Choose the threshold that maximises validation F1 instead. Which threshold is it, and what does it do to the
//    test recall?
//    <details><summary>Hint</summary>
//
//    `var bestF1 = thresholds.Zip(sweep).MaxBy(p => p.Second.F1).First;`, then `At(truth, probabilityMalignant,
//    bestF1)` on the test set. F1 weighs precision and recall equally, so this threshold need not keep validation
//    recall at 98 %. Whenever it lies above `chosen`, test recall cannot be higher than at `chosen`: raising a
//    threshold only removes positive predictions.
//    </details>
// 4. Evaluate with the hand-written loop but forget `model.eval()` after re-creating the model with `Dropout: 0.5`:
//    how much do two runs differ?
//    <details><summary>Hint</summary>
//
//    Edit the cell that trains the model to use `Dropout: 0.5` and rerun it, then run the evaluation loop twice
//    without `model.eval()`. After `Trainer.Fit` the model is still in training mode (its `Predict` switches to eval
//    mode and back), so each pass draws new dropout masks and the counts of correct predictions usually differ
//    between runs; with `model.eval()` they repeat exactly. On 114 test rows one tumour is almost a point of
//    accuracy.
//    </details>
//
// ## Playground

// Cell 19
// Your experiments here: model, trainer, truth, probabilityMalignant, roc, pr, validationScores and At(...) are defined.
ClassificationReport.Compute(truth, probabilityMalignant.Select(s => s >= chosen ? 1 : 0).ToArray()).Display();

// --- **Previous:** [03 · The training loop](03-training-loop.ipynb) · **Next:** [05 · Grid
// search](05-grid-search.ipynb) · [Chapter list](../README.md#chapters)
