// Generated from notebooks/15-model-compression.ipynb by tools/notebook-to-app.sh: edit the notebook, then regenerate.
// Run from the repository root: dotnet run apps/15-model-compression.cs
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
using System.IO;
using Plotly.NET.CSharp;
using Workbook.Compression;
using Workbook.Data;
using Workbook.Gpt2;
using Workbook.Hub;
using Workbook.Models;
using Workbook.Notebook;
using Workbook.Safetensors;
using Workbook.Text;
using Workbook.Training;
using Workbook.Notebook.Apps;   // .Display() on the console

// # 15 · Model compression
//
// The classic snippets in Python — pruning and dynamic quantization, as they are usually copied:
//
// ```python
// import torch.nn.utils.prune as prune
// for module in model.modules():
//     if isinstance(module, nn.Linear):
//         prune.l1_unstructured(module, name="weight", amount=0.9)   # 90 % of the weights set to zero
// torch.save(model.state_dict(), "pruned.pt")                         # "the pruned, smaller model"
//
// qmodel = torch.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)   # a second model: the float one stays in memory
// ```
//
// Each line hides a mistake, and this chapter fixes all of them (they are listed, with the fixes, at the end of each
// section). It does both compressions in C# with `lib/Compression` on scikit-learn's handwritten digits (1 797 images
// of 8 × 8 pixels) and on GPT-2, and measures what each one buys — in bytes on disk, milliseconds and accuracy.
//
// **What you will learn**
// - magnitude pruning, unstructured (single weights) and structured (whole neurons), with masks that keep pruned
//   weights at exactly zero through fine-tuning; the accuracy-vs-sparsity curve with and without fine-tuning;
// - why zeroed weights make a model neither smaller nor faster, and removing neurons does both;
// - dynamic int8 quantization with one scale per output channel: the error bound it guarantees, what actually runs in
//   int8 in TorchSharp (nothing) and what that costs; size on disk, latency and accuracy in one table, for a
//   classifier and for GPT-2;
// - what int8 could and could not do for chapter 13's wav2vec2 real-time factor.
//
// The third classic compression, knowledge distillation — a small model trained to imitate a large one — is chapter
// 16.

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

