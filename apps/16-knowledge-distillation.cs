// Generated from notebooks/16-knowledge-distillation.ipynb by tools/notebook-to-app.sh: edit the notebook, then regenerate.
// Run from the repository root: dotnet run apps/16-knowledge-distillation.cs
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
using System.Diagnostics;
using Plotly.NET.CSharp;
using Workbook.Compression;
using Workbook.Data;
using Workbook.Models;
using Workbook.Notebook;
using Workbook.Training;
using Workbook.Notebook.Apps;   // .Display() on the console

// # 16 · Knowledge distillation
//
// The classic snippet in Python, as it is usually copied:
//
// ```python
// def distillation_loss(student_logits, teacher_logits, labels, T=4.0, alpha=0.7):
//     soft = F.kl_div(F.softmax(student_logits / T), F.softmax(teacher_logits / T))
//     return alpha * soft + (1 - alpha) * F.cross_entropy(student_logits, labels)
// ```
//
// It hides four mistakes (listed, with the fixes, at the end). Chapter 15 made a model smaller by removing weights or
// storing them in fewer bits; distillation trains a *different*, smaller model to imitate a large one. This chapter
// does it in C# with `lib/Compression` on the handwritten digits of chapter 15, and asks the question a user has:
// does the small model end up better than the same small model trained alone — and when?
//
// **What you will learn**
// - the distillation loss: temperature T, weight α, why the T² factor is there, and how `Distillation` runs it
//   through the ordinary `Trainer`;
// - an honest negative result: with all the labels, distillation does not beat the student trained alone on these
//   data, and why;
// - where it pays — few labels and many unlabelled inputs the teacher can score — and how to measure that without
//   leaking labels: a teacher trained on data disjoint from the transfer and validation sets, T and α chosen on
//   validation data, pseudo-labels as the control, the gain against the number of labels;
// - the classic snippet's `kl_div` mistakes.

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

// ## The teacher
//
// Chapter 15's baseline, retrained with the same recipe: the 1 797 digits as 8 × 8 images scaled to 0–1, a quarter
// held out for testing (stratified by class), a `SimpleModel` 64 → 256 → 256 → 10 (about 85 000 parameters) trained
// for 20 epochs with Adam in batches of 64.

// Cell 5
var digits = Datasets.LoadDigits();
var (train, test) = TrainTestSplit.Split(digits, testSize: 0.25, seed: 0, stratify: true);
var (xPixels, y) = train.ToTensors(device);
var (xTestPixels, yTest) = test.ToTensors(device);
var x = xPixels / 16;                                                     // intensities 0..16 → 0..1
var xTest = xTestPixels / 16;
var shape = new SimpleModelOptions(Inputs: 64, HiddenWidths: [256, 256], Outputs: 10);

Trainer NewTrainer(SimpleModel model, int epochs, double lr = 0.001)
{
    var trainer = new Trainer(model, torch.optim.Adam(model.parameters(), lr: lr), nn.CrossEntropyLoss(),
                              new TrainingOptions(Epochs: epochs, BatchSize: 64));
    trainer.Metrics["accuracy"] = EpochMetrics.Accuracy;
    return trainer;
}
double Accuracy(nn.Module<Tensor, Tensor> model)
{
    model.eval();
    using var noGrad = torch.no_grad();
    return EpochMetrics.Accuracy(model.call(xTest), yTest);
}

torch.manual_seed(0);
var baseline = new SimpleModel(shape);
baseline.to(device);
var clock = System.Diagnostics.Stopwatch.StartNew();
NewTrainer(baseline, epochs: 20).Fit(x, y);
var baselineAccuracy = Accuracy(baseline);
Console.WriteLine($"{shape}: {baseline.parameters().Sum(p => p.numel()):N0} parameters, trained in {clock.Elapsed.TotalSeconds:F1} s; " +
                  $"test accuracy {baselineAccuracy:P2} ({test.SampleCount} test digits: one digit is {1.0 / test.SampleCount:P2})");

