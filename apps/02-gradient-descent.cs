// Generated from notebooks/02-gradient-descent.ipynb by tools/notebook-to-app.sh: edit the notebook, then regenerate.
// Run from the repository root: dotnet run apps/02-gradient-descent.cs
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
using Workbook.Notebook;
using Plotly.NET.CSharp;
using Workbook.Notebook.Apps;   // .Display() on the console

// # 02 · Gradient descent: batch, mini-batch and stochastic
//
// Every model in this workbook learns the same way: compute a loss, ask autograd for its gradient, step the
// parameters downhill. This chapter writes that step out by hand for linear regression, then shows that
// `torch.optim.SGD` does exactly the same thing — to the last bit.
//
// **What you will learn**
// - the update rule θ ← θ − η · ∇θ J(θ), and what changes between full-batch, mini-batch and stochastic gradient
//   descent;
// - how to write a gradient step with autograd and `no_grad`, and that it equals `torch.optim.SGD` step for step;
// - what a learning rate that is too small, about right, or too large does to the loss curve;
// - how momentum, Adagrad and Adam change the path, compared on one plot;
// - why the classic snippet's `optim.SGD(MyModel.parameters(), lr=0.01)` is a bug, and what C# says about it.
//
// Runs in a few seconds on a laptop CPU.

// Cell 2
// Every chapter starts with this cell. It loads the workbook library (lib/, built by the README's set-up), then
// TorchSharp, the native libtorch for this machine (CUDA when an NVIDIA GPU is present; WORKBOOK_TORCH_BACKEND=cpu|cuda
// forces either) and the library's packages at the versions the repository pins — one line of output, not a list per package.
// In the notebook: #r "../lib/bin/Workbook.dll" (here the #:project line at the top)
// Notebook only: using Microsoft.DotNet.Interactive; (an app's .Display() comes from Workbook.Notebook.Apps)
// In the notebook: await Workbook.Notebook.ChapterSetup.LoadAsync(Kernel.Root);
// An app cannot add packages while it runs: its build chose the native libtorch (apps/Directory.Build.targets).
Workbook.Notebook.AppSetup.Load();

// ## The problem: linear regression with mean squared error
//
// Data from a known linear rule plus noise, y = X·w + b + ε, with 10 features — so we can check what the model learns
// against the truth. The model is the classic snippet's `Linear(10 → 1)`; the loss is the mean squared error J(θ) =
// (1/n) Σ (ŷᵢ − yᵢ)².

// Cell 4
var device = Workbook.Notebook.ChapterSetup.Device;   // chosen by the first cell

torch.manual_seed(42);
const int samples = 1000, features = 10;
var X = torch.randn(samples, features);
var trueWeights = torch.randn(features, 1);
const float trueBias = 0.5f;
var y = X.matmul(trueWeights) + trueBias + 0.1 * torch.randn(samples, 1);

// One starting point for every run below, so the curves differ only by the method.
torch.manual_seed(0);
var initialState = nn.Linear(features, 1).state_dict();
nn.Module<Tensor, Tensor> FreshModel()
{
    var model = nn.Linear(features, 1);
    model.load_state_dict(initialState);
    return model;
}
Console.WriteLine($"X: [{string.Join(", ", X.shape)}], y: [{string.Join(", ", y.shape)}]");

// ## Three flavours of gradient descent
//
// All three apply θ ← θ − η · ∇θ J(θ). They differ in **how many samples** estimate the gradient before each step:
//
// | method | samples per step | steps per epoch | gradient |
// |---|---|---|---|
// | batch (full-batch) gradient descent | all *n* | 1 | exact, expensive |
// | mini-batch gradient descent | *B* (e.g. 32) | ⌈*n*/*B*⌉ | noisy estimate, cheap, vectorised |
// | stochastic gradient descent (SGD) | 1 | *n* | very noisy, cheapest per step |
//
// "SGD" in deep-learning libraries — `torch.optim.SGD` included — means the update rule, whatever the batch size you
// feed it. The function below is the whole algorithm; the lesson is in its four lines inside the loop.

