// Generated from notebooks/01-model-definition.ipynb by tools/notebook-to-app.sh: edit the notebook, then regenerate.
// Run from the repository root: dotnet run apps/01-model-definition.cs
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
using Workbook.Notebook;
using TorchSharp.Modules;
using Workbook.Notebook.Apps;   // .Display() on the console

// # 01 · Model definition: tensors, autograd and your first `nn.Module`
//
// The classic PyTorch tutorial defines a `SimpleModel` — `Linear(10→64) → ReLU → Linear(64→64) → ReLU → Linear(64→1)`
// — as a subclass of `nn.Module`. This chapter builds the same model in C#, first by hand and then with `Sequential`,
// after a short tour of the two things every model is made of: tensors and automatic differentiation.
//
// **What you will learn**
// - tensors in TorchSharp: creation, shape, dtype, device, and how the API maps to PyTorch;
// - autograd: how `backward()` fills `.grad`, checked against a derivative worked out by hand;
// - the common activation functions (ReLU, tanh, sigmoid, GELU) and their derivatives, plotted;
// - writing an `nn.Module` by hand, what `RegisterComponents()` does, and the same model as a `Sequential`;
// - counting parameters, and a summary table of a model;
// - which other layer types exist (convolution, recurrent, attention), each in one line.
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

// ## Tensors in brief
//
// A tensor is an n-dimensional array with a **shape**, an element type (**dtype**) and a **device** (CPU or GPU).
// TorchSharp mirrors PyTorch's names; the differences are C#'s: shapes are `long[]`, keyword arguments are named
// arguments, and indexing uses `TensorIndex` or `[..]` overloads.
//
// | PyTorch | TorchSharp |
// |---|---|
// | `torch.tensor([[1., 2.], [3., 4.]])` | `torch.tensor(new float[,] { { 1, 2 }, { 3, 4 } })` |
// | `torch.zeros(2, 3, dtype=torch.int64)` | `torch.zeros(2, 3, dtype: torch.int64)` |
// | `x.shape`, `x.dtype`, `x.device` | `x.shape`, `x.dtype`, `x.device` |
// | `x @ w`, `x.T`, `x[:, 0]` | `x.matmul(w)` (or `torch.matmul`), `x.T`, `x[.., 0]` |
// | `x.to("cuda")` | `x.to(torch.CUDA)` (or `x.to(device)`) |

// Cell 4
var device = Workbook.Notebook.ChapterSetup.Device;   // chosen by the first cell
var x = torch.tensor(new float[,] { { 1, 2 }, { 3, 4 } });
var w = torch.ones(2, 3);
var product = x.matmul(w);
Console.WriteLine($"x: shape [{string.Join(", ", x.shape)}], dtype {x.dtype}, device {x.device}");
Console.WriteLine($"x @ w: shape [{string.Join(", ", product.shape)}]");
Console.WriteLine($"first column of x: {x[.., 0].ToString(torch.julia)}");
product.Display();

// ## Autograd
//
// Mark a tensor with `requires_grad: true` and every operation on it is recorded. `backward()` on a scalar result
// walks that record backwards and stores ∂result/∂x in `x.grad`. Check it on f(x) = x² · sin x, whose derivative by
// hand is f′(x) = 2x · sin x + x² · cos x:

// Cell 6
var xs = torch.linspace(-3, 3, 7, requires_grad: true);
var f = xs.pow(2) * xs.sin();
f.sum().backward();           // d(sum f)/dx_i = f'(x_i): each x_i only affects its own term
// Renamed in this cell: byHand → byHand_6 (a block may not reuse a top-level name in one C# file)

using (torch.no_grad())
{
    var byHand_6 = 2 * xs * xs.sin() + xs.pow(2) * xs.cos();
    var largestError = (xs.grad! - byHand_6).abs().max().item<float>();
    Console.WriteLine($"autograd:  {xs.grad!.ToString(torch.julia)}");
    Console.WriteLine($"by hand:   {byHand_6.ToString(torch.julia)}");
    Console.WriteLine($"largest difference: {largestError:E1}");
}