// ## The distillation loss
//
// A large **teacher** is trained first. A small **student** is then trained on a mix of the teacher's *softened*
// outputs and the true labels:
//
// loss = α · T² · KL(softmax(teacher / T) ‖ softmax(student / T)) + (1 − α) · CE(student, labels)
//
// Dividing logits by a temperature T > 1 flattens both distributions, so the student also learns how the teacher
// ranks the *wrong* classes ("this 7 looks a bit like a 1") — information the one-hot labels do not carry. The T²
// keeps the soft term's gradients the same size at every temperature (they shrink as 1/T² otherwise), so α means the
// same thing whatever T is. `DistillationLoss` computes it (tested against the formula by hand and against PyTorch's
// `kl_div`); `Distillation` runs it through the ordinary `Trainer`: the frozen teacher's logits are computed once and
// packed with the labels into the target tensor, so shuffling, batching and validation work unchanged.
//
// The teacher is the model above, 64 → 256 → 256 → 10 (85 000 parameters); the student is 64 → 16 → 10 (1 210
// parameters), trained alone (cross-entropy) and distilled at three temperatures, each from the same initial weights,
// for the same 30 epochs at the same learning rate.

// Cell 7
var teacher = baseline;                                                  // trained on all 1 347 labelled digits; frozen from here on
var studentShape = shape with { HiddenWidths = [16] };
const int studentEpochs = 30;
long Parameters(nn.Module model) => model.parameters().Sum(p => p.numel());
SimpleModel NewStudent()                                                 // the same initial weights every time
{
    torch.manual_seed(1);
    var student = new SimpleModel(studentShape);
    student.to(device);
    return student;
}
Trainer DistillationTrainer(SimpleModel student, double temperature, double alpha) =>
    new(student, torch.optim.Adam(student.parameters(), lr: 0.003), Distillation.TrainerLoss(new DistillationLoss(temperature, alpha)),
        new TrainingOptions(Epochs: studentEpochs, BatchSize: 64));

var alone = NewStudent();
NewTrainer(alone, studentEpochs, lr: 0.003).Fit(x, y);
var teacherOnTrain = Distillation.TeacherLogits(teacher, x);
List<IReadOnlyList<string>> allLabelRows =
[
    ["teacher 64 → 256 → 256 → 10", $"{Parameters(teacher):N0}", "—", $"{Accuracy(teacher):P2}"],
    ["student 64 → 16 → 10, alone", $"{Parameters(alone):N0}", "0 (labels only)", $"{Accuracy(alone):P2}"],
];
var distilledAccuracies = new List<double>();
foreach (var (t, alpha) in new[] { (1.0, 0.5), (4.0, 0.7), (8.0, 0.9) })
{
    var student = NewStudent();
    DistillationTrainer(student, t, alpha).Fit(x, Distillation.PackTargets(teacherOnTrain, y));
    distilledAccuracies.Add(Accuracy(student));
    allLabelRows.Add([$"student 64 → 16 → 10, distilled at T = {t}", $"{Parameters(student):N0}", $"{alpha}",
                      $"{distilledAccuracies[^1]:P2}"]);
}
new Table(["model", "parameters", "α (weight of the teacher)", "test accuracy"], allLabelRows,
          "All 1 347 labels: one student, alone and distilled (same initial weights, epochs and learning rate)").Display();
var aloneAccuracy = Accuracy(alone);
Console.WriteLine($"this run: the distilled students land {(distilledAccuracies.Min() - aloneAccuracy) * 100:+0.0;-0.0} to " +
                  $"{(distilledAccuracies.Max() - aloneAccuracy) * 100:+0.0;-0.0} points from the student alone (one test digit is " +
                  $"{100.0 / test.SampleCount:F2} points)");

