// Generated from notebooks/08-transfer-learning.ipynb by tools/notebook-to-app.sh: edit the notebook, then regenerate.
// Run from the repository root: dotnet run apps/08-transfer-learning.cs
// The notebook's cells run one after another (each begins at its `// Cell N`); what a cell shows is printed,
// and each chart is written as an HTML page whose path is printed. The native libtorch is chosen when the app is
// built (WORKBOOK_TORCH_BACKEND=cpu|cuda forces one; see apps/Directory.Build.targets).
#:project ../lib/Workbook.csproj
#:package TorchVision
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
using System.IO;
using TorchSharp.Modules;
using Workbook.Safetensors;
using Workbook.Vision;
using Workbook.Notebook.Apps;   // .Display() on the console

// # 08 · Transfer learning
//
// Labels are the expensive part of deep learning. **Transfer learning** trains a network once on a task with many
// labels and reuses what it learned — its convolutional backbone — for a new task with few. This chapter pretrains
// chapter 07's CNN on five Fashion-MNIST classes (T-shirts, trousers, pullovers, dresses, coats) and transfers it to
// the other five (sandals, shirts, sneakers, bags, ankle boots) with 1 to 50 labels per class, four ways; then shows
// how the same steps apply to an ImageNet ResNet-18 from TorchVision.
//
// **What you will learn**
// - pretraining a backbone and saving it as safetensors; loading only the backbone into a new model by name;
// - four ways to use it — from scratch, a linear probe on the frozen backbone, full fine-tuning, and fine-tuning with
//   a lower learning rate for the backbone — and how each fares against the number of labels, plotted;
// - why batch norm needs care when the backbone is frozen;
// - how this maps to fine-tuning an ImageNet ResNet-18: TorchVision's model definition, its parameter names, and
//   loading converted weights with the library's safetensors loader.
//
// Every run uses subsets (printed with each run) so the chapter takes under a minute of computation on a 2-core CPU.

// Cell 2
// Every chapter starts with this cell. It loads the workbook library (lib/, built by the README's set-up), then
// TorchSharp, the native libtorch for this machine (CUDA when an NVIDIA GPU is present; WORKBOOK_TORCH_BACKEND=cpu|cuda
// forces either) and the library's packages at the versions the repository pins — one line of output, not a list per package.
// In the notebook: #r "../lib/bin/Workbook.dll" (here the #:project line at the top)
// Notebook only: using Microsoft.DotNet.Interactive; (an app's .Display() comes from Workbook.Notebook.Apps)
// In the notebook: await Workbook.Notebook.ChapterSetup.LoadAsync(Kernel.Root, "TorchVision");
// An app cannot add packages while it runs: its build chose the native libtorch (apps/Directory.Build.targets).
Workbook.Notebook.AppSetup.Load();

// Cell 3
var device = Workbook.Notebook.ChapterSetup.Device;   // chosen by the first cell

// Cell 4


// ## Two tasks from one dataset
//
// The source task has plenty of labels: 500 images of each of the classes 0–4. The target task is classes 5–9,
// relabelled 0–4, with only a few labels per class for training; it is judged on 1 000 test images of those classes.
// Nothing of the target classes is seen during pretraining. (Without Fashion-MNIST installed, the digits 0–4 → 5–9
// stand in.)

// Cell 6
var (fashionTrain, fashionTest) = FashionMnist.LoadOrDigits(out var dataNote);
Console.WriteLine(dataNote);
var imageSize = fashionTrain.Height;
int[] sourceClasses = [0, 1, 2, 3, 4], targetClasses = [5, 6, 7, 8, 9];
var sourceAll = fashionTrain.OnlyClasses(sourceClasses);
var source = sourceAll.SamplePerClass(Math.Min(500, sourceAll.ClassCounts().Min()), seed: 0);
var targetPool = fashionTrain.OnlyClasses(targetClasses);
var targetTest = fashionTest.OnlyClasses(targetClasses).Take(1000);
Console.WriteLine($"source task: {source.Count} images of {string.Join(", ", source.ClassNames)}");
Console.WriteLine($"target task: {string.Join(", ", targetTest.ClassNames)}; {targetTest.Count} test images");
var (xTarget, yTarget) = targetTest.ToTensors(device);

