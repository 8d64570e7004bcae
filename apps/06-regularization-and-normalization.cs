// Generated from notebooks/06-regularization-and-normalization.ipynb by tools/notebook-to-app.sh: edit the notebook, then regenerate.
// Run from the repository root: dotnet run apps/06-regularization-and-normalization.cs
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
using Workbook.Models;
using Workbook.Notebook;
using Workbook.Training;
using Workbook.Notebook.Apps;   // .Display() on the console

// # 06 · Regularization and normalization
//
// A network with enough parameters can memorise its training set, noise included, and then does worse on new data
// than a simpler one would. This chapter builds a problem where that happens on purpose — few samples, noisy labels,
// a wide network — and measures what each classic remedy does to the gap between training and validation accuracy.
//
// **What you will learn**
// - how overfitting shows up in the curves: training loss falling, validation loss turning up;
// - dropout; L1 and L2 penalties; L2 as weight decay, and why Adam + L2 is not AdamW (decoupled decay);
// - batch norm and layer norm, and input standardisation;
// - early stopping that restores the best weights;
// - data augmentation for tabular data: Gaussian noise injection, as a small module written inline;
// - all of them compared in one table and one plot.
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

// ## A problem built to overfit
//
// 200 samples with 20 features of which only 5 carry signal, 10 % of the labels flipped at random, and features on
// wildly different scales (scikit-learn's `scale=None` multiplies each by a random factor between 1 and 101). Half
// the samples train, half validate. The network is wide: two hidden layers of 256 units, about 72 000 parameters for
// 100 training samples.

// Cell 5
var noisy = SyntheticData.MakeClassification(samples: 200, features: 20, informative: 5, redundant: 2, flipY: 0.1, shift: null,
                                             scale: null, seed: 3);
var (train, validation) = TrainTestSplit.Split(noisy, testSize: 0.5, seed: 3, stratify: true);
var scaler = new StandardScaler().Fit(train.Features);
var (xRaw, y) = train.ToTensors(device);
var (xValidationRaw, yValidation) = validation.ToTensors(device);
var x = TensorConversion.ToFloat32(scaler.Transform(train.Features), device);
var xValidation = TensorConversion.ToFloat32(scaler.Transform(validation.Features), device);

const int epochs = 100;
var trainedModels = new List<nn.Module<Tensor, Tensor>>();                   // every model Train made, in order
TrainingHistory Train(SimpleModelOptions shape, Func<IEnumerable<TorchSharp.Modules.Parameter>, torch.optim.Optimizer> optimizer = null,
                      TrainingOptions options = null, bool standardise = true,
                      Func<nn.Module<Tensor, Tensor>, nn.Module<Tensor, Tensor>> wrap = null)
{
    torch.manual_seed(0);                                                    // the same initial weights for every technique
    nn.Module<Tensor, Tensor> model = new SimpleModel(shape with { Inputs = 20 });
    if (wrap is not null) model = wrap(model);
    model.to(device);
    var trainer = new Trainer(model, (optimizer ?? (p => torch.optim.Adam(p, lr: 0.001)))(model.parameters()), nn.CrossEntropyLoss(),
                              options ?? new TrainingOptions(Epochs: epochs, BatchSize: 32, Seed: 0));
    trainer.Metrics["accuracy"] = EpochMetrics.Accuracy;
    trainedModels.Add(model);
    return standardise ? trainer.Fit(x, y, xValidation, yValidation) : trainer.Fit(xRaw, y, xValidationRaw, yValidation);
}

var wide = new SimpleModelOptions(HiddenWidths: [256, 256]);
var baseline = Train(wide);
// Loss and accuracy have different units: one panel each, sharing the epoch axis.
Chart.Grid([baseline.Plot("loss"), baseline.Plot("accuracy")], nRows: 1, nCols: 2).Titled("Baseline: loss (left), accuracy (right)").Display();

// The signature of overfitting: training loss keeps falling toward zero and training accuracy reaches 100 %, while
// validation loss bottoms out early and then **rises** — the model grows ever more confident about the noise it
// memorised. Validation accuracy stalls well below training accuracy. Each remedy below attacks this gap.
//
// ## Dropout
//
// During training, dropout zeroes each hidden unit with probability p and scales the survivors by 1/(1−p); at
// evaluation it does nothing. No unit can rely on a particular partner, which discourages memorised co-adaptations.
// The tutorial's second model used p = 0.2; 0.5 is the classic choice for wide layers.