// The line under the table is this run's answer, and a difference of a few test digits either way is within what a
// different seed would change. Why distillation has little to add here: the 1 347 training labels are clean and the
// classes well separated, so the teacher's "dark knowledge" (how much a 7 resembles a 1) says little that the labels
// do not already say; and a 16-unit student cannot reproduce all ten of the teacher's softened logits, so a large
// α·T² term spends its little capacity imitating the teacher's ranking of wrong classes instead of getting the right
// one on top. Distillation pays where those conditions fail: noisy or few labels with plenty of unlabelled data the
// teacher can label (the transfer set), many classes with real similarity structure (ImageNet, language-model
// vocabularies — DistilBERT, distilgpt2), and students large enough to follow. Treat T and α as hyper-parameters to
// tune on validation data (chapter 05), with "α = 0" — training alone — always in the grid. The next experiment
// builds the first of those settings.
//
// ### Where distillation pays: few labels, many unlabelled inputs
//
// The classic setting: the student's owner has only a **few labelled** examples but plenty of **unlabelled** inputs
// (the *transfer set*), and a teacher that can score them. There the soft-target term brings something the labels
// cannot: a target for every input that has no label at all.
//
// **The teacher must not have seen the transfer set.** The tempting set-up — the baseline above as teacher — leaks:
// it was trained on all 1 347 training digits, the "unlabelled" ones included, so its soft targets and top classes on
// them are nearly their true labels, and a student "with 100 labels" would in fact learn from all of them. A teacher
// is somebody else's model, trained on somebody else's data. So the training digits are cut into three **disjoint**
// parts, each stratified by class (`DistillationSplit`; the cell checks that no digit is in two parts, and a unit
// test checks the split):
//
// - **teacher rows** (40 %): the only digits a new teacher, 64 → 256 → 256 → 10, is trained on;
// - **validation rows** (20 %): they only choose T and α — the test split is used once, at the very end;
// - **transfer rows** (the other 40 %): 100 of them keep their labels (about 10 per class); the rest are unlabelled.
//   `Distillation.PartialLabels` sets their label to `DistillationLoss.Unlabelled` (−1): `DistillationLoss` then uses
//   those rows in the KL term only and averages the cross-entropy over the labelled rows of each batch (what
//   PyTorch's `F.cross_entropy(..., ignore_index=-1)` does; the unit tests check the loss and its gradient against
//   PyTorch).
//
// The student trained alone sees the 100 labelled digits; it gets the same number of optimizer steps as the distilled
// students (it runs through its 100 digits many more times), the same initial weights, the same Adam and learning
// rate.

// Cell 9
var poolLabels = y.cpu().data<long>().Select(v => (int)v).ToArray();
var split = DistillationSplit.Stratified(poolLabels, teacherFraction: 0.4, validationFraction: 0.2, seed: 1);
split.EnsureDisjoint();                                                  // throws if any digit were in two parts
Tensor Rows(Tensor t, int[] rows) => t.index_select(0, torch.tensor(rows.Select(r => (long)r).ToArray(), device: device));
var (xTeacher, yTeacher) = (Rows(x, split.TeacherRows), Rows(y, split.TeacherRows));
var (xVal, yVal) = (Rows(x, split.ValidationRows), Rows(y, split.ValidationRows));
var (xFit, yFit) = (Rows(x, split.TransferRows), Rows(y, split.TransferRows));
double ValidationAccuracy(nn.Module<Tensor, Tensor> model)
{
    model.eval();
    using var noGrad = torch.no_grad();
    return EpochMetrics.Accuracy(model.call(xVal), yVal);
}

torch.manual_seed(0);
var fewLabelTeacher = new SimpleModel(shape);                            // same shape as the baseline, but only the teacher rows
fewLabelTeacher.to(device);
NewTrainer(fewLabelTeacher, epochs: 40).Fit(xTeacher, yTeacher);
var teacherOnFit = Distillation.TeacherLogits(fewLabelTeacher, xFit);   // the teacher scores every transfer digit, labelled or not
Console.WriteLine($"{split.TeacherRows.Length} teacher, {split.ValidationRows.Length} validation and {split.TransferRows.Length} " +
                  "transfer digits, no digit in two parts. " +
                  $"The teacher's top class is right on {EpochMetrics.Accuracy(teacherOnFit, yFit):P1} of the transfer digits " +
                  "it never saw.");

// positions of `count` transfer digits that keep their labels, stratified
Tensor LabelledSubset(int count) =>
    torch.tensor(split.LabelledTransferPositions(poolLabels, count, seed: 2).Select(p => (long)p).ToArray(), device: device);
