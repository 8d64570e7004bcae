// Generated from notebooks/03-training-loop.ipynb by tools/notebook-to-app.sh: edit the notebook, then regenerate.
// Run from the repository root: dotnet run apps/03-training-loop.cs
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
using System.IO;
using Plotly.NET.CSharp;
using Workbook.Data;
using Workbook.Models;
using Workbook.Notebook;
using Workbook.Training;
using Workbook.Notebook.Apps;   // .Display() on the console

// # 03 · The training loop
//
// Chapters 01 and 02 built a model and a gradient step. This chapter puts them together into the loop every
// supervised model trains with, runs the classic tutorial's experiment — its `SimpleModel` on scikit-learn's
// `make_classification` data — and fixes the bug in its classifier head. Then it hands the loop to the library's
// `Trainer`, saves and resumes a run, and trains on real data: the Wisconsin breast-cancer table.
//
// **What you will learn**
// - why a one-output model trained with `CrossEntropyLoss` cannot learn, and the two correct heads (2 logits +
//   cross-entropy, 1 logit + `BCEWithLogitsLoss`);
// - the training loop line by line: batches, `train()`/`eval()`, `zero_grad`, `backward`, `step`, and dispose scopes
//   so no tensor leaks;
// - a live progress display that updates one output in place, and loss/accuracy curves for training and validation
//   data;
// - saving a checkpoint (model **and** optimizer), loading it, and resuming so the result is identical to an
//   uninterrupted run;
// - why features must be standardised — with statistics from the training set only — shown on real data.
//
// Runs in well under a minute on a laptop CPU.

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

// ## The data
//
// The tutorial calls `make_classification(n_samples=1000, n_features=10, n_informative=5, random_state=42)` and
// `train_test_split(X, y, test_size=0.2, random_state=42)`. The library has a faithful port of both (same algorithm
// and parameters; only the random stream differs from NumPy's, so the numbers are not Python's). The training part is
// split once more: a fifth of it becomes the **validation** set, which every curve and every "when does it level
// off?" in this chapter reads; the test set is looked at once, when training is over (chapter 05 explains why).

// Cell 5
var data = SyntheticData.MakeClassification(samples: 1000, features: 10, informative: 5, seed: 42);
var (trainAndValidation, testSet) = TrainTestSplit.Split(data, testSize: 0.2, seed: 42, stratify: true);
var (trainSet, validationSet) = TrainTestSplit.Split(trainAndValidation, testSize: 0.2, seed: 42, stratify: true);
var (xTrain, yTrain) = trainSet.ToTensors(device);
var (xVal, yVal) = validationSet.ToTensors(device);
var (xTest, yTest) = testSet.ToTensors(device);
string Classes(TabularDataset part) => $"{part.SampleCount} samples, classes {string.Join("/", part.ClassCounts())}";
Console.WriteLine($"train: {Classes(trainSet)}; validation: {Classes(validationSet)}; test: {Classes(testSet)}");

// ## The classic head bug
//
// The tutorial's model ends in `Linear(64 → 1)` and is trained with `CrossEntropyLoss`. Cross-entropy applies a
// softmax over the **class dimension** and takes −log of the target class's probability. With one column there is one
// "class": the softmax of a single number is always 1. Watch what that does:

// Cell 7
torch.manual_seed(0);
var oneOutput = new SimpleModel(new SimpleModelOptions(Outputs: 1));
var logits = oneOutput.call(xTrain[..8]);
var classZero = torch.zeros(8, dtype: ScalarType.Int64, device: device);
Console.WriteLine($"loss when every target is class 0: {nn.functional.cross_entropy(logits, classZero).item<float>()}  (always exactly " +
                  "0: nothing to learn)");