// > **Question.** Why does the cell call `backward()` on `f.sum()` rather than on `f`? What would PyTorch say if you
// > called `f.backward()` on a vector?
//
// Two habits from PyTorch carry over unchanged: gradients **accumulate** (call `zero_grad()` on the optimizer, or set
// `x.grad = null`, before the next backward pass), and code that should not be recorded — evaluation, manual
// parameter updates — goes inside `using (torch.no_grad()) { ... }`.
//
// ## Activation functions and their derivatives
//
// Without a non-linearity between them, stacked linear layers collapse into one linear map. The activation function
// is what lets a network bend. Autograd gives each derivative for free — the same trick as above:

// Cell 8
var grid = torch.linspace(-4, 4, 161);
var activations = new (string Name, Func<Tensor, Tensor> Apply)[]
{
    ("ReLU", t => nn.functional.relu(t)),
    ("tanh", t => t.tanh()),
    ("sigmoid", t => t.sigmoid()),
    ("GELU", t => nn.functional.gelu(t)),
};

float[] Values(Tensor t) => t.detach().data<float>().ToArray();
var points = Values(grid);
var panels = new List<Plotly.NET.GenericChart>();
foreach (var (name, apply) in activations)
{
    var input = grid.clone().requires_grad_(true);
    var output = apply(input);
    output.sum().backward();
    // One panel per activation: the function (solid) next to its derivative from autograd (dashed).
    panels.Add(Chart.Combine([
        Chart.Line<float, float, string>(x: points, y: Values(output), Name: name),
        Chart.Line<float, float, string>(x: points, y: Values(input.grad!), Name: $"{name}′ (autograd)",
                                         LineDash: Plotly.NET.StyleParam.DrawingStyle.Dash)])
        .WithXAxisStyle<float, float, string>(TitleText: "x")
        .WithYAxisStyle<float, float, string>(TitleText: $"{name}(x), {name}′(x)"));
}
Chart.Grid(panels, nRows: 2, nCols: 2).Titled("Each activation f(x) (solid) and its derivative f′(x) (dashed), x from −4 to 4").Display();

// Read the derivatives as "how much gradient passes through": sigmoid and tanh pass almost none once |x| > 3
// (**saturation**, the reason deep sigmoid networks trained badly), ReLU passes all or nothing (a unit whose input is
// negative for every training example gets no gradient at all — a "dead" ReLU; it revives only if changes elsewhere
// in the network move its input back above zero for some example), GELU is a smooth ReLU used by transformers such as
// GPT-2.
//
// ## A model by hand: `nn.Module`
//
// Here is the classic `SimpleModel` in C#. The lesson is in three details:
//
// 1. layers are **fields**, and `RegisterComponents()` (called once, at the end of the constructor) finds them by
//    reflection and registers them under the field names — that is where parameter names such as `fc1.weight` come
//    from;
// 2. `forward` is the computation; call the model with `model.call(x)` (or `model.forward(x)`);
// 3. the base-class name (`nameof(SimpleModel)`) is only a label.

// Cell 10
torch.manual_seed(0);
var byHand = new SimpleModel();
var batch = torch.randn(4, 10);
byHand.call(batch).Display();

// > **Classic mistake.** The tutorial trains this model, with **one** output unit, using `CrossEntropyLoss` on a
// > two-class problem. Cross-entropy over a single logit is a softmax over one number — always probability 1 — so the
// > loss is identically zero for class 0, and class 1 is an index out of range. Use two outputs with
// > `CrossEntropyLoss`, or keep one output and use `BCEWithLogitsLoss`. Chapter 03 shows both.
//
// ## The same model as a `Sequential`
//
// When the computation is a plain chain, `Sequential` saves the class. Naming the layers keeps parameter names
// readable (without names they are `0.weight`, `1.weight`, ...):