var fewLabelSteps = studentEpochs * (int)Math.Ceiling(xFit.shape[0] / 64.0);
SimpleModel FewLabelsDistilled(Tensor labelledRows, double temperature, double alpha)
{
    var student = NewStudent();
    DistillationTrainer(student, temperature, alpha).Fit(xFit,
        Distillation.PackTargets(teacherOnFit, Distillation.PartialLabels(yFit, labelledRows)));
    return student;
}
SimpleModel TrainedAlone(Tensor features, Tensor labels)                // plain cross-entropy, as many optimizer steps as above
{
    var student = NewStudent();
    var epochs = (int)Math.Ceiling(fewLabelSteps / Math.Ceiling(features.shape[0] / 64.0));
    NewTrainer(student, epochs, lr: 0.003).Fit(features, labels);
    return student;
}
SimpleModel FewLabelsAlone(Tensor labelledRows) => TrainedAlone(xFit.index_select(0, labelledRows), yFit.index_select(0, labelledRows));

// Choose T and α on the validation rows.
var hundred = LabelledSubset(100);
clock.Restart();
var grid = new List<(double T, double Alpha, SimpleModel Student, double Validation)>();
foreach (var t in new[] { 1.0, 4.0 })
    foreach (var alpha in new[] { 0.5, 0.9 })
    {
        var student = FewLabelsDistilled(hundred, t, alpha);
        grid.Add((t, alpha, student, ValidationAccuracy(student)));
    }
var chosen = grid.MaxBy(g => g.Validation);                              // ties: the first in grid order
var fewDistilled = chosen.Student;
var aloneOnHundred = FewLabelsAlone(hundred);
Console.WriteLine($"{grid.Count + 1} students in {clock.Elapsed.TotalSeconds:F1} s; chosen on validation: T = {chosen.T}, " +
                  $"α = {chosen.Alpha}");
new Table(["T", "α", "validation accuracy"],
          [.. grid.Select(g => Table.Row($"{g.T}", $"{g.Alpha}", $"{g.Validation:P2}")),
           ["—", "0 (alone, 100 labels)", $"{ValidationAccuracy(aloneOnHundred):P2}"]],
          $"Student 64 → 16 → 10 with 100 labels: choosing T and α on {xVal.shape[0]} validation digits").Display();

// Now the test split, once: the chosen distilled student against the student alone on its 100 labels — and a third
// student in between, trained with plain cross-entropy on the teacher's **arg-max** labels for all the transfer
// digits (its own 100 true labels kept): *pseudo-labelling*, which uses the transfer set but throws away everything
// in the teacher's output except the top class.

// Cell 11
var pseudoLabels = torch.where(Distillation.PartialLabels(yFit, hundred).ne(DistillationLoss.Unlabelled), yFit, teacherOnFit.argmax(1));
var fewPseudo = TrainedAlone(xFit, pseudoLabels);
var unlabelled = split.TransferRows.Length - 100;
var (aloneTest, pseudoTest, distilledTest) = (Accuracy(aloneOnHundred), Accuracy(fewPseudo), Accuracy(fewDistilled));
new Table(["model", "parameters", "trained on", "test accuracy"],
[
    ["teacher 64 → 256 → 256 → 10", $"{Parameters(fewLabelTeacher):N0}", $"its own {split.TeacherRows.Length} labelled digits",
     $"{Accuracy(fewLabelTeacher):P2}"],
    ["student 64 → 16 → 10, alone", $"{Parameters(aloneOnHundred):N0}", "100 labels", $"{aloneTest:P2}"],
    ["student 64 → 16 → 10, pseudo-labels", $"{Parameters(fewPseudo):N0}", $"100 labels + teacher's top class on {unlabelled} unlabelled",
     $"{pseudoTest:P2}"],
    ["student 64 → 16 → 10, distilled", $"{Parameters(fewDistilled):N0}",
     $"100 labels + teacher (T = {chosen.T}, α = {chosen.Alpha}) on all {split.TransferRows.Length}", $"{distilledTest:P2}"],
], "Few labels, many unlabelled inputs: same student, same seed, same optimizer steps").Display();
Console.WriteLine($"this run: distillation {(distilledTest - aloneTest) * 100:+0.0;-0.0} points over the student alone, " +
                  $"pseudo-labels {(pseudoTest - aloneTest) * 100:+0.0;-0.0}; " +
                  $"distilled minus pseudo-labels {(distilledTest - pseudoTest) * 100:+0.0;-0.0} (one test digit is " +
                  $"{100.0 / test.SampleCount:F2} points)");