try
{
    nn.functional.cross_entropy(logits, yTrain[..8]).item<float>();
}
catch (Exception e)
{
    Console.WriteLine($"with class-1 targets: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
}

// Class 0 costs nothing whatever the weights, so no gradient flows; class 1 is an index outside the single column.
// (PyTorch raises the same "Target 1 is out of bounds" error; on a GPU it can surface as an opaque device-side
// assert.) There are two correct heads, and they are the same model in different clothes:
//
// | head | loss | targets | probability of class 1 |
// |---|---|---|---|
// | `Linear(64 → 2)`, two logits z₀, z₁ | `CrossEntropyLoss` | class index, int64 `[n]` | softmax(z)₁ = σ(z₁ − z₀) |
// | `Linear(64 → 1)`, one logit z | `BCEWithLogitsLoss` | 0.0 / 1.0, float `[n, 1]` | σ(z) |
//
// `BCEWithLogitsLoss` takes the raw logit (not a sigmoid output): it computes the loss from the logit in a
// numerically stable way. Both heads, one training step each, to see that they do learn:

// Cell 9
torch.manual_seed(0);
var twoLogits = new SimpleModel(new SimpleModelOptions(Outputs: 2));
var ceLoss = nn.functional.cross_entropy(twoLogits.call(xTrain), yTrain);

torch.manual_seed(0);
var oneLogit = new SimpleModel(new SimpleModelOptions(Outputs: 1));
var bceLoss = nn.functional.binary_cross_entropy_with_logits(oneLogit.call(xTrain), yTrain.to(ScalarType.Float32).unsqueeze(1));

Console.WriteLine($"2 logits + cross-entropy: loss {ceLoss.item<float>():F4} at the start (ln 2 = {Math.Log(2):F4} is a coin flip)");
Console.WriteLine($"1 logit + BCE with logits: loss {bceLoss.item<float>():F4} at the start");

// ## The loop, written out
//
// Here is the whole training loop, the tutorial's settings: Adam with η = 0.001, batches of 32 shuffled every epoch
// (TorchSharp's `TensorDataset` and `DataLoader`, as in PyTorch), 10 epochs. Read it once slowly — every line
// matters:
//
// - `model.train()` switches dropout (and batch norm) to training behaviour; `model.eval()` switches it back for
//   measuring. Forgetting `eval()` makes validation numbers noisy and wrong.
// - `optimizer.zero_grad()` clears the gradients of the previous step; they accumulate otherwise.
// - `NewDisposeScope()` frees every tensor made inside the step when the step ends. .NET's garbage collector does not
//   know how much native memory a tensor holds, so without scopes memory grows until the GC happens to run.
// - `no_grad()` around evaluation: no graph is recorded, which is faster and uses less memory.

// Cell 11
torch.manual_seed(42);
var model = new SimpleModel(new SimpleModelOptions(Outputs: 2, Dropout: 0.2)).to(device);
var optimizer = torch.optim.Adam(model.parameters(), lr: 0.001);   // after .to(device): the optimizer holds the moved parameters
var lossFunction = nn.CrossEntropyLoss();
var loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(xTrain, yTrain), batchSize: 32, shuffle: true, seed: 42);

for (var epoch = 1; epoch <= 10; epoch++)
{
    model.train();
    double lossSum = 0;
    foreach (var batch in loader)
    {
        using var scope = torch.NewDisposeScope();
        var (features, labels) = (batch[0], batch[1]);
        optimizer.zero_grad();
        var loss = lossFunction.call(model.call(features), labels);
        loss.backward();
        optimizer.step();
        lossSum += loss.item<float>() * features.shape[0];
    }

    model.eval();
    using (torch.no_grad())
    using (torch.NewDisposeScope())
    {
        var accuracy = model.call(xVal).argmax(1).eq(yVal).to(ScalarType.Float32).mean().item<float>();
        if (epoch % 2 == 0) Console.WriteLine($"epoch {epoch,2}: train loss {lossSum / xTrain.shape[0]:F4}, " +
                                              $"validation accuracy {accuracy:P1}");
    }
}