// Cell 12
var sequential = nn.Sequential(
    ("fc1", nn.Linear(10, 64)), ("relu1", nn.ReLU()),
    ("fc2", nn.Linear(64, 64)), ("relu2", nn.ReLU()),
    ("fc3", nn.Linear(64, 1)));

// Copy the hand-written model's weights across: same names, same shapes, so the outputs must agree.
using (torch.no_grad())
{
    var source = byHand.named_parameters().ToDictionary(p => p.name, p => p.parameter);
    foreach (var (name, parameter) in sequential.named_parameters())
        parameter.copy_(source[name]);
}
var difference = (sequential.call(batch) - byHand.call(batch)).abs().max().item<float>();
Console.WriteLine($"largest difference between the two models: {difference}");

// ## Counting parameters
//
// A `Linear(in → out)` layer has an `out × in` weight matrix and `out` biases. For 10 → 64 → 64 → 1 that is (10·64 +
// 64) + (64·64 + 64) + (64·1 + 1) = 704 + 4160 + 65 = **4929** parameters. Checked against the model:

// Cell 14
var rows = byHand.named_parameters()
    .Select(p => Table.Row(p.name, $"[{string.Join(", ", p.parameter.shape)}]", p.parameter.numel().ToString()))
    .ToList();
var total = byHand.parameters().Sum(p => p.numel());
rows.Add(["total", "", total.ToString()]);
new Workbook.Notebook.Table(["parameter", "shape", "count"], rows, caption: "SimpleModel 10 → 64 → 64 → 1").Display();

// The library's `SimpleModel` (`lib/Models`) is this family, configurable — widths, dropout, batch or layer norm,
// activation — with two outputs by default (chapter 03 explains why). `ModelSummary` traces an example input through
// it and lists every layer with its output shape and parameter count, like Keras' `model.summary()`:

// Cell 16
var library = new Workbook.Models.SimpleModel(new Workbook.Models.SimpleModelOptions(Inputs: 10, HiddenWidths: [64, 64], Outputs: 2,
    Dropout: 0.2));
Workbook.Models.ModelSummary.Create(library, 1, 10).Display();

// ## Other layer types, one line each
//
// Dense layers are one of four families; later chapters use the others. Shapes tell the story:

// Cell 18
var images = torch.randn(8, 3, 32, 32);                           // batch, channels, height, width
var conv = nn.Conv2d(3, 16, kernel_size: 3, padding: 1);          // convolution: local patterns, shared weights
Console.WriteLine($"Conv2d:             [{string.Join(", ", images.shape)}] -> [{string.Join(", ", conv.call(images).shape)}]");

var sequences = torch.randn(8, 20, 5);                            // batch, time steps, features
var lstm = nn.LSTM(5, 16, batchFirst: true);                      // recurrent: a state carried along the sequence
var (states, _, _) = lstm.call(sequences);
Console.WriteLine($"LSTM:               [{string.Join(", ", sequences.shape)}] -> [{string.Join(", ", states.shape)}]");

var tokens = torch.randn(20, 8, 16);                              // time, batch, embedding (PyTorch's default layout)
var attention = nn.MultiheadAttention(16, 4);                     // attention: every position looks at every other
var (mixed, weights) = attention.call(tokens, tokens, tokens);
Console.WriteLine($"MultiheadAttention: [{string.Join(", ", tokens.shape)}] -> [{string.Join(", ", mixed.shape)}], " +
                  $"weights [{string.Join(", ", weights.shape)}]");