// Cell 6
List<double> GradientDescent(int batchSize, double learningRate, int epochs, int seed = 1)
{
    var model = FreshModel();
    var generator = new torch.Generator((ulong)seed);
    var lossPerEpoch = new List<double>();
    for (var epoch = 0; epoch < epochs; epoch++)
    {
        var order = torch.randperm(samples, generator: generator);
        for (var start = 0; start < samples; start += batchSize)
        {
            using var scope = torch.NewDisposeScope();
            var batch = order[start..Math.Min(start + batchSize, samples)];
            var loss = nn.functional.mse_loss(model.call(X[batch]), y[batch]);   // J(θ) on this batch
            loss.backward();                                                       // ∇θ J(θ) into .grad
            using (torch.no_grad())
            {
                foreach (var p in model.parameters())
                {
                    p.add_(p.grad!, alpha: -learningRate);                         // θ ← θ − η ∇θ J(θ)
                    p.grad = null;                                                 // gradients accumulate otherwise
                }
            }
        }
        using (torch.no_grad())
            lossPerEpoch.Add(nn.functional.mse_loss(model.call(X), y).item<float>());
    }
    return lossPerEpoch;
}

const int epochs = 30;
var fullBatch = GradientDescent(batchSize: samples, learningRate: 0.1, epochs);
var miniBatch = GradientDescent(batchSize: 32, learningRate: 0.1, epochs);
var stochastic = GradientDescent(batchSize: 1, learningRate: 0.01, epochs);
Console.WriteLine($"loss after {epochs} epochs: full batch {fullBatch[^1]:F4}, mini-batch {miniBatch[^1]:F4}, " +
                  $"stochastic {stochastic[^1]:F4} (noise floor ≈ 0.01)");

// Cell 7
int[] epochAxis = [.. Enumerable.Range(1, epochs)];
Chart.Combine([
        Chart.Line<int, double, string>(x: epochAxis, y: fullBatch, Name: "full batch (1 step/epoch, η=0.1)"),
        Chart.Line<int, double, string>(x: epochAxis, y: miniBatch, Name: "mini-batch 32 (32 steps/epoch, η=0.1)"),
        Chart.Line<int, double, string>(x: epochAxis, y: stochastic, Name: "stochastic (1000 steps/epoch, η=0.01)")])
     .WithXAxisStyle<int, int, string>(TitleText: "epoch")
     .WithYAxisStyle<double, double, string>(TitleText: "MSE on all data (log scale)", AxisType: Plotly.NET.StyleParam.AxisType.Log)
     .Titled("Full-batch, mini-batch and stochastic gradient descent: loss per epoch").Display();

// Per **epoch**, full-batch descent is slowest: it takes one step where mini-batch takes 32. Per **step** it is the
// most accurate: the standard error of a mean of *B* samples shrinks only as 1/√*B*, so as estimates of the gradient
// of the expected loss (over all the data this problem could produce), a 32-sample gradient is √(1000/32) ≈ 5.6 times
// as noisy as the 1 000-sample one. Mini-batches win anyway because of what they buy per unit of compute: 32 updates
// for the price of one, and a noisy step in roughly the right direction is worth far more than no step while the loss
// is still far from its minimum. Near the minimum the noise is most of what is left, which is why pure SGD needs a
// smaller step (its gradient is noisier still) and ends up jittering around the minimum instead of settling.
//
// How noisy, measured against the gradient full-batch descent follows: at the starting point, the exact gradient over
// all 1 000 samples against 200 mini-batch gradients for each batch size, as the error ‖g_B − g‖ / ‖g‖ relative to
// the gradient's length. Because a mini-batch is drawn *from* those 1 000, a batch of all of them has no error at
// all, and large batches do better than 1/√*B* — the second line of the chart adds the correction:

// Cell 9
var probe = FreshModel();
Tensor GradientOn(Tensor rows)                                           // ∇θ J(θ) over the given samples, flattened
{
    probe.zero_grad();
    nn.functional.mse_loss(probe.call(X[rows]), y[rows]).backward();
    return torch.cat(probe.parameters().Select(p => p.grad!.flatten()).ToArray());
}
var exactGradient = GradientOn(torch.arange(samples));
var noiseGenerator = new torch.Generator(3);
int[] batchSizes = [1, 4, 16, 32, 128, 512];
var relativeError = batchSizes.Select(b => Enumerable.Range(0, 200).Average(_ =>
{
    using var scope = torch.NewDisposeScope();
    var estimate = GradientOn(torch.randperm(samples, generator: noiseGenerator)[..b]);
    return (double)((estimate - exactGradient).norm() / exactGradient.norm()).item<float>();
})).ToArray();
Console.WriteLine(string.Join("\n", batchSizes.Zip(relativeError, (b, e) => $"batch {b,3}: mean relative error {e:P1}")));
// standard error of a mean of b of the 1 000, relative to b = 1
double WithoutReplacement(int b) => Math.Sqrt((samples - b) / (b * (samples - 1.0)));
Console.WriteLine($"batch 32 vs 512: measured {relativeError[3] / relativeError[5]:F2}× the error; " +
                  $"the 1/√B law predicts {Math.Sqrt(512.0 / 32):F2}×, " +
                  $"and with the correction for drawing without replacement from {samples} samples " +
                  $"{WithoutReplacement(32) / WithoutReplacement(512):F2}×");
var noiseChart = Chart.Combine([
        Chart.Line<int, double, string>(x: batchSizes, y: relativeError, ShowMarkers: true, Name: "measured"),
        Chart.Line<int, double, string>(x: batchSizes, y: batchSizes.Select(b => relativeError[0] / Math.Sqrt(b)),
                                        Name: "1/√B, from batch 1"),
        Chart.Line<int, double, string>(x: batchSizes, y: batchSizes.Select(b => relativeError[0] * WithoutReplacement(b)),
                                        Name: "√((N−B)/(B(N−1))), from batch 1"),
     ])
     .WithXAxisStyle<int, int, string>(TitleText: "batch size B (log scale)", AxisType: Plotly.NET.StyleParam.AxisType.Log)
     .WithYAxisStyle<double, double, string>(TitleText: "‖g_B − g‖ / ‖g‖ (log scale)", AxisType: Plotly.NET.StyleParam.AxisType.Log);
Workbook.Notebook.Charts.Titled(noiseChart, "Mini-batch gradient noise at the starting point").Display();

// ## `torch.optim.SGD` is the same update
//
// An optimizer is the loop's inner `foreach`, packaged. Run the hand-written step and `torch.optim.SGD` side by side
// from the same start, on the same batches, and compare the parameters after every step:

// Cell 11
var manual = FreshModel();
var packaged = FreshModel();
var optimizer = torch.optim.SGD(packaged.parameters(), learningRate: 0.1);
var largestDifference = 0.0;
var steps = 0;
var order = torch.randperm(samples, generator: new torch.Generator(7));
for (var start = 0; start < samples; start += 32, steps++)
{
    using var scope = torch.NewDisposeScope();
    var batch = order[start..Math.Min(start + 32, samples)];

    nn.functional.mse_loss(manual.call(X[batch]), y[batch]).backward();
    using (torch.no_grad())
        foreach (var p in manual.parameters()) { p.add_(p.grad!, alpha: -0.1); p.grad = null; }

    optimizer.zero_grad();
    nn.functional.mse_loss(packaged.call(X[batch]), y[batch]).backward();
    optimizer.step();

    foreach (var (a, b) in manual.parameters().Zip(packaged.parameters()))
        largestDifference = Math.Max(largestDifference, (a - b).abs().max().item<float>());
}
Console.WriteLine($"{steps} steps; largest parameter difference between hand-written and torch.optim.SGD: {largestDifference}");