// > **Question.** The loop prints the *validation* accuracy, never the test accuracy, although here the number
// > changes nothing. Why keep the habit? (Chapter 05: once a number helps you decide anything — when to stop, which
// > run to keep, which learning rate — it has become part of training, and it no longer measures how the model does
// > on new data.)
//
// ## The same loop as a library piece, with a live display
//
// `Workbook.Training.Trainer` is that loop, plus what a real run needs: metrics per epoch for training and validation
// data, a history, a callback per epoch, optional gradient clipping, L1/L2 penalties and early stopping (chapter 06),
// and seeding that makes a run reproducible. Its source (`lib/Training/Trainer.cs`) reads in one screen.
//
// The optimizer is `Optimizers.Adam` from the same folder: TorchSharp's `torch.optim.Adam` with one fault removed. In
// TorchSharp 0.107 a number passed where libtorch expects a scalar (Adam's learning rate, its betas) becomes a
// temporary object that a garbage collection can free while libtorch is still reading it; a long run then fails,
// rarely and at random, with `ExternalException … Scalar.h`. `Optimizers.Adam` takes the same arguments and computes
// the same steps, bit for bit, but holds every such scalar until the call returns (the tests train while another
// thread forces collections). `torch.optim.Adam` is fine for the short runs of these chapters; prefer `Optimizers`
// for long ones.
//
// The callback below updates **one** output in place — a progress bar with the latest numbers — instead of printing a
// line per epoch:

// Cell 13
torch.manual_seed(42);
var network = new SimpleModel(new SimpleModelOptions(Outputs: 2, Dropout: 0.2)).to(device);
var trainer = new Trainer(network, Optimizers.Adam(network.parameters(), lr: 0.001), nn.CrossEntropyLoss(),
                          new TrainingOptions(Epochs: 30, BatchSize: 32, Seed: 42));
trainer.Metrics["accuracy"] = EpochMetrics.Accuracy;

var progress = new ProgressBar("training", 0, 30).Display();
trainer.OnEpoch = epoch => progress.Update(epoch.ToProgressBar(30));
var history = trainer.Fit(xTrain, yTrain, xVal, yVal);
history.Display();

// Cell 14
// Loss and accuracy have different units: one panel each, sharing the epoch axis.
Chart.Grid([history.Plot("loss"), history.Plot("accuracy")], nRows: 1, nCols: 2).Titled("Training history: loss (left), accuracy (right)").Display();

// Losses fall and accuracies rise. The gap between the training and validation curves is the generalisation gap;
// chapter 06 is about making it small. Look for the epoch where the validation accuracy stops improving while the
// training loss still falls: past it, more epochs only memorise noise (chapter 06's early stopping acts on exactly
// that signal). With training over and nothing left to decide, the test set gets its one look:

// Cell 16
network.eval();
using (torch.no_grad())
    Console.WriteLine($"test accuracy, measured once: {EpochMetrics.Accuracy(network.call(xTest), yTest):P1} on {xTest.shape[0]} samples " +
                      $"(validation accuracy of the last epoch: {history.Epochs[^1]["val_accuracy"]:P1})");

// ## Save, load and resume
//
// A checkpoint must hold the **optimizer state** too: Adam keeps two running averages per parameter, and resuming
// with fresh ones restarts its warm-up and changes the run. `trainer.Save` writes model, optimizer and history into
// one file — atomically, via a temporary file renamed over the target, so a crash never leaves half a checkpoint.
//
// The test: train 10 epochs, save, load into a *new* model and optimizer (different initial weights), train 10 more —
// and compare with 20 epochs in one go.

// Cell 18
TrainingOptions tenEpochs = new(Epochs: 10, Seed: 7);
Trainer NewTrainer(int initSeed)
{
    torch.manual_seed(initSeed);
    var m = new SimpleModel(new SimpleModelOptions(Dropout: 0.2)).to(device);
    return new Trainer(m, torch.optim.Adam(m.parameters(), lr: 0.001), nn.CrossEntropyLoss(), tenEpochs);
}

var uninterrupted = NewTrainer(initSeed: 1);
uninterrupted.Options = tenEpochs with { Epochs = 20 };
uninterrupted.Fit(xTrain, yTrain);

var checkpointPath = Path.Combine(Path.GetTempPath(), "workbook-03-checkpoint.bin");
var firstHalf = NewTrainer(initSeed: 1);
firstHalf.Fit(xTrain, yTrain);
firstHalf.Save(checkpointPath);

var resumed = NewTrainer(initSeed: 123);        // different starting weights, to prove the checkpoint replaces them
resumed.Resume(checkpointPath);
resumed.Fit(xTrain, yTrain);