// ## Pretraining, and saving the backbone
//
// The CNN is chapter 07's `SmallCnn`: a backbone of two conv → batch norm → ReLU → pool blocks, then a linear head.
// After pretraining, the whole state (parameters and batch-norm statistics) goes to a safetensors file — the format
// the Hugging Face hub and TorchVision users exchange weights in: a JSON header of names, dtypes and shapes, then raw
// data.

// Cell 8
TrainingHistory Fit(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, ImageDataset data, int epochs, Tensor xValidation = null,
                    Tensor yValidation = null)
{
    var trainer = new Trainer(model, optimizer, nn.CrossEntropyLoss(), new TrainingOptions(Epochs: epochs, BatchSize: 64, Seed: 0));
    trainer.Metrics["accuracy"] = EpochMetrics.Accuracy;
    var (x, y) = data.ToTensors(device);
    return trainer.Fit(x, y, xValidation, yValidation);
}
SmallCnn NewCnn(int classes) => (SmallCnn)new SmallCnn(new SmallCnnOptions(ImageSize: imageSize, Channels: [16, 32],
    Classes: classes)).to(device);

torch.manual_seed(0);
var pretrained = NewCnn(5);
var sourceTest = fashionTest.OnlyClasses(sourceClasses).Take(1000);
var (xSource, ySource) = sourceTest.ToTensors(device);
var pretraining = Fit(pretrained, torch.optim.Adam(pretrained.parameters(), lr: 1e-3), source, epochs: 3, xSource, ySource);
Console.WriteLine($"source task after pretraining: validation accuracy {pretraining.Epochs[^1]["val_accuracy"]:P1}");

var checkpointPath = Path.GetFullPath("../artifacts/chapter-08/pretrained-cnn.safetensors");   // git-ignored
SafetensorsWriter.Save(checkpointPath, pretrained.state_dict().ToDictionary(p => p.Key, p => p.Value.cpu()),
                       new Dictionary<string, string> { ["task"] = "Fashion-MNIST classes 0-4", ["architecture"] = "SmallCnn(16, 32)" });
using (var stored = SafetensorsFile.Open(checkpointPath))
    new Table(["tensor", "dtype", "shape"], stored.Tensors.Select(t => Table.Row(t.Name, t.Dtype, t.ShapeText)),
              caption: $"{Path.GetFileName(checkpointPath)}: {new FileInfo(checkpointPath).Length:N0} bytes").Display();

// The target model has a new head (5 outputs, fresh weights). Only the backbone comes from the file: the loader fills
// a module by name and checks every name and shape before reading any data; the name mapping strips the `backbone.`
// prefix and returns null for the old head, which is skipped (and reported).

// Cell 10
SmallCnn FromPretrained()
{
    var model = NewCnn(5);
    using var checkpoint = SafetensorsCheckpoint.Open(checkpointPath);
    var skipped = SafetensorsLoader.LoadInto(model.Backbone, checkpoint,
                                             name => name.StartsWith("backbone.") ? name["backbone.".Length..] : null);
    if (skipped.Count != 2)
        throw new InvalidOperationException($"expected to skip the old head only, skipped {string.Join(", ", skipped)}");
    return model;
}
var check = FromPretrained();
using (var stored = SafetensorsFile.Open(checkpointPath))
{
    var loadedConv1 = check.named_parameters().First(p => p.name == "backbone.conv1.weight").parameter;
    var same = stored.ReadTensor("backbone.conv1.weight").to(device).allclose(loadedConv1, rtol: 0, atol: 0);
    Console.WriteLine($"conv1 weights identical to the pretrained ones: {same}; skipped: head.weight, head.bias");
}