// How large the gain is, the line under the table says for this run. Where there is one, these are its sources:
//
// - **The teacher's outputs are targets where there are no labels.** With 100 labels the student sees 100 points of a
//   64-dimensional input space; its 1 210 parameters fit them perfectly and guess in between. The transfer set gives
//   it a target on every other transfer digit — the teacher's knowledge about inputs nobody labelled. In the first
//   experiment every training digit already had its label, so the teacher had nothing to say about an input that the
//   label did not already say, except how it ranks the wrong classes.
// - **Soft targets regularise.** A student that must also match the teacher's whole output on every input cannot
//   memorise its 100 examples; the hard term alone (α = 0) would.
// - **Softness or transfer set?** The pseudo-label student is the control: it gets the same unlabelled digits but
//   only the teacher's top class. When it lands within a digit or two of the distilled student (compare the two in
//   the line above), the gain came from having targets on more inputs, not from the ranking of the wrong classes. At
//   T = 1 the teacher's confident softmax is nearly one-hot, so distillation there is close to pseudo-labelling
//   anyway. With ten well-separated classes that ranking carries little; it matters where classes share structure
//   (Hinton et al.'s speech model, which kept most of its accuracy from soft targets on 3 % of the data; ImageNet;
//   language-model vocabularies).
// - **The teacher caps it.** The teacher is right on only the share of transfer digits printed where the split was
//   made, and its mistakes reach the student as confidently as its right answers. A teacher trained on the transfer
//   digits would look right on all of them — the leak this split prevents — and the gain would look larger than any
//   real user could get.
//
// How the gain depends on the number of labels, with the T and α chosen above (no further choice is made, so the test
// split may be shown):

// Cell 13
clock.Restart();
int[] labelCounts = [50, 100, 200, 400];
var byCount = labelCounts.Select(n =>
{
    var rows = n == 100 ? hundred : LabelledSubset(n);
    return (Alone: n == 100 ? aloneTest : Accuracy(FewLabelsAlone(rows)),
            Distilled: n == 100 ? distilledTest : Accuracy(FewLabelsDistilled(rows, chosen.T, chosen.Alpha)));
}).ToList();
Console.WriteLine($"{2 * (labelCounts.Length - 1)} more students in {clock.Elapsed.TotalSeconds:F1} s");
Console.WriteLine(string.Join("\n", labelCounts.Zip(byCount,
    (n, r) => $"{n,4} labels: alone {r.Alone:P2}, distilled {r.Distilled:P2} ({(r.Distilled - r.Alone) * 100:+0.0;-0.0} points)")));
Chart.Combine([
        Chart.Line<int, double, string>(x: labelCounts, y: byCount.Select(r => r.Alone), ShowMarkers: true,
                                        Name: "student alone on the labels"),
        Chart.Line<int, double, string>(x: labelCounts, y: byCount.Select(r => r.Distilled), ShowMarkers: true,
            Name: $"distilled (T = {chosen.T}, α = {chosen.Alpha}) + teacher on all {split.TransferRows.Length}"),
     ])
     .WithXAxisStyle<double, double, string>(TitleText: "labelled transfer digits")
     .WithYAxisStyle<double, double, string>(TitleText: "test accuracy")
     .Titled("Student 64 → 16 → 10: what the teacher adds as labels get scarce").Display();