// > **Classic mistake.** The tutorial builds its optimizer as `optim.SGD(MyModel.parameters(), lr=0.01)` — from the
// > **class**, not from an instance. In Python that fails at run time (`parameters() missing 1 required positional
// > argument: 'self'`), or, worse, silently optimises a different object if a module-level instance shadows the name.
// > In C# it does not compile: `MyModel.parameters()` on a type gives *error CS0120: An object reference is required
// > for the non-static field, method, or property 'Module.parameters(bool)'*. The fix is the same in both languages —
// > create the model, then hand **that instance's** parameters to the optimizer, as every cell here does: ```csharp
// > var model = nn.Linear(10, 1); var optimizer = torch.optim.SGD(model.parameters(), learningRate: 0.01); ```
//
// ## The learning rate
//
// η sets the step length. Too small and the loss creeps down; about right and it drops fast; too large and every step
// overshoots the minimum by more than it started from, so the loss **grows**. For a quadratic loss the boundary can
// be computed: full-batch descent converges exactly when η < 2 / λmax, where λmax is the largest curvature
// (eigenvalue of the Hessian). For the MSE of a linear model the Hessian is 2·X̃ᵀX̃/n, with X̃ = X plus a column of
// ones for the bias. Compute it, then try rates on both sides:

// Cell 13
var withBias = torch.cat([X, torch.ones(samples, 1)], dim: 1);
var largestCurvature = torch.linalg.eigvalsh(2 * withBias.T.matmul(withBias) / samples).max().item<float>();
var boundary = 2 / largestCurvature;
Console.WriteLine($"largest curvature λmax = {largestCurvature:F3}, so full-batch descent diverges for η > {boundary:F3}");

double[] rates = [0.001, 0.01, 0.1, Math.Round(0.95 * boundary, 2), Math.Round(1.05 * boundary, 2)];
var rateCurves = rates.Select(rate => (rate, losses: GradientDescent(batchSize: samples, learningRate: rate, epochs))).ToList();
foreach (var (rate, losses) in rateCurves)
    Console.WriteLine($"η = {rate,-5}: loss {losses[0],12:F4} after 1 epoch, {losses[^1],14:G4} after {epochs}");

Chart.Combine(rateCurves.Select(c => Chart.Line<int, double, string>(x: epochAxis, y: c.losses, Name: $"η = {c.rate}")))
     .WithXAxisStyle<int, int, string>(TitleText: "epoch (full-batch steps)")
     .WithYAxisStyle<double, double, string>(TitleText: "MSE (log scale)", AxisType: Plotly.NET.StyleParam.AxisType.Log)
     .Titled("Learning rates on both sides of the divergence boundary 2/λmax").Display();

// Just below the boundary the loss still falls, but it oscillates from side to side of the valley on its way down;
// just above it, each step lands further away than the last.
//
// ## Beyond the plain step: momentum, Adagrad, Adam
//
// - **Momentum** keeps a running sum of past gradients, v ← μ·v + ∇J, and steps along v: it speeds up along
//   consistent directions and damps zig-zags.
// - **Adagrad** divides each parameter's step by the root of its accumulated squared gradients: parameters with large
//   gradients take smaller steps. The accumulator only grows, so steps shrink forever.
// - **Adam** keeps running averages of the gradient and of its square (with bias correction) — momentum and
//   per-parameter scaling together. It is the default choice of the later chapters.
//
// Same start, same mini-batches of 32, one epoch each for ten epochs:

// Cell 15
List<double> Train(Func<IEnumerable<TorchSharp.Modules.Parameter>, torch.optim.Optimizer> makeOptimizer, int epochCount = 10)
{
    var model = FreshModel();
    var optimizer = makeOptimizer(model.parameters());
    var generator = new torch.Generator(1);
    var losses = new List<double>();
    for (var epoch = 0; epoch < epochCount; epoch++)
    {
        var order = torch.randperm(samples, generator: generator);
        for (var start = 0; start < samples; start += 32)
        {
            using var scope = torch.NewDisposeScope();
            var batch = order[start..Math.Min(start + 32, samples)];
            optimizer.zero_grad();
            nn.functional.mse_loss(model.call(X[batch]), y[batch]).backward();
            optimizer.step();
        }
        using (torch.no_grad()) losses.Add(nn.functional.mse_loss(model.call(X), y).item<float>());
    }
    return losses;
}

var optimizers = new (string Name, Func<IEnumerable<TorchSharp.Modules.Parameter>, torch.optim.Optimizer> Make)[]
{
    ("SGD η=0.01", p => torch.optim.SGD(p, learningRate: 0.01)),
    ("SGD + momentum 0.9, η=0.01", p => torch.optim.SGD(p, learningRate: 0.01, momentum: 0.9)),
    ("Adagrad η=0.1", p => torch.optim.Adagrad(p, lr: 0.1)),
    ("Adam η=0.01", p => torch.optim.Adam(p, lr: 0.01)),
};
var optimizerCurves = optimizers.Select(o => (o.Name, Losses: Train(o.Make))).ToList();
new Workbook.Notebook.Table(["optimizer", "loss after 1 epoch", "after 10 epochs"],
    optimizerCurves.Select(c => Table.Row(c.Name, $"{c.Losses[0]:F4}", $"{c.Losses[^1]:F4}"))).Display();

// Cell 16
int[] tenEpochs = [.. Enumerable.Range(1, 10)];
Chart.Combine(optimizerCurves.Select(c => Chart.Line<int, double, string>(x: tenEpochs, y: c.Losses, Name: c.Name)))
     .WithXAxisStyle<int, int, string>(TitleText: "epoch")
     .WithYAxisStyle<double, double, string>(TitleText: "MSE (log scale)", AxisType: Plotly.NET.StyleParam.AxisType.Log)
     .Titled("SGD, momentum, Adagrad and Adam on the same problem").Display();

// With the same η = 0.01, momentum converges several times faster than plain SGD. Adam and Adagrad are not directly
// comparable at equal η: they rescale the step per parameter, so η means "roughly how far each parameter moves", not
// "a multiple of the gradient". Compare optimizers at their own best learning rate — chapter 05 searches for it
// properly.
//
// ## The classic snippet, done right
//
// `Linear(10 → 1)`, `MSELoss`, SGD with η = 0.01, 100 epochs of full-batch descent — with the optimizer built from
// the model **instance** — and a check that it found the true rule:

// Cell 18
var regressor = FreshModel();
var sgd = torch.optim.SGD(regressor.parameters(), learningRate: 0.01);
var mse = nn.MSELoss();
for (var epoch = 0; epoch < 100; epoch++)
{
    using var scope = torch.NewDisposeScope();
    sgd.zero_grad();
    mse.call(regressor.call(X), y).backward();
    sgd.step();
}
using (torch.no_grad())
{
    var learned = regressor.named_parameters().ToDictionary(p => p.name, p => p.parameter);
    var weightError = (learned["weight"].T - trueWeights).abs().max().item<float>();
    Console.WriteLine($"after 100 epochs: loss {mse.call(regressor.call(X), y).item<float>():F4}, " +
                      $"largest weight error {weightError:F3}, bias {learned["bias"].item<float>():F3} (true {trueBias})");
}