// ## Exercises
//
// 1. Add `nn.Dropout(0.2)` after each hidden ReLU of the hand-written model (the tutorial's second version). Does the
//    parameter count change? Call the model twice on the same batch in `train()` mode and in `eval()` mode: what
//    differs?
//    <details><summary>Hint</summary>
//
//    Add two `Dropout` fields (`nn.Dropout(0.2)`), register them like the linear layers, and apply each after its
//    ReLU in `forward`. Dropout has no weights, so the count stays 4929. In `train()` mode two calls on `batch` give
//    different outputs, because each call draws a new random mask and scales the survivors by 1/(1 − 0.2); after
//    `eval()` the two calls agree exactly: `(model.call(batch) - model.call(batch)).abs().max()` is 0.
//    </details>
// 2. Give `SimpleModel` two outputs and pass its logits to `nn.CrossEntropyLoss()` with targets `torch.tensor(new
//    long[] {0, 1, 1, 0})`. Then try one output: what happens, and why?
//    <details><summary>Hint</summary>
//
//    `new SimpleModel(outputs: 2)` (the class of this notebook) and `nn.CrossEntropyLoss().call(model.call(batch),
//    targets)` give a positive loss, close to ln 2 ≈ 0.69 while the logits of a fresh model are small. With one
//    output, `byHand` itself, libtorch refuses: *"Target 1 is out of bounds."* A softmax over one column is always 1,
//    so class 0 would cost exactly 0 and class 1 has no column at all; the classic-mistake box above explains the two
//    correct heads.
//    </details>
// 3. Count the parameters of the `Conv2d` and `LSTM` above by hand, then check with `parameters()`.
//    <details><summary>Solution</summary>
//
//    `Conv2d(3, 16, kernel_size: 3)`: 16 filters of 3 × 3 × 3 weights plus 16 biases = 432 + 16 = **448**. `LSTM(5,
//    16)`: four gates, each with input weights [16, 5], recurrent weights [16, 16] and two bias vectors (PyTorch
//    keeps `bias_ih` and `bias_hh`): 4 · (80 + 256 + 16 + 16) = **1472**. Check with `conv.parameters().Sum(p =>
//    p.numel())` and `lstm.named_parameters()`, which lists `weight_ih_l0` [64, 5], `weight_hh_l0` [64, 16],
//    `bias_ih_l0` [64] and `bias_hh_l0` [64].
//    </details>
// 4. Plot `tanh` and `2·sigmoid(2x) − 1` on one chart. Explain what you see.
//    <details><summary>Hint</summary>
//
//    Compute both on `grid` (`grid.tanh()` and `2 * (2 * grid).sigmoid() - 1`), then draw them with two `Chart.Line`
//    calls in one `Chart.Combine`, as the activation cell does. The curves lie on top of each other, and `(a -
//    b).abs().max()` is at the level of float32 rounding (about 10⁻⁷): the identity is exact, because tanh x = (1 −
//    e⁻²ˣ) / (1 + e⁻²ˣ) = 2 / (1 + e⁻²ˣ) − 1 = 2·σ(2x) − 1. tanh is a sigmoid stretched to (−1, 1); its slope at 0 is
//    1 against the sigmoid's 1/4.
//    </details>
//
// ## Playground

// Cell 20
// Your experiments here: byHand, sequential, batch, conv, lstm and attention are defined.
byHand.parameters().Sum(p => p.numel()).Display();

// --- **Previous:** [00 · Environment setup](00-environment-setup.ipynb) · **Next:** [02 · Gradient
// descent](02-gradient-descent.ipynb) · [Chapter list](../README.md#chapters)

// Types the cells declare: C# puts type declarations after the top-level statements.

// From cell 10
public sealed class SimpleModel : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1, fc2, fc3;

    public SimpleModel(int inputs = 10, int hidden = 64, int outputs = 1) : base(nameof(SimpleModel))
    {
        fc1 = nn.Linear(inputs, hidden);
        fc2 = nn.Linear(hidden, hidden);
        fc3 = nn.Linear(hidden, outputs);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();   // frees the intermediate activations
        var h = nn.functional.relu(fc1.call(x));
        h = nn.functional.relu(fc2.call(h));
        return fc3.call(h).MoveToOuterDisposeScope();
    }
}