// ## The baseline
//
// The digits: 1 797 handwritten digits as 8 × 8 images, 64 pixel intensities 0–16 (scaled here to 0–1), ten classes.
// A quarter is held out for testing, stratified by class. The baseline is a `SimpleModel` 64 → 256 → 256 → 10 (about
// 85 000 parameters) trained for 20 epochs with Adam in batches of 64. Every compressed variant below starts from a
// copy of it.

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
SimpleModel Copy(SimpleModel source)
{
    var copy = new SimpleModel(source.Options);
    copy.to(device);
    copy.load_state_dict(source.state_dict());
    return copy;
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
var clock = Stopwatch.StartNew();
NewTrainer(baseline, epochs: 20).Fit(x, y);
var baselineAccuracy = Accuracy(baseline);
Console.WriteLine($"{shape}: {baseline.parameters().Sum(p => p.numel()):N0} parameters, trained in {clock.Elapsed.TotalSeconds:F1} s; " +
                  $"test accuracy {baselineAccuracy:P2} ({test.SampleCount} test digits: one digit is {1.0 / test.SampleCount:P2})");

// ## (a) Pruning
//
// **Unstructured magnitude pruning** sets the weights with the smallest |w| to zero — per layer (each matrix loses
// the same fraction) or globally (one threshold over all matrices, so layers with many small weights lose more).
// `MagnitudePruning.Unstructured` returns a `PruningMasks`: one 0/1 mask per pruned matrix. Fine-tuning afterwards
// lets the remaining weights compensate, but an optimizer does not know about the zeros: Adam's running averages of
// past gradients, and weight decay, would move pruned weights off zero at the very first step.
// `masks.AttachTo(trainer)` hooks the masks into the `Trainer`'s per-step callbacks — gradients of pruned weights are
// zeroed after `backward()`, and the masks are re-applied after every `optimizer.step()` — so pruned weights stay
// *exactly* zero (the unit tests check this through several steps of Adam with weight decay, and show that without
// the masks over a thousand pruned weights come back).
//
// **Structured pruning by neuron** removes whole hidden units: those whose incoming weight rows have the smallest L2
// norm. `NeuronPruning.Prune` does it with masks (the unit's row and bias, and the next layer's input column, zeroed)
// so it can be fine-tuned the same way; `NeuronPruning.Shrink` then builds a genuinely smaller `SimpleModel` without
// those units, computing the same outputs.
//
// Both are swept below, each with and without 3 epochs of masked fine-tuning. The x axis is the fraction of all
// weight matrix entries that are zero, measured with `SparsityReport` (removing half of the neurons of both hidden
// layers zeroes 3/4 of the middle matrix, so structured pruning reaches a higher sparsity than its neuron fraction).

// Cell 7
double[] fractions = [0.5, 0.8, 0.9, 0.95, 0.98];
var curves = new Dictionary<string, List<(double Sparsity, double Accuracy)>>();
void Record(string name, SimpleModel model)
{
    if (!curves.TryGetValue(name, out var points)) curves[name] = points = [(0.0, baselineAccuracy)];
    points.Add((SparsityReport.Of(model).Overall, Accuracy(model)));
}
clock.Restart();
foreach (var fraction in fractions)
    foreach (var structured in new[] { false, true })
    {
        var model = Copy(baseline);
        var masks = structured ? NeuronPruning.Prune(model, fraction) : MagnitudePruning.Unstructured(model, fraction, PruningScope.Global);
        var kind = structured ? "neurons" : "weights";
        Record($"{kind}, no fine-tuning", model);
        var trainer = NewTrainer(model, epochs: 3);
        masks.AttachTo(trainer);
        trainer.Fit(x, y);
        Record($"{kind}, fine-tuned 3 epochs", model);
    }
Console.WriteLine($"{fractions.Length * 2} pruned models, each fine-tuned, in {clock.Elapsed.TotalSeconds:F1} s");
foreach (var (name, points) in curves)
    Console.WriteLine($"{name,-26} " + string.Join("  ", points.Skip(1).Select(p => $"{p.Sparsity:P0}: {p.Accuracy:P1}")));
Chart.Combine(curves.Select(c => Chart.Line<double, double,
    string>(x: c.Value.Select(p => p.Sparsity), y: c.Value.Select(p => p.Accuracy), ShowMarkers: true, Name: c.Key)))
     .WithXAxisStyle<double, double, string>(TitleText: "fraction of weights that are exactly zero", MinMax: Tuple.Create(0.78, 1.0))
     .WithYAxisStyle<double, double, string>(TitleText: "test accuracy")
     .Titled("Accuracy vs sparsity from 80 % zeros up (lower sparsities are printed above), digits 64 → 256 → 256 → 10").Display();

// How to read it (the printed lines give this run's exact points): without fine-tuning, unstructured pruning is
// nearly free at 50 % sparsity, costs a few points at 80 % and collapses beyond 90 %; removing whole neurons costs
// more at the same sparsity, because a neuron carries more than the smallest single weights do. Three epochs of
// masked fine-tuning recover most of the loss in both cases — with 80–90 % of the weights gone the fine-tuned model
// is within a couple of points of the baseline — until so little is left (95–98 %) that no training can compensate.
// Where each curve bends depends on the network's size relative to the problem: a network just large enough for its
// task has far less to give.
//
// Where the zeros go — per layer, after pruning 90 % of the weights globally vs per layer:

// Cell 9
var globalModel = Copy(baseline);
MagnitudePruning.Unstructured(globalModel, 0.9, PruningScope.Global);
var perLayerModel = Copy(baseline);
MagnitudePruning.Unstructured(perLayerModel, 0.9, PruningScope.PerLayer);
SparsityReport.Of(globalModel).ToTable("90 % global: one threshold").Display();
SparsityReport.Of(perLayerModel).ToTable("90 % per layer").Display();
Console.WriteLine($"accuracy without fine-tuning: global {Accuracy(globalModel):P2}, per layer {Accuracy(perLayerModel):P2}");

// The global threshold takes most from the large middle matrix (256 × 256, the most redundant) and leaves more of the
// first layer and of the small output layer, whose weights each matter more — usually the better trade.
//
// **The classic snippet's pruning mistakes.** `prune.l1_unstructured` does not remove anything: it renames `weight`
// to `weight_orig`, adds a `weight_mask` buffer and recomputes `weight = weight_orig * weight_mask` in a forward
// pre-hook. Saved as above, `pruned.pt` holds both tensors — it is about *twice* the size of the original.
// `prune.remove(module, "weight")` makes the pruning permanent, and then the file is exactly as large as the
// original: zeros are stored as four bytes like any other float, and a dense matrix product multiplies them like any
// other number. Masks are a training device; a smaller or faster model needs the zeros *removed* (neurons, channels,
// heads) or a sparse format with a sparse kernel — the table in the next section shows both. (And the snippet prunes
// the output layer by the same 90 % as the rest, which a global threshold would not.)
//
// ## (b) Dynamic int8 quantization
//
// Each weight matrix is stored as int8 with **one float32 scale per output channel** (row of a `Linear` weight):
// scale = max|w| / 127 and q = round(w / scale) in −127…127, so every weight is off by at most half a step (scale /
// 2), the largest weight of each row is exact, zero is exact, and a row with a few large weights does not ruin the
// precision of the others (as one scale per matrix would). Activations stay float32 — "dynamic" quantization in
// PyTorch quantizes them per batch at run time and multiplies in int8 with fbgemm; here is what TorchSharp 0.107
// offers for that:

// Cell 11
var fc1 = (TorchSharp.Modules.Linear)baseline.Layers.named_children().First(c => c.name == "fc1").module;
var quantized = Int8Quantization.QuantizePerChannel(fc1.weight!, channelAxis: 0, "fc1.weight");
using (torch.no_grad())
{
    var rowError = (fc1.weight! - quantized.Dequantize()).abs().amax(1);
    var halfStep = quantized.Scales / 2;
    Console.WriteLine($"fc1: {quantized.Values.shape[0]} channels, scales from {quantized.Scales.min().item<float>():E2} to " +
                      $"{quantized.Scales.max().item<float>():E2}; " +
                      $"largest error / half step = {(rowError / halfStep).max().item<float>():F3} (≤ 1 by construction)");
}
// libtorch's own per-channel quantizer agrees with ours value for value (a unit test checks it); it exists in TorchSharp, ...
var reference = torch.quantize_per_channel(fc1.weight!.detach().cpu(), quantized.Scales.cpu().to(ScalarType.Float64),
                                           torch.zeros(quantized.Scales.shape[0], ScalarType.Int64), 0, ScalarType.QInt8);
Console.WriteLine($"torch.quantize_per_channel: {reference.dtype}, same int8 values: " +
                  $"{reference.int_repr().equal(quantized.Values.cpu()).all().item<bool>()}");
// ... but nothing multiplies quantized tensors: TorchSharp 0.107 binds no quantized linear (fbgemm's linear_dynamic) and no
// int8 matrix product (torch._int_mm). The only integer product left is libtorch's generic integer matmul:
var a = torch.randint(-127, 128, [256, 256], dtype: ScalarType.Int32);
var b = torch.randint(-127, 128, [256, 256], dtype: ScalarType.Int32);
var (af, bf) = (a.to(ScalarType.Float32), b.to(ScalarType.Float32));
var intMs = LatencyMeasurement.MedianMilliseconds(() => { using var p = a.mm(b); }, repeats: 5, warmup: 1);
var floatMs = LatencyMeasurement.MedianMilliseconds(() => { using var p = af.mm(bf); }, repeats: 5, warmup: 1);
Console.WriteLine($"256 × 256 product: int32 {intMs:F2} ms, float32 {floatMs:F3} ms — the integer path is {intMs / floatMs:F0}× slower " +
                  "(a plain loop, not a tuned kernel)");

// So the honest design here is **int8 storage, float32 compute**: `QuantizedLinear` keeps `weight_int8` and
// `weight_scale` and, at each call, widens the int8 weight to float32 and computes y = (x · qᵀ) ⊙ s + b — the scales
// are applied to the outputs, never to the weight, so no float32 copy of the weight is kept. The error bound follows:
// |y − ŷ| ≤ ‖x‖₁ · s / 2 per output (a unit test checks it). `DynamicQuantization.QuantizeLinearLayers` swaps every
// `Linear` of a model in place (and puts the model in eval mode); `QuantizedCheckpoint` writes int8 tensors (`I8`)
// and float32 scales into one safetensors file.
//
// One table for everything compressed so far: each variant saved to a real file, its size read back from the disk,
// latency measured here (median of 30 calls; batch 1, then the 450 test digits repeated to 1 024 rows), accuracy on
// the test digits.

// Cell 13
var folder = Path.Combine(Path.GetTempPath(), "workbook-10-compression");
Directory.CreateDirectory(folder);
string SaveFloat(string name, nn.Module model) { var path = Path.Combine(folder, name); SafetensorsWriter.Save(path,
    model.state_dict()); return path; }
string SaveInt8(string name, nn.Module model) { var path = Path.Combine(folder, name); QuantizedCheckpoint.Save(path, model); return path; }
CompressionRow Measure(string variant, nn.Module<Tensor, Tensor> model, string path) => CompressionReport.Measure(variant, model, path,
    xTest, yTest);

var masked = Copy(baseline);
var masks90 = MagnitudePruning.Unstructured(masked, 0.9, PruningScope.Global);
var maskedTrainer = NewTrainer(masked, epochs: 3);
masks90.AttachTo(maskedTrainer);
maskedTrainer.Fit(x, y);

var neurons = Copy(baseline);
var neuronMasks = NeuronPruning.Prune(neurons, 0.75);
var neuronTrainer = NewTrainer(neurons, epochs: 3);
neuronMasks.AttachTo(neuronTrainer);
neuronTrainer.Fit(x, y);
var shrunk = NeuronPruning.Shrink(neurons, neuronMasks);

var int8 = Copy(baseline);
DynamicQuantization.QuantizeLinearLayers(int8);
var shrunkInt8 = Copy(shrunk);
DynamicQuantization.QuantizeLinearLayers(shrunkInt8);

var int8Path = SaveInt8("int8.safetensors", int8);
var compressionRows = new List<CompressionRow>
{
    Measure("float32 baseline", baseline, SaveFloat("baseline.safetensors", baseline)),
    Measure("90 % of weights zeroed (masks), fine-tuned", masked, SaveFloat("masked-90.safetensors", masked)),
    Measure($"75 % of neurons removed, fine-tuned ({string.Join("→", shrunk.Options.Widths)})", shrunk,
            SaveFloat("shrunk.safetensors", shrunk)),
    Measure("int8 weights, float32 activations", int8, int8Path),
    Measure("neurons removed + int8", shrunkInt8, SaveInt8("shrunk-int8.safetensors", shrunkInt8)),
};
CompressionReport.ToTable(compressionRows,
                          "Digits classifier: real files, latency measured here, accuracy on the 450 test digits").Display();
string Times(double ratio) => ratio >= 1 ? $"{ratio:F1}× the time (slower)" : $"{1 / ratio:F1}× faster";
var (floatRow, int8Row, shrunkRow) = (compressionRows[0], compressionRows[3], compressionRows[2]);
Console.WriteLine($"this run: int8 takes {Times(int8Row.MillisecondsBatch1 / floatRow.MillisecondsBatch1)} of float32 at batch 1 and " +
                  $"{Times(int8Row.MillisecondsLargeBatch / floatRow.MillisecondsLargeBatch)} at batch {floatRow.LargeBatch}; " +
                  $"the shrunk model {Times(shrunkRow.MillisecondsLargeBatch / floatRow.MillisecondsLargeBatch)} at batch " +
                  $"{floatRow.LargeBatch}");

// How to read it (the numbers are this run's; the line under the table gives its latency ratios):
//
// - **Size.** int8 stores a weight in one byte instead of four; biases and the per-channel scales stay float32, so
//   the file is a little less than 4× smaller. The masked model's file is exactly the baseline's size — 90 % zeros
//   cost the same four bytes each. Removing neurons shrinks the file by the parameters actually gone, and combines
//   with int8.
// - **Accuracy.** int8 weights change the accuracy by at most a digit or two of the 450 here, usually not at all (one
//   digit is 0.22 points); the unit test of the table asserts a drop of at most one point on another model.
// - **Latency.** The masked model does the same dense products as the baseline, so any difference between the two is
//   timing noise. The shrunk model does less arithmetic. The int8 model cannot be faster here, by construction: each
//   call widens the int8 weights to float32 before the same float32 product. At the large batch that extra pass is
//   small next to the product; at batch 1 arithmetic is negligible and time is TorchSharp's per-operation overhead,
//   and an int8 layer runs three operations (widen, product, scale-and-add-bias) where `Linear` runs one — which
//   weighs most at batch 1. Real int8 speed needs an int8 GEMM (fbgemm, oneDNN, VNNI/AMX instructions), which
//   TorchSharp does not expose; what int8 gives here is a 4× smaller file and a 4× smaller weight in memory.
//
// The file round-trips: a fresh model of the same shape, quantized, then loaded from the file, computes the same
// logits bit for bit.

// Cell 15
var reloaded = new SimpleModel(shape);
reloaded.to(device);
DynamicQuantization.QuantizeLinearLayers(reloaded);
QuantizedCheckpoint.Load(int8Path, reloaded);
using (torch.no_grad())
    Console.WriteLine($"reloaded int8 model == quantized model: {reloaded.call(xTest).equal(int8.call(xTest)).all().item<bool>()}; " +
                      $"file {new FileInfo(int8Path).Length:N0} bytes, " +
                      $"float32 file {new FileInfo(Path.Combine(folder, "baseline.safetensors")).Length:N0} bytes");

// **The classic snippet's quantization mistakes.** `quantize_dynamic` deep-copies the model (its default is
// `inplace=False`), calls `eval()` on the copy and converts that copy; the original is left exactly as it was. Two
// things follow. Both models stay in memory — the float32 original and the quantized copy — until you drop the first,
// which for a large model is the memory you meant to save. And the original keeps its mode: a "before and after"
// comparison that evaluates `model` without calling `model.eval()` measures dropout noise and batch statistics, not
// quantization error. `DynamicQuantization.QuantizeLinearLayers` converts in place (copy first when you want both, as
// this chapter does) and puts the model in eval mode. Finally, `torch.save(qmodel.state_dict())` writes PyTorch
// quantized-tensor objects (`_packed_params`) in a pickle that only PyTorch reads back; the safetensors file here is
// plain int8 + float32 that any reader can open.
//
// ### GPT-2
//
// Chapter 10's model: with the real `gpt2` in the Hugging Face cache (or reachable) this section uses it; offline it
// says so and uses the small GPT the workbook ships (`data/models/kjv-gpt`, trained on the King James Bible), so the
// logits and continuations compared are a trained model's, at a smaller size and with its own vocabulary. The
// quantized layers are the attention (`c_attn`, `c_proj`) and MLP (`c_fc`, `c_proj`) projections of every block,
// GPT-2's `Conv1D` layers (weights [in, out], so the scales are per column). The token embedding stays float32: it is
// a lookup table and, tied, also the output head, where quantization error would reach every logit directly.

// Cell 17
var hub = new HubClient(new HubOptions { ConnectTimeout = TimeSpan.FromSeconds(5), RequestTimeout = TimeSpan.FromSeconds(5) });
var choice = await Gpt2ModelChoice.FindAsync(hub);                       // cache, else hub, else the shipped small model
Console.WriteLine(choice.Message);
var gpt2Folder = choice.Folder;
var gptTokenizer = Gpt2Tokenizer.FromFolder(gpt2Folder);
var gptFloat = Gpt2LMHeadModel.FromPretrained(gpt2Folder, device);
var gptInt8 = Gpt2LMHeadModel.FromPretrained(gpt2Folder, device);
var gptQuantized = DynamicQuantization.QuantizeLinearLayers(gptInt8);
var gptConfig = gptFloat.Config;
Console.WriteLine($"{gptConfig.LayerCount} blocks × 4 projections quantized ({gptQuantized.Count} layers: {gptQuantized[0]}, " +
                  $"{gptQuantized[1]}, …)");

// Cell 18
var gptFloatPath = SaveFloat("gpt2-float32.safetensors", gptFloat);
var gptInt8Path = SaveInt8("gpt2-int8.safetensors", gptInt8);

// Logits on the same 4 × 64 random token ids; greedy continuations of 4 prompts.
torch.manual_seed(1);
var ids = torch.randint(0, gptConfig.VocabSize, [4, 64], device: device);
LogitComparison logitComparison;
using (torch.no_grad()) logitComparison = LogitComparison.Of(gptFloat.call(ids), gptInt8.call(ids));
var prompts = new[] { "The dog", "Hello, world", "I love", "The quick brown" }.Select(text => gptTokenizer.Encode(text)).ToArray();
var greedy = GenerationOptions.Greedy(24) with { StopAtEos = false };
var floatTokens = new Gpt2TokenGenerator(gptFloat).Generate(prompts, greedy);
var int8Tokens = new Gpt2TokenGenerator(gptInt8).Generate(prompts, greedy);
var sameTokens = floatTokens.Zip(int8Tokens).Sum(p => p.First.Zip(p.Second).Count(t => t.First == t.Second));
var totalTokens = floatTokens.Sum(r => r.Length);

// Decode latency: greedy, KV cache, batch 1, 32 new tokens after "The dog"; median of 5 runs, measured twice in
// alternation (float, int8, float, int8) and the faster of the two kept, so neither model pays for a busy moment alone.
double MsPerToken(Gpt2LMHeadModel model)
{
    var generator = new Gpt2TokenGenerator(model);
    var options = GenerationOptions.Greedy(32) with { StopAtEos = false };
    return LatencyMeasurement.MedianMilliseconds(() => generator.Generate(prompts[0], options), repeats: 5, warmup: 1) / 32;
}
// Renamed from here on: floatMs → floatMs_18 (the notebook declares it again; one C# file cannot)
var (floatMs_18, int8Ms) = (MsPerToken(gptFloat), MsPerToken(gptInt8));
(floatMs_18, int8Ms) = (Math.Min(floatMs_18, MsPerToken(gptFloat)), Math.Min(int8Ms, MsPerToken(gptInt8)));
long Bytes(string path) => new FileInfo(path).Length;
new Table(["GPT-2", "file (bytes)", "× smaller", "ms per token (decode, batch 1)", "max |Δ logit| (of range)",
           "same top-1 (4×64 positions)", "same greedy tokens"],
[
    ["float32", $"{Bytes(gptFloatPath):N0}", "1.00", $"{floatMs_18:F2}", "—", "—", "—"],
    ["int8 projections, float32 embedding/head", $"{Bytes(gptInt8Path):N0}", $"{(double)Bytes(gptFloatPath) / Bytes(gptInt8Path):F2}",
     $"{int8Ms:F2}",
     $"{logitComparison.MaxAbsoluteDifference:F4} ({logitComparison.MaxAbsoluteDifference / logitComparison.ReferenceRange:P2})",
     $"{logitComparison.Top1Agreement:P1}", $"{sameTokens} of {totalTokens}"],
], $"GPT-2 {gptConfig.LayerCount} layers × {gptConfig.EmbeddingSize} " +
   $"({(choice.IsRealGpt2 ? "real gpt2 weights" : "the shipped small GPT")})").Display();

// The size ratio is below 4× because the token embedding (vocabulary × d values, which is also the head) and the
// position embedding stay float32; the larger their share of the model, the smaller the saving. For the real 124M
// model the same arithmetic, on the exact parameter list (built on the `meta` device, so without memory):

// Cell 20
var meta = new Gpt2LMHeadModel(Gpt2Config.Gpt2, torch.META);
var projections = meta.named_parameters()
    .Where(p => (p.name.Contains(".attn.c_") || p.name.Contains(".mlp.c_")) && p.name.EndsWith(".weight")).ToList();
long allValues = meta.parameters().Sum(p => p.numel());
long projectionValues = projections.Sum(p => p.parameter.numel());
long scaleValues = projections.Sum(p => p.parameter.shape[1]);
double floatMB = 4.0 * allValues / 1e6, int8MB = (4.0 * (allValues - projectionValues) + projectionValues + 4.0 * scaleValues) / 1e6;
double headTooMB = int8MB - 3.0 * meta.TokenEmbedding.numel() / 1e6;
Console.WriteLine($"GPT-2 124M: {allValues:N0} values, {projectionValues:N0} ({(double)projectionValues / allValues:P0}) " +
                  "in the block projections.");
Console.WriteLine($"float32 {floatMB:F0} MB → int8 projections {int8MB:F0} MB ({floatMB / int8MB:F2}× smaller); " +
                  $"with the tied embedding/head int8 too: {headTooMB:F0} MB ({floatMB / headTooMB:F2}×).");

// Decode speed: one token of GPT-2 reads every weight once, so on a CPU it is bound by memory bandwidth, not
// arithmetic (chapter 10 and the README: ≈ 15 GB/s here). int8 weights read 4× fewer bytes — *if* the product
// consumed them directly. Here each call first widens them to float32 (an extra pass that writes and re-reads a
// float32 copy of every projection, every token), so the int8 model decodes no faster and usually slower. On a busy
// shared machine a single run of this cell can move either column by tens of percent. With a real int8 kernel the
// block projections would read 4× fewer bytes, and the float32 embedding/head (38.6 M values for the 124M model, read
// at every step) would then be most of the traffic — the reason production int8 GPT-2 builds quantize the head too.
//
// ### And wav2vec2's real-time factor?
//
// Chapter 13's wav2vec2-base transcribes 10 s of audio in 1.18 s on this 2-core machine (real-time factor 0.118,
// README); the target was 0.1. One second of audio costs about 14.6 GFLOP. Where they go, from the architecture
// (kernels, strides, widths in the README's wav2vec2 section; 49 frames per second):

// Cell 22
// Feature encoder: 7 convolutions, 512 channels; output frames per second of 16 kHz audio after each stride.
int[] kernels = [10, 3, 3, 3, 3, 2, 2], strides = [5, 2, 2, 2, 2, 2, 2];
double frames = 16000, convFlop = 0, inChannels = 1;
for (var i = 0; i < kernels.Length; i++)
{
    frames = Math.Floor((frames - kernels[i]) / strides[i]) + 1;
    convFlop += 2 * frames * 512 * inChannels * kernels[i];
    inChannels = 512;
}
// projection, 12 × (q,k,v,out + MLP), head
double linearFlop = 2 * frames * (512 * 768 + 12 * (4 * 768 * 768 + 2 * 768 * 3072) + 768 * 32);
double positionalFlop = 2 * frames * 768 * (768 / 16) * 128;                                          // grouped conv, kernel 128, 16 groups
double attentionFlop = 12 * 2 * 2 * frames * frames * 768;                                             // q·kᵀ and p·v for 1 s of context
double totalFlop = convFlop + linearFlop + positionalFlop + attentionFlop;
Console.WriteLine($"{frames} frames/s: convolutions {convFlop / 1e9:F1}, linear layers {linearFlop / 1e9:F1}, " +
                  $"positional conv {positionalFlop / 1e9:F2}, " +
                  $"attention {attentionFlop / 1e9:F2} → {totalFlop / 1e9:F1} GFLOP per second of audio");
double linearShare = linearFlop / totalFlop;
foreach (var speedUp in new[] { 2.0, 4.0 })
    Console.WriteLine($"int8 linear layers {speedUp}× faster, the rest unchanged: " +
                      $"RTF 0.118 → {0.118 * (1 - linearShare + linearShare / speedUp):F3}");

// What this library's int8 path does to one wav2vec2-sized layer (768 → 3072, 49 frames), measured here:
var ffn = nn.Linear(768, 3072);
ffn.to(device);
var ffnInt8 = QuantizedLinear.FromLinear(ffn);
ffnInt8.to(device);
var frameBatch = torch.randn(49, 768, device: device);
double LayerMs(nn.Module<Tensor, Tensor> layer)
{
    using var noGrad = torch.no_grad();
    return LatencyMeasurement.MedianMilliseconds(() => { using var o = layer.call(frameBatch); }, repeats: 20);
}
var (ffnFloatMs, ffnInt8Ms) = (LayerMs(ffn), LayerMs(ffnInt8));
Console.WriteLine($"768 → 3072 on 49 frames: float32 {ffnFloatMs:F3} ms, int8-stored {ffnInt8Ms:F3} ms ({ffnInt8Ms / ffnFloatMs:F2}× the " +
                  "float32 time)");

// So: the linear layers are about 60 % of the arithmetic (this count gives 13.8 GFLOP against the README's 14.6,
// which counts a few more small terms; the split is the point). Dynamic int8 quantization touches only the layers it
// has int8 kernels for — `Linear` here, and in PyTorch's `quantize_dynamic` also the recurrent `LSTM`/`GRU` cells by
// default — so the convolutional feature encoder, about a third of the work, stays float32. With an int8 GEMM twice
// as fast as float32 on the linear layers (typical for VNNI CPUs) Amdahl's law gives a real-time factor of about 0.08
// instead of 0.118 — under the 0.1 target — and about 0.065 at 4×, the bound with the convolutions untouched;
// quantizing those too (static quantization, with calibration data) would be the next step. That assumes the time
// scales with the FLOP counts; the int8 kernels also need the activations quantized per call, which eats into the
// gain at 49 frames per second of audio. This library's int8 path cannot deliver any of that: it widens the int8
// weights to float32 before the same float32 product, so per layer it does strictly more work than float32 (the line
// above times one layer; on a busy machine a single timing can land either way), because TorchSharp exposes no int8
// matrix product. On this machine the honest routes to RTF ≤ 0.1 are more cores, a runtime with int8 kernels (ONNX
// Runtime with its dynamic quantization, for instance), or bf16/int8 hardware. The real wav2vec2 is not run here (no
// weights on this machine); the numbers are the chapter 13 measurement and arithmetic.

// ## Exercises
//
// 1. Prune 90 % of the weights per layer instead of globally and fine-tune both. Which recovers better, and which
//    layer suffers most? (`SparsityReport` per layer tells.)
//    <details><summary>Hint</summary>
//
//    `MagnitudePruning.Unstructured(Copy(baseline), 0.9, PruningScope.PerLayer)`, then
//    `masks.AttachTo(NewTrainer(model, 3))` and `Fit(x, y)` as in the sweep. Per layer takes 90 % of the small output
//    layer too, whose 2 560 weights each carry more than one of the middle matrix's 65 536; expect it to recover
//    less.
//    </details>
// 2. Iterative pruning: prune 50 %, fine-tune, prune to 75 %, fine-tune, …, to 95 %. Compare with one-shot pruning to
//    95 % plus the same total number of fine-tuning epochs.
//    <details><summary>Hint</summary>
//
//    Keep one model; at each step call `MagnitudePruning.Unstructured` with the *cumulative* fraction (the zeros
//    already there are the smallest weights, so they stay pruned), attach the new masks to a fresh `NewTrainer(model,
//    1)` and fit. Count epochs so both schedules fine-tune equally long.
//    </details>
// 3. Quantize the baseline with *one* scale per matrix instead of per row (write it with `Int8Quantization` on the
//    flattened weight). How much larger is the worst-case error, and does accuracy notice?
//    <details><summary>Hint</summary>
//
//    `Int8Quantization.QuantizePerChannel(w.reshape(1, -1), channelAxis: 0, "fc1.weight")` gives one scale for the
//    whole matrix; compare `(w - q.Dequantize().reshape(w.shape)).abs().max()` with the per-row result of cell 11.
//    The bound is half of the largest scale in both cases, so the question is how much larger the matrix-wide max|w|
//    is than a typical row's.
//    </details>
// 4. Add a smaller `SimpleModel` trained from scratch (say 64 → 64 → 10) and its int8 version to the compression
//    table. Which compression gives the best accuracy per byte?
//    <details><summary>Hint</summary>
//
//    Train it with `NewTrainer(small, epochs: 20).Fit(x, y)`, then `compressionRows.Add(Measure("64 → 64 → 10",
//    small, SaveFloat("small.safetensors", small)))`, and the same with a quantized `Copy` saved by `SaveInt8`; then
//    `CompressionReport.ToTable(compressionRows)`. Chapter 16 trains such a small model from a large one.
//    </details>
//
// ## Playground

// Cell 25
// Your experiments here: baseline, x, y, xTest, yTest, NewTrainer, Copy, Accuracy, compressionRows, Measure, SaveFloat,
// SaveInt8, gptFloat and gptInt8 are defined.
CompressionReport.ToTable(compressionRows).Display();

// --- **Previous:** [14 · Deployment and serving](14-deployment-and-serving.ipynb) · **Next:** [16 · Knowledge
// distillation](16-knowledge-distillation.ipynb) · [Chapter list](../README.md#chapters)