// After 100 small steps the weights are close but not there: η = 0.01 is on the slow side for this problem (see the
// learning-rate plot). Exercise 1 asks you to fix that two ways.
//
// ## Exercises
//
// 1. Reach a loss below 0.011 in the last cell by changing only η; then instead by keeping η = 0.01 and adding
//    `momentum: 0.9`. Which needs fewer epochs?
//    <details><summary>Hint</summary>
//
//    Wrap the last cell's loop so that it stops at the first epoch whose loss is below 0.011 and returns that epoch.
//    For plain SGD stay below the divergence boundary 2/λmax printed by the learning-rate cell; for momentum build
//    the optimizer as `torch.optim.SGD(regressor.parameters(), learningRate: 0.01, momentum: 0.9)`. On this
//    well-conditioned problem expect a well-chosen plain η to need only a handful of epochs and to beat momentum at η
//    = 0.01, which builds up its speed over about 1/(1 − 0.9) = 10 steps and then overshoots. Momentum pays when the
//    curvatures differ a lot, as in exercise 2.
//    </details>
// 2. Make the features badly scaled: multiply column 0 of `X` by 100. Which learning rates still converge with plain
//    SGD? With Adam? (Chapter 03 standardises inputs for exactly this reason.)
//    <details><summary>Hint</summary>
//
//    `var scale = torch.ones(features); scale[0] = 100; X = X * scale;` (leave `y` alone: the rule is still linear,
//    with weight w₀/100). Rerun the learning-rate cell first: λmax grows about 10⁴-fold (column 0's variance), so the
//    boundary 2/λmax falls to about 10⁻⁴. Plain SGD diverges above it, and below it the other weights, whose
//    curvature is still about 2, barely move in 30 epochs. Adam divides each parameter's step by its own gradient
//    scale, so `Train(p => torch.optim.Adam(p, lr: 0.01))` still reaches the noise floor. Rerun the data cell to undo
//    the change.
//    </details>
// 3. Change the mini-batch size to 8, 128 and 1000 with a fixed number of **steps** instead of epochs. Which gets the
//    lowest loss for the same compute?
//    <details><summary>Hint</summary>
//
//    With 1000 samples, 1000 steps are exactly `GradientDescent(8, 0.1, epochs: 8)`, `GradientDescent(128, 0.1,
//    epochs: 125)` and `GradientDescent(1000, 0.1, epochs: 1000)`. At equal steps the larger batches end a little
//    lower (less gradient noise), but they have processed 16 and 125 times more samples. Compare at equal samples,
//    one epoch each: batch 8 is already near the noise floor after its 125 steps while full batch has taken a single
//    step. On real hardware a batch of 128 costs much less than 16 batches of 8 (vectorisation), which is why
//    mini-batches of a few dozen to a few hundred win in practice.
//    </details>
// 4. Write Adagrad by hand as a fourth line in the `GradientDescent` loop (keep a per-parameter accumulator) and
//    check it against `torch.optim.Adagrad` the way the SGD cell does.
//    <details><summary>Solution</summary>
//
//    Keep one accumulator per parameter, created *outside* the per-batch dispose scope (otherwise the scope frees
//    it), and apply PyTorch's rule G ← G + g², θ ← θ − η·g / (√G + ε) with ε = 10⁻¹⁰:
//    ```csharp
//    var sums = manual.parameters().Select(p => torch.zeros_like(p)).ToList();   // before the loop
//    // inside the no_grad block, instead of the SGD line:
//    foreach (var (p, s) in manual.parameters().Zip(sums))
//    {
//        s.add_(p.grad! * p.grad!);
//        p.sub_(0.1 * p.grad! / (s.sqrt() + 1e-10));
//        p.grad = null;
//    }
//    ```
//    With `torch.optim.Adagrad(packaged.parameters(), lr: 0.1)` on the other model, the largest difference stays at
//    float32 rounding (around 10⁻⁸), not exactly 0: the two compute the same formula in a different order.
//    </details>
//
// ## Playground

// Cell 20
// Your experiments here: X, y, trueWeights, FreshModel(), GradientDescent(...) and Train(...) are defined.
GradientDescent(batchSize: 100, learningRate: 0.3, epochs: 5).Display();

// --- **Previous:** [01 · Model definition](01-model-definition.ipynb) · **Next:** [03 · The training
// loop](03-training-loop.ipynb) · [Chapter list](../README.md#chapters)