// ## Four ways to use the backbone
//
// - **From scratch**: a fresh CNN trained on the target labels only — the baseline.
// - **Linear probe**: the backbone stays frozen; only a new linear layer is trained on its features. Since the frozen
//   backbone's output never changes, the features are computed once, in evaluation mode, and the "network" trained is
//   just logistic regression. Evaluation mode matters: in training mode batch norm would normalise with the
//   statistics of each tiny target batch instead of the pretrained running averages, and with `Trainer` it would even
//   overwrite them.
// - **Full fine-tuning**: start from the pretrained weights and train everything at the usual rate (1e-3).
// - **Fine-tuning with a lower backbone rate**: two parameter groups, 1e-4 for the backbone and 1e-3 for the new head
//   — the head starts random and must move far, the backbone only a little, so it keeps what it learned.
//
// Each is trained for the same 15 epochs on 1, 5, 20 and 50 labels per class (so 5 to 250 labelled images; with one
// label per class an epoch is a single step), and scored once on the 1 000 target test images.

// Cell 12
double Accuracy(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
{
    model.eval();
    using (torch.no_grad()) return model.call(x).argmax(1).eq(y).to(ScalarType.Float32).mean().item<float>();
}

double Scratch(ImageDataset labelled, int epochs)
{
    torch.manual_seed(1);
    var model = NewCnn(5);
    Fit(model, torch.optim.Adam(model.parameters(), lr: 1e-3), labelled, epochs);
    return Accuracy(model, xTarget, yTarget);
}

double LinearProbe(ImageDataset labelled, int epochs)
{
    var backbone = FromPretrained().Backbone;
    backbone.eval();
    Tensor Features(Tensor images) { using (torch.no_grad()) return backbone.call(images); }
    var (x, y) = labelled.ToTensors(device);
    torch.manual_seed(1);
    var probe = nn.Linear(backbone.call(x[..1]).shape[1], 5).to(device);
    var trainer = new Trainer(probe, torch.optim.Adam(probe.parameters(), lr: 1e-2), nn.CrossEntropyLoss(),
                              new TrainingOptions(Epochs: epochs * 5, BatchSize: 64, Seed: 0));
    trainer.Fit(Features(x), y);
    return Accuracy(probe, Features(xTarget), yTarget);
}

double FineTune(ImageDataset labelled, int epochs, double backboneRate)
{
    torch.manual_seed(1);
    var model = FromPretrained();
    var optimizer = torch.optim.Adam([new Adam.ParamGroup(model.Backbone.parameters(), lr: backboneRate),
                                      new Adam.ParamGroup(model.Head.parameters(), lr: 1e-3)], lr: 1e-3);
    Fit(model, optimizer, labelled, epochs);
    return Accuracy(model, xTarget, yTarget);
}

int[] labelsPerClass = [1, 5, 20, 50];
const int transferEpochs = 15;
var methods = new (string Name, Func<ImageDataset, double> Run)[]
{
    ("from scratch", d => Scratch(d, transferEpochs)),
    ("linear probe (frozen backbone)", d => LinearProbe(d, transferEpochs)),
    ("full fine-tuning (1e-3)", d => FineTune(d, transferEpochs, 1e-3)),
    ("fine-tuning, backbone at 1e-4", d => FineTune(d, transferEpochs, 1e-4)),
};
var clock = System.Diagnostics.Stopwatch.StartNew();
var results = labelsPerClass.Select(n => (PerClass: n,
    Accuracies: methods.Select(m => m.Run(targetPool.SamplePerClass(n, seed: 10 + n))).ToArray())).ToList();
Console.WriteLine($"{methods.Length * labelsPerClass.Length} runs of {transferEpochs} epochs in {clock.Elapsed.TotalSeconds:F0} s");
new Table(["labels per class", "labelled images", .. methods.Select(m => m.Name)],
    results.Select(r => Table.Row([$"{r.PerClass}", $"{5 * r.PerClass}", .. r.Accuracies.Select(a => $"{a:P1}")])),
    caption: $"Target-task accuracy on {targetTest.Count} test images").Display();

// Cell 13
Chart.Combine(methods.Select((m, i) => Chart.Line<int, double,
    string>(x: results.Select(r => 5 * r.PerClass), y: results.Select(r => r.Accuracies[i]), Name: m.Name, ShowMarkers: true)))
    .WithXAxisStyle<double, double, string>(TitleText: "labelled target images (log scale)", AxisType: Plotly.NET.StyleParam.AxisType.Log)
    .WithYAxisStyle<double, double, string>(TitleText: "target test accuracy")
    .Titled("Accuracy against the number of labels").Display();

// What to look for: with a handful of labels, starting from the pretrained backbone should beat training from scratch
// by a wide margin — the backbone's edge and texture detectors transfer although no sandal or bag was shown to it —
// and the margin should shrink as labels grow and scratch training has enough data of its own. Between the probe and
// fine-tuning the balance depends on how far the target classes are from the source ones and how many labels there
// are: the probe cannot adapt the features, fine-tuning can, but may overfit the few labels. With 1 000 test images
// one image is 0.1 points, and each number is a single seeded run, so differences of a point or two are noise
// (exercise 2 averages seeds). This run:

// Cell 15
foreach (var (perClass, accuracies) in results)
{
    var best = Array.IndexOf(accuracies, accuracies.Max());
    var bestTransfer = accuracies.Skip(1).Max();
    Console.WriteLine($"{perClass,3} labels per class: best {methods[best].Name} ({accuracies[best]:P1}); " +
                      $"best transfer − scratch = {(bestTransfer - accuracies[0]) * 100:+0.0;-0.0} points; " +
                      $"probe − full fine-tuning = {(accuracies[1] - accuracies[2]) * 100:+0.0;-0.0} points");
}

// ## The same recipe with an ImageNet ResNet-18
//
// In practice the backbone is a large network pretrained on ImageNet — 1.28 million photos in 1 000 classes — and the
// recipe is the same: load the weights, replace the head with one for your classes, then probe or fine-tune.
// TorchVision for .NET has the model definitions (`torchvision.models.resnet18()`, …); their `weights_file` argument
// reads weights in TorchSharp's own format (exported from PyTorch with TorchSharp's `exportsd.py` script), not
// PyTorch's `.pth` pickle files. The route this library takes is to convert them to safetensors once in Python
// (`safetensors.torch.save_file(model.state_dict(), "resnet18.safetensors")`) or to take a safetensors checkpoint
// from the Hugging Face hub, then load it by name. Built on the `meta` device — shapes without memory — ResNet-18's
// parameter list shows what such a file must contain:

// Cell 17
var resnet18 = torchvision.models.resnet18(num_classes: 1000, device: torch.META);
var resnetParameters = resnet18.named_parameters().ToList();
var resnetBuffers = resnet18.named_buffers().ToList();
Console.WriteLine($"ResNet-18: {resnetParameters.Count} parameter tensors ({resnetParameters.Sum(p => p.parameter.numel()):N0} numbers), " +
                  $"{resnetBuffers.Count} buffers (batch-norm running_mean, running_var, num_batches_tracked)");
new Table(["TorchVision name (= PyTorch state_dict key)", "shape"],
    resnetParameters.Where(p => !p.name.StartsWith("layer1.1") && !p.name.StartsWith("layer2.") && !p.name.StartsWith("layer3.")
                                && !p.name.StartsWith("layer4.1"))
        .Select(p => Table.Row(p.name, $"[{string.Join(", ", p.parameter.shape)}]")),
    caption: "ResNet-18 parameters (layer1.1, layer2, layer3 and layer4.1 left out: same pattern)").Display();

// TorchVision for .NET names every parameter and buffer exactly as PyTorch's `state_dict()` does (`conv1.weight`,
// `layer1.0.bn1.running_mean`, `layer2.0.downsample.0.weight`, …, `fc.bias`), so the name mapping for a converted
// checkpoint is the identity (timm's ResNets use the same names); Hugging Face transformers'
// `ResNetForImageClassification` names its tensors differently (`resnet.embedder.…`, `resnet.encoder.stages.…`), and
// translating those is the job of the `mapName` function, as stripping `backbone.` was above. Fine-tuning for 5
// classes then means: load everything except `fc.*` (skip it, as the old head was skipped above) into
// `resnet18(num_classes: 5)`, and give the backbone the lower learning rate. ImageNet models expect 3 × 224 × 224 RGB
// inputs normalised with ImageNet's channel means and standard deviations (`transforms.Normalize([0.485, 0.456,
// 0.406], [0.229, 0.224, 0.225])`); grey 28 × 28 images would be resized and repeated over three channels. No
// pretrained weights are downloadable on this project's machines, so the cell below runs the mapping on the
// meta-device model only:

// Cell 19
string MapForFiveClasses(string checkpointName) => checkpointName.StartsWith("fc.") ? null : checkpointName;   // new head: keep it fresh
var target = torchvision.models.resnet18(num_classes: 5, device: torch.META);
var targetNames = target.named_parameters().Select(p => p.name).Concat(target.named_buffers().Select(b => b.name)).ToHashSet();
// what a converted file holds
var checkpointNames = resnetParameters.Select(p => p.name).Concat(resnetBuffers.Select(b => b.name)).ToList();
var loaded = checkpointNames.Where(n => MapForFiveClasses(n) is { } mapped && targetNames.Contains(mapped)).ToList();
var freshHead = targetNames.Except(loaded).ToList();
Console.WriteLine($"{loaded.Count} of {checkpointNames.Count} checkpoint tensors load by name; skipped: " +
                  $"{string.Join(", ", checkpointNames.Except(loaded))}; " +
                  $"left at their fresh initialisation: {string.Join(", ", freshHead)}");

// The real load is then the two lines used for the small CNN: `SafetensorsCheckpoint.Open(path)` and
// `SafetensorsLoader.LoadInto(module, checkpoint, MapForFiveClasses)` — except that `LoadInto` insists that every
// tensor of the module it fills is in the file, so it fills the backbone modules (all but `fc`), as it filled
// `model.Backbone` above.
//
// ## Exercises
//
// 1. Pretrain for 1 epoch instead of 3, and for 10. How does the linear probe's accuracy at 5 labels per class
//    change?
//    <details><summary>Hint</summary>
//
//    Change `epochs: 3` in the pretraining cell and rerun it and every cell after it: `FromPretrained()` reads the
//    file that cell writes. A better source model is not always a better backbone: features can specialise to the
//    source classes, which a frozen probe cannot undo.
//    </details>
// 2. Repeat the comparison with three sampling seeds and plot the mean and the spread. Which differences survive?
//    <details><summary>Hint</summary>
//
//    Run the `results` line once per seed (`targetPool.SamplePerClass(n, seed: s + n)` for s = 10, 20, 30), keep the
//    accuracies by method and label count, and plot the mean with one line each for mean − sd and mean + sd
//    (`Chart.Combine` of three `Chart.Line`s per method). A difference smaller than the spread has not survived.
//    </details>
// 3. Freeze only the first block (`requires_grad = false` on `backbone.conv1` and `backbone.bn1`) and fine-tune the
//    rest. Where does it land between the probe and full fine-tuning?
//    <details><summary>Hint</summary>
//
//    In a copy of `FineTune`, after `FromPretrained()`: `foreach (var (name, p) in model.named_parameters()) if
//    (name.StartsWith("backbone.conv1") || name.StartsWith("backbone.bn1")) p.requires_grad = false;`. Frozen
//    parameters get no gradient, and the optimizer leaves a parameter without a gradient alone. Batch norm's running
//    statistics still change in training mode: the frozen block is only fully frozen if `bn1` also stays in
//    evaluation mode.
//    </details>
// 4. Transfer the other way: pretrain on classes 5–9 and adapt to 0–4. Is it symmetric?
//    <details><summary>Hint</summary>
//
//    Swap the two arrays in the first data cell (`int[] sourceClasses = [5, 6, 7, 8, 9], targetClasses = [0, 1, 2, 3,
//    4];`) and rerun the chapter. The shirt (class 6) is the only upper-body garment in 5–9, while 0–4 has four of
//    them: the hard distinctions of the new target task were never needed in pretraining.
//    </details>
//
// ## Playground

// Cell 21
// Your experiments here: source, targetPool, targetTest, FromPretrained(), Scratch, LinearProbe, FineTune are defined.
FineTune(targetPool.SamplePerClass(10, seed: 0), epochs: 10, backboneRate: 3e-4).Display();

// --- **Previous:** [07 · Convolutional networks](07-convolutional-networks.ipynb) · **Next:** [09 · Pretraining a
// language model](09-pretraining-a-language-model.ipynb) · [Chapter list](../README.md#chapters)