// Cell 7
var results = new List<(string Technique, TrainingHistory History)> { ("baseline", baseline) };
results.Add(("dropout 0.5", Train(wide with { Dropout = 0.5 })));

// ## L1 and L2 penalties, and weight decay
//
// A penalty adds a cost for large weights to the loss: **L2** adds λ·Σw² (pulling every weight toward zero in
// proportion to its size), **L1** adds λ·Σ|w| (a constant pull of λ·sign(w), whatever the weight's size, so weights
// the data does not defend are pushed all the way to zero — a sparse model). With plain gradient steps, Adam's
// included, "zero" means tiny: a weight that crosses zero gets pulled back the other way, so it jitters around zero
// instead of landing on it. Exact zeros need a step that can stop there (soft-thresholding, as Lasso solvers do). The
// cell below counts the weights that end up within 10⁻³ of zero. The `Trainer` adds them over the weight matrices
// only (biases and norm gains are not penalised).
//
// **Weight decay** is L2 built into the optimizer: SGD's update w ← w − η(∇J + wd·w) equals an L2 penalty with λ =
// wd/2. For **Adam** the two are *not* the same thing done well. `Adam(weight_decay: wd)` adds wd·w to the gradient,
// and Adam then divides the whole gradient by its running root-mean-square — so weights with large gradients are
// barely decayed. **AdamW** ("a more sophisticated optimizer", says the tutorial; it is really a fix) *decouples* the
// decay: it applies w ← w − η·wd·w directly, outside the adaptive scaling, so every weight decays at the same rate.
// The two `weight_decay` numbers therefore live on different scales. AdamW shrinks every weight by the factor (1 −
// η·wd) per step: with η = 0.001 and this run's 400 steps, wd = 5 shrinks a weight no gradient defends to e⁻² ≈ 14 %
// of its size. Adam with the same wd = 5 added to its gradients would wipe out the signal altogether (exercise 2
// shows it).

// Cell 9
results.Add(("L1 penalty 1e-2", Train(wide, options: new TrainingOptions(Epochs: epochs, Seed: 0, L1: 1e-2))));
var l1Model = trainedModels[^1];
results.Add(("L2 penalty 1e-1", Train(wide, options: new TrainingOptions(Epochs: epochs, Seed: 0, L2: 1e-1))));
var l2Model = trainedModels[^1];
string NearZero(nn.Module<Tensor, Tensor> model)                             // weight matrices only, as the penalties
{
    var weights = torch.cat(model.parameters().Where(p => p.dim() == 2).Select(p => p.detach().flatten()).ToArray());
    var small = weights.abs().lt(1e-3).sum().item<long>();
    var exact = weights.eq(0).sum().item<long>();
    return $"{(double)small / weights.numel():P1} of {weights.numel():N0} weights within 1e-3 of zero ({exact} exactly zero)";
}
Console.WriteLine($"baseline: {NearZero(trainedModels[0])}\nL1:       {NearZero(l1Model)}\nL2:       {NearZero(l2Model)}");
results.Add(("Adam + L2 (weight_decay 0.1)", Train(wide, p => torch.optim.Adam(p, lr: 0.001, weight_decay: 0.1))));
results.Add(("AdamW (decoupled, weight_decay 5)", Train(wide, p => torch.optim.AdamW(p, lr: 0.001, weight_decay: 5))));

// ## Normalization layers and input standardisation
//
// **Batch norm** normalises each hidden unit over the batch (then rescales with learned γ, β); during evaluation it
// uses running averages collected in training, which is one more reason `eval()` matters. **Layer norm** normalises
// each sample over its units and behaves the same in training and evaluation. Both mainly make optimisation easier;
// batch norm's batch-to-batch noise also regularises a little.
//
// **Input standardisation** is the same idea applied to the data (chapter 03). Every run above used standardised
// inputs; here is the baseline on the raw ones for comparison.

// Cell 11
results.Add(("batch norm", Train(wide with { Normalization = Normalization.BatchNorm })));
results.Add(("layer norm", Train(wide with { Normalization = Normalization.LayerNorm })));
results.Add(("raw inputs (not standardised)", Train(wide, standardise: false)));