var largest = uninterrupted.Model.parameters().Zip(resumed.Model.parameters())
    .Max(p => (p.First - p.Second).abs().max().item<float>());
Console.WriteLine($"checkpoint: {new FileInfo(checkpointPath).Length / 1024.0:F1} KiB; " +
                  $"epochs after resume: {resumed.History.Epochs.Count}");
Console.WriteLine($"largest parameter difference, resumed vs uninterrupted: {largest}");
File.Delete(checkpointPath);

// Zero: the resumed run is bit-for-bit the uninterrupted one. That needs three things restored — weights, optimizer
// state and the random streams (the `Trainer` seeds each epoch's shuffle and dropout from the seed and the epoch
// number). The same file loads with `Checkpoint.Load(path, model, optimizer)` outside a trainer; a file that is not a
// checkpoint, is truncated, or belongs to another architecture is refused with a message saying which.
//
// ## Real data: breast-cancer diagnosis
//
// The Wisconsin diagnostic breast-cancer table (569 tumours, 30 measurements of cell nuclei, malignant or benign)
// ships in `data/`. Its features span five orders of magnitude — areas in the hundreds, smoothness around 0.1:

// Cell 20
var cancer = Datasets.LoadBreastCancer();
var (cancerTrain, cancerTest) = TrainTestSplit.Split(cancer, testSize: 0.2, seed: 0, stratify: true);
var columns = Enumerable.Range(0, cancer.FeatureCount).Select(c => Enumerable.Range(0,
    cancerTrain.SampleCount).Select(r => cancerTrain.Features[r, c]).ToArray()).ToArray();
new Table(["feature", "min", "max"],
    new[] { 3, 4, 23, 24 }.Select(c => Table.Row(cancer.FeatureNames[c], $"{columns[c].Min():G4}", $"{columns[c].Max():G4}")),
    caption: $"{cancer.SampleCount} samples, classes: {string.Join(", ", cancer.ClassNames)}").Display();

// Gradient descent on raw features is dominated by the large ones: one learning rate cannot suit a weight that
// multiplies 2000 and one that multiplies 0.1 (chapter 02's exercise 2). **Standardising** — subtract each feature's
// mean, divide by its standard deviation — puts them on one scale. The mean and deviation come from the **training
// set only**; computing them on all data leaks information about the validation and test sets into training. The
// comparison itself is a decision (raw or standardised?), so it is read on a validation split of the training set;
// the test split stays untouched for chapter 04.

// Cell 22
// TrainCancer(…) is declared further down, after the variables it uses.

var (cancerFit, cancerValidation) = TrainTestSplit.Split(cancerTrain, testSize: 0.25, seed: 0, stratify: true);
// From cell 22, moved below the variables it uses (a local function may only use variables declared above it):
TrainingHistory TrainCancer(Tensor x, Tensor xValidation)
{
    torch.manual_seed(0);
    var m = new SimpleModel(new SimpleModelOptions(Inputs: 30, HiddenWidths: [32], Outputs: 2)).to(device);
    var t = new Trainer(m, torch.optim.Adam(m.parameters(), lr: 0.001), nn.CrossEntropyLoss(), new TrainingOptions(Epochs: 40, Seed: 0));
    t.Metrics["accuracy"] = EpochMetrics.Accuracy;
    var (_, y) = cancerFit.ToTensors(device);
    var (_, yValidation) = cancerValidation.ToTensors(device);
    return t.Fit(x, y, xValidation, yValidation);
}
var (rawFit, _) = cancerFit.ToTensors(device);
var (rawValidation, _) = cancerValidation.ToTensors(device);
var scaler = new StandardScaler().Fit(cancerFit.Features);            // training statistics only
var raw = TrainCancer(rawFit, rawValidation);
var standardised = TrainCancer(TensorConversion.ToFloat32(scaler.Transform(cancerFit.Features), device),
                               TensorConversion.ToFloat32(scaler.Transform(cancerValidation.Features), device));