// Read the lines above the chart. The student alone climbs as labels are added, while the distilled student is held
// near what its teacher's labelling of the transfer digits allows, so expect the gap to be widest where labels are
// scarcest and to close as they grow: the value of a teacher's outputs on unlabelled inputs is the information the
// labels do not yet carry. With every training digit labelled (the first experiment) nothing of it is left, and what
// remains — the ranking of the wrong classes — did not pay on these data.
//
// **The classic snippet's distillation mistakes.**
// 1. `F.kl_div(input, target)` expects `input` as **log**-probabilities; passing `F.softmax(...)` computes a
//    meaningless quantity (it can even be negative). Use `F.log_softmax(student / T)` — also the numerically stable
//    choice; never `log(softmax(...))`, which underflows to −∞.
// 2. Without the `T²` factor the soft term's gradients are T² = 16 times smaller at T = 4: α = 0.7 then means almost
//    pure hard-label training.
// 3. `kl_div`'s default `reduction="mean"` averages over batch *and* classes — the KL divided by the class count; the
//    true per-sample KL needs `reduction="batchmean"`.
// 4. The teacher must run in `eval()` mode under `no_grad()` (dropout off, no graph kept, no gradient into it);
//    `Distillation.TeacherLogits` does both, and the unit test checks the teacher's weights are untouched.

// ## Exercises
//
// 1. Which part of the teacher helped the 100-label student: its labels or its dark knowledge? Shrink the transfer
//    set to 200 unlabelled digits (`LabelledSubset` gives stratified rows) and compare pseudo-labels with
//    distillation at T = 1, 4 and 8, choosing on the validation split. Then flip 20 % of the 100 true labels to a
//    random wrong class: which of the three students (alone, pseudo-labels, distilled) suffers least, and which α
//    would you pick now?
//    <details><summary>Hint</summary>
//
//    Build the smaller transfer set from `xFit`/`yFit`/`teacherOnFit` with the same `index_select` rows for all three
//    tensors, and never draw it from the teacher rows (`split.TeacherRows`): that would bring back the leak this
//    chapter removes. For the noisy labels, change `yFit` only at the 100 labelled positions; a larger α trusts the
//    teacher more and the corrupted labels less.
//    </details>
// 2. Quantize the distilled student and the teacher to int8 with `DynamicQuantization.QuantizeLinearLayers` (chapter
//    15) and set accuracy against file size. Which gives the most accuracy per byte: the int8 teacher, the float32
//        student or the int8 student?
//    <details><summary>Hint</summary>
//
//    `QuantizeLinearLayers` converts in place, so quantize a copy: `var copy = new SimpleModel(model.Options);
//    copy.to(device); copy.load_state_dict(model.state_dict());`. `QuantizedCheckpoint.Save(path, copy)` writes the
//    int8 file, `Workbook.Safetensors.SafetensorsWriter.Save(path, model.state_dict())` the float32 one, and `new
//    FileInfo(path).Length` reads a size; `Accuracy(copy)` works on both.
//    </details>
// 3. Remove the T² factor from the loss (write the soft term with `nn.functional.kl_div` on `log_softmax`, as in the
//    classic snippet's fix, but without multiplying by T²) and rerun the all-labels table at T = 8. What happens to
//    the distilled student, and why does α no longer mean what it says?
//    <details><summary>Hint</summary>
//
//    The soft term's gradient shrinks as 1/T², so at T = 8 it is 64 times smaller than the hard term's for the same
//    α: the student trains almost on the labels alone. Compare with the α = 0 row.
//    </details>
//
// ## Playground

// Cell 16
// Your experiments here: x, y, xTest, yTest, NewTrainer, Accuracy, teacher, studentShape, NewStudent, DistillationTrainer
// and, for the few-label experiment, split (teacher/validation/transfer rows), fewLabelTeacher, teacherOnFit, xFit, yFit,
// xVal, yVal, LabelledSubset, FewLabelsDistilled, FewLabelsAlone, TrainedAlone.
new Table(["labelled digits", "student alone", "distilled"],
    labelCounts.Zip(byCount, (n, r) => Table.Row($"{n}", $"{r.Alone:P2}", $"{r.Distilled:P2}"))).Display();

// --- **Previous:** [15 · Model compression](15-model-compression.ipynb) · **Next:** [17 · Distributed data-parallel
// training](17-distributed-data-parallel.ipynb) · [Chapter list](../README.md#chapters)