// ## Early stopping
//
// The simplest remedy uses the validation curve directly: stop when validation loss has not improved for a while (the
// *patience*), and put back the weights from the best epoch. The history records where it stopped and which epoch's
// weights the model now holds.
//
// (Strictly, early stopping *chooses* an epoch count on the validation set, so that set is no longer an unbiased
// judge — chapter 05's point. A separate test set would give the final number.)

// Cell 13
var early = Train(wide, options: new TrainingOptions(Epochs: epochs, Seed: 0, EarlyStopping: new EarlyStopping("val_loss", Patience: 10)));
results.Add(("early stopping (patience 10)", early));
Console.WriteLine($"stopped after epoch {early.StoppedEpoch}, weights of epoch {early.RestoredEpoch} restored");

// ## Data augmentation: noise injection
//
// Images are augmented by crops and flips; tabular data has no such symmetries, but small **Gaussian noise** on the
// inputs says "nearby points have the same label", which smooths the decision boundary. It must act in training only.
// A layer that does this is short enough to write here — the definition is the lesson: `training` is the flag
// `train()` and `eval()` set.

// Cell 15
results.Add(("noise injection σ = 1", Train(wide, wrap: m => nn.Sequential(("noise", new GaussianNoise(1.0)), ("model", m)))));

// ## All techniques side by side
//
// For each: final training and validation accuracy, their gap, the final validation loss, and the best validation
// accuracy reached at any epoch (note that picking the best epoch by it is itself a selection).

// Cell 17
string Percent(double v) => $"{v:P1}";
new Table(["technique", "train accuracy", "validation accuracy", "gap", "final validation loss", "best validation accuracy"],
    results.Select(r =>
    {
        var last = r.History.Epochs[^1];
        if (r.History.RestoredEpoch is { } restored) last = r.History.Epochs[restored - 1];   // the weights the model ended with
        return Table.Row(r.Technique, Percent(last["accuracy"]), Percent(last["val_accuracy"]),
            Percent(last["accuracy"] - last["val_accuracy"]), $"{last["val_loss"]:F3}", Percent(r.History.Series("val_accuracy").Max()));
    }), caption: $"{train.SampleCount} training samples, {epochs} epochs, 10 % label noise").Display();

// Cell 18
var names = results.Select(r => r.Technique).ToArray();
// The epoch whose weights were kept: the restored one under early stopping, else the last.
double AtKeptEpoch(TrainingHistory h, string key) => h.Epochs[(h.RestoredEpoch ?? h.Epochs.Count) - 1][key];
Chart.Combine([
        Chart.Column<double, string, string>(results.Select(r => AtKeptEpoch(r.History, "accuracy")), Keys: names, Name: "train"),
        Chart.Column<double, string, string>(results.Select(r => AtKeptEpoch(r.History, "val_accuracy")), Keys: names, Name: "validation")])
     .WithXAxisStyle<double, double, string>(TitleText: "technique")
     .WithYAxisStyle<double, double, string>(TitleText: "accuracy")
     .Titled("Train vs validation accuracy at the end of training").Display();

// Cell 19
// The table in words: each technique against the baseline, in this run.
EpochRecord Final(TrainingHistory h) => h.Epochs[(h.RestoredEpoch ?? h.Epochs.Count) - 1];   // the weights the model ended with
double Gap(TrainingHistory h) => Final(h)["accuracy"] - Final(h)["val_accuracy"];
var reference = results[0].History;
var others = results.Skip(1).ToList();
string Names(IEnumerable<(string Technique, TrainingHistory History)> set) => string.Join(", ",
    set.Select(r => r.Technique)) is { Length: > 0 } s ? s : "none";
Console.WriteLine($"baseline: gap {Gap(reference):P1}, final validation loss {Final(reference)["val_loss"]:F3} (best epoch's: " +
                  $"{reference.Series("val_loss").Min():F3})");
Console.WriteLine($"narrower gap than the baseline:  {Names(others.Where(r => Gap(r.History) < Gap(reference)))}");
Console.WriteLine($"same or wider gap:               {Names(others.Where(r => Gap(r.History) >= Gap(reference)))}");
Console.WriteLine("lower final validation loss: " +
                  $"    {Names(others.Where(r => Final(r.History)["val_loss"] < Final(reference)["val_loss"]))}");