Console.WriteLine($"{cancerFit.SampleCount} training and {cancerValidation.SampleCount} validation samples");
Console.WriteLine($"raw features:          validation accuracy {raw.Epochs[^1]["val_accuracy"]:P1}");
Console.WriteLine($"standardised features: validation accuracy {standardised.Epochs[^1]["val_accuracy"]:P1}");
Charts.Curves([("raw, train", raw.Series("loss")), ("raw, validation", raw.Series("val_loss")),
               ("standardised, train", standardised.Series("loss")), ("standardised, validation", standardised.Series("val_loss"))],
              "epoch", "cross-entropy (log scale)", logY: true, title: "Breast-cancer data: raw vs standardised features").Display();

// Same model, same optimizer, same epochs. On raw features the first epochs' loss is an order of magnitude too high
// (huge inputs make huge logits), then it stalls and wobbles; standardised, it keeps falling smoothly, to a fraction
// of the raw run's. Chapter 04 evaluates this classifier properly — accuracy alone is a poor judge of a diagnostic
// test.
//
// ## Exercises
//
// 1. Train the one-logit head with `nn.BCEWithLogitsLoss()` through the `Trainer` (targets must be float `[n, 1]`).
//    `EpochMetrics.Accuracy` handles both heads — read it and say how.
//    <details><summary>Hint</summary>
//
//    `new SimpleModel(new SimpleModelOptions(Outputs: 1, Dropout: 0.2))`, `nn.BCEWithLogitsLoss()` as the trainer's
//    loss, and float targets of shape [n, 1] for training and validation:
//    `yTrain.to(ScalarType.Float32).unsqueeze(1)`. `EpochMetrics.Accuracy` predicts with `PredictedClasses`: the
//    arg-max when there are several columns, `logit > 0` when there is one (σ(z) > 0.5 exactly when z > 0), and it
//    flattens the targets and casts them to int64, so 0.0/1.0 in a column compare like class indices.
//    </details>
// 2. Remove `model.eval()` from the hand-written loop. Print the validation accuracy twice in a row: why do the
//    numbers differ?
//    <details><summary>Hint</summary>
//
//    Without `model.eval()` the model stays in the `train()` mode set at the top of each epoch, so dropout (p = 0.2
//    here) is still on while measuring; `no_grad()` does not switch it off. Every forward pass then draws new masks,
//    the same test rows get slightly different logits, and rows near the decision boundary flip: two accuracy lines
//    in a row usually differ. With `eval()` they are always equal.
//    </details>
// 3. Save a checkpoint with Adam and try to load it into an SGD optimizer. Read the message. Why can't an SGD
//    optimizer use Adam's state?
//    <details><summary>Hint</summary>
//
//    `trainer.Save(path)`, then a new `Trainer` over a fresh `SimpleModel` with `torch.optim.SGD(m.parameters(),
//    learningRate: 0.01)` and `.Resume(path)` (or `Checkpoint.Load(path, model, sgd)`). The load is refused with an
//    `InvalidDataException` that names both optimizer types. Adam's state is two running averages per parameter (of
//    the gradient and of its square) and a step count for the bias correction; SGD keeps at most one momentum buffer.
//    There is no meaningful way to turn one into the other, so silently loading part of it would change the run.
//    </details>
// 4. Standardise the breast-cancer data with statistics of **all** 569 samples instead of the training set. The
//    accuracy hardly moves here — explain why it is still wrong, and when it would matter.
//    <details><summary>Hint</summary>
//
//    `new StandardScaler().Fit(cancer.Features)` instead of `cancerFit.Features`. The validation and test rows then
//    shape the mean and deviation that every training row is scaled by: a little information about them reaches
//    training, and their scores no longer measure data the pipeline has never seen. Here all 569 rows and the
//    training part come from one distribution, so their statistics are nearly the same and the accuracy hardly moves.
//    It matters with small training sets, with test data that differ (later dates, another hospital), and with any
//    preprocessing that learns more than two numbers per column: feature selection, PCA, target encoding.
//    </details>
//
// ## Playground

// Cell 24
// Your experiments here: xTrain/yTrain/xTest/yTest, trainer, history, cancerTrain/cancerTest and scaler are defined.
history.Best("val_accuracy").Display();

// --- **Previous:** [02 · Gradient descent](02-gradient-descent.ipynb) · **Next:** [04 ·
// Evaluation](04-evaluation.ipynb) · [Chapter list](../README.md#chapters)