// How to read it: the baseline's train bar is near 100 % while validation trails — that distance is the overfitting,
// and its final validation loss, far above its best epoch's, is the model's misplaced confidence. The lines above
// sort this run's techniques by what they did to the gap and to the validation loss. What to expect, and why:
// penalties, weight decay, noise injection and early stopping all pull against memorising, so they tend to narrow the
// gap; dropout alone often cannot stop a network this wide from memorising 100 samples within 100 epochs; and batch
// norm makes optimisation *easier*, so it can widen the gap rather than close it. Regularizers are not
// interchangeable, and their strength matters as much as their choice. With 100 validation samples, one sample is one
// point of accuracy, so differences of a couple of points are noise — the validation *loss* column separates the
// techniques more clearly. None of the strengths above was tuned: chapter 05's grid search is how you would.
//
// ## Exercises
//
// 1. Sweep the dropout probability over 0, 0.1, …, 0.7 and plot validation accuracy against it.
//    <details><summary>Hint</summary>
//
//    ```csharp
//    double[] rates = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7];
//    var sweep = rates.Select(p => Train(wide with { Dropout = p })).ToList();
//    Chart.Line<double, double, string>(x: rates, y: sweep.Select(h => h.Epochs[^1]["val_accuracy"]), ShowMarkers: true)
//    ```
//    Eight runs of 100 epochs. With 100 validation samples one sample is a point of accuracy, so plot the final
//    `val_loss` beside it (or the best `val_accuracy`, remembering that picking the best epoch is a selection too).
//    </details>
// 2. Give Adam `weight_decay: 5` (AdamW's value here) and AdamW `weight_decay: 0.1` (Adam's). What happens, and why?
//    <details><summary>Hint</summary>
//
//    `Train(wide, p => torch.optim.Adam(p, lr: 0.001, weight_decay: 5))` and `Train(wide, p => torch.optim.AdamW(p,
//    lr: 0.001, weight_decay: 0.1))`. Adam adds 5·w to every gradient, which swamps the data's gradient for all but
//    tiny weights, and its adaptive scaling still moves every weight about η per step: the weights are held near
//    zero, the logits are nearly constant, and accuracy drops towards chance, the loss towards ln 2. AdamW at 0.1
//    shrinks a weight by (1 − 0.001·0.1) per step, about 4 % over the 400 steps: expect almost the baseline.
//    </details>
// 3. Combine dropout 0.5, AdamW and noise injection. Does the gap close further? Does validation accuracy improve?
//    <details><summary>Hint</summary>
//
//    Everything composes in one call: `Train(wide with { Dropout = 0.5 }, p => torch.optim.AdamW(p, lr: 0.001,
//    weight_decay: 5), wrap: m => nn.Sequential(("noise", new GaussianNoise(1.0)), ("model", m)))`. Add it to
//    `results` and rerun the table and chart cells. Compare the gap *and* the validation loss with each technique
//    alone; regularizers that each help can overshoot together (the model underfits: training accuracy falls too).
//    </details>
// 4. Double the training set (`samples: 400`). Which technique's benefit shrinks the most?
//    <details><summary>Hint</summary>
//
//    Change `samples: 200` to `400` in the data cell and rerun the chapter: 200 samples train, 200 validate. Measure
//    each technique's benefit as its validation accuracy (and loss) minus the baseline's, in both runs. More data
//    make memorising harder, so the baseline's gap usually shrinks, leaving less for every remedy to fix. Note that
//    each epoch now takes 7 steps instead of 4, so AdamW's total decay, (1 − η·wd)^steps, grows too.
//    </details>
//
// ## Playground

// Cell 21
// Your experiments here: x, y, xValidation, yValidation, wide, Train(...) and results are defined.
Train(wide with { Dropout = 0.3, HiddenWidths = [64] }).Plot("loss").Display();

// --- **Previous:** [05 · Grid search](05-grid-search.ipynb) · **Next:** [07 · Convolutional
// networks](07-convolutional-networks.ipynb) · [Chapter list](../README.md#chapters)

// Types the cells declare: C# puts type declarations after the top-level statements.

// From cell 15
public sealed class GaussianNoise : nn.Module<Tensor, Tensor>
{
    private readonly double standardDeviation;
    public GaussianNoise(double standardDeviation) : base(nameof(GaussianNoise)) => this.standardDeviation = standardDeviation;
    public override Tensor forward(Tensor input) => training ? input + standardDeviation * torch.randn_like(input) : input;
}
