// Generated from notebooks/07-convolutional-networks.ipynb by tools/notebook-to-app.sh: edit the notebook, then regenerate.
// Run from the repository root: dotnet run apps/07-convolutional-networks.cs
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
using System.Diagnostics;
using TorchSharp.Modules;
using Workbook.Metrics;
using Workbook.Vision;
using Workbook.Notebook.Apps;   // .Display() on the console

// # 07 · Convolutional networks
//
// Images have structure a fully connected network ignores: nearby pixels belong together, and a sleeve is a sleeve
// wherever it sits in the picture. A **convolutional network** builds that in — small filters slide over the image
// and share their weights across positions. This chapter classifies Fashion-MNIST clothing images with one, after
// doing convolution and pooling by hand, and then adds the three tools that made deep vision networks work in
// practice.
//
// **What you will learn**
// - convolution and max pooling written out on one image, checked against TorchSharp, with the feature maps shown;
// - the output-size arithmetic of kernel, padding and stride, checked against `Conv2d`;
// - a small CNN (conv → batch norm → ReLU → pool) against the earlier chapters' MLP: parameters, accuracy, time;
// - what the network learned and where it fails: filters, feature maps, misclassified images, the confusion matrix;
// - learning-rate schedules — step, cosine, one-cycle with warm-up — plotted and compared on the same model;
// - data augmentation with TorchVision's transforms and its effect on the train/validation gap with 1 000 images;
// - residual connections: a deep plain CNN against the same depth with skips, and a ResNet in TorchVision's style.
//
// Every training run uses a **subset** of Fashion-MNIST (the size is printed with each run) so the whole chapter runs
// in about a minute on a 2-core CPU; the full 60 000 images give a few points more, at twenty times the cost per
// epoch (exercise 1).

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


// ## Fashion-MNIST
//
// Zalando's Fashion-MNIST has the format of the classic MNIST digits — 28×28 grey images, 60 000 for training and 10
// 000 for testing, 10 classes — but shows clothing, which is harder to tell apart (a shirt from a T-shirt, a pullover
// from a coat). Debian packages it as `dataset-fashion-mnist` (MIT licence), and `tools/setup.sh` installs it: four
// gzip-compressed **IDX** files. IDX is a tiny format — a magic number with the element type and the number of
// dimensions, the dimensions as big-endian integers, then the raw bytes — and `IdxFile` checks each part before it
// trusts it: a truncated download or a wrong file is refused with the file's name and what is wrong.

// Cell 6
var (fashionTrain, fashionTest) = FashionMnist.LoadOrDigits(out var dataNote);
Console.WriteLine(dataNote);
Console.WriteLine(fashionTrain);
Console.WriteLine(fashionTest);
var classNames = fashionTrain.ClassNames;
var imageSize = fashionTrain.Height;
var isFashion = classNames.Count == 10 && classNames[0] == "T-shirt/top";

// Cell 7
var gallery = fashionTrain.Subset(Enumerable.Range(0, classNames.Count)
    .SelectMany(c => Enumerable.Range(0, fashionTrain.Count).Where(i => fashionTrain.Labels[i] == c).Take(8)).ToArray());
ImageGrid.FromTensor(gallery.ToTensors().Images, gallery.Labels.Select(l => classNames[l]).ToArray(), columns: 8, zoom: 2,
                     title: "The first eight training images of each class").Display();

// ## Convolution and pooling by hand
//
// A **convolution** layer slides a small kernel (here 3×3) over the image; at each position it multiplies the kernel
// with the pixels under it and sums: one number per position, together a **feature map**. (Deep-learning libraries
// compute cross-correlation — the kernel is not flipped — and call it convolution; with learned kernels the
// difference is immaterial.) With **padding** p the image gets p rows and columns of zeros around it first; with
// **stride** s the kernel moves s pixels at a time. **Max pooling** keeps the largest value of each 2×2 block and
// halves the map.
//
// Below, three hand-made kernels: a vertical-edge detector (Sobel), its transpose for horizontal edges, and a 3×3
// blur. The loops are the whole algorithm; `torch.nn.functional.conv2d` must give the same numbers.

// Cell 9
float[,] Convolve(float[,] input, float[,] kernel, int stride = 1, int padding = 0)
{
    int h = input.GetLength(0), w = input.GetLength(1), k = kernel.GetLength(0);
    var output = new float[(h + 2 * padding - k) / stride + 1, (w + 2 * padding - k) / stride + 1];
    for (var i = 0; i < output.GetLength(0); i++)
        for (var j = 0; j < output.GetLength(1); j++)
        {
            var sum = 0f;
            for (var a = 0; a < k; a++)
                for (var b = 0; b < k; b++)
                {
                    int y = i * stride + a - padding, x = j * stride + b - padding;
                    if (y >= 0 && y < h && x >= 0 && x < w) sum += input[y, x] * kernel[a, b];   // outside: the zero padding
                }
            output[i, j] = sum;
        }
    return output;
}

float[,] MaxPool(float[,] input, int size = 2)
{
    var output = new float[input.GetLength(0) / size, input.GetLength(1) / size];
    for (var i = 0; i < output.GetLength(0); i++)
        for (var j = 0; j < output.GetLength(1); j++)
        {
            var best = float.MinValue;
            for (var a = 0; a < size; a++)
                for (var b = 0; b < size; b++) best = Math.Max(best, input[i * size + a, j * size + b]);
            output[i, j] = best;
        }
    return output;
}

float[,] ToArray2D(Tensor t)
{
    var (h, w) = ((int)t.shape[0], (int)t.shape[1]);
    var flat = t.contiguous().data<float>().ToArray();
    var result = new float[h, w];
    for (var i = 0; i < h; i++) for (var j = 0; j < w; j++) result[i, j] = flat[i * w + j];
    return result;
}
Tensor ToTensor2D(float[,] a) => torch.tensor(a.Cast<float>().ToArray(), [a.GetLength(0), a.GetLength(1)]);

var kernels = new (string Name, float[,] Kernel)[]
{
    ("vertical edges", new float[,] { { -1, 0, 1 }, { -2, 0, 2 }, { -1, 0, 1 } }),
    ("horizontal edges", new float[,] { { -1, -2, -1 }, { 0, 0, 0 }, { 1, 2, 1 } }),
    ("blur", new float[,] { { 1 / 9f, 1 / 9f, 1 / 9f }, { 1 / 9f, 1 / 9f, 1 / 9f }, { 1 / 9f, 1 / 9f, 1 / 9f } }),
};
var sample = fashionTrain.Image(Enumerable.Range(0, fashionTrain.Count).First(i => fashionTrain.Labels[i] == (isFashion ? 9 : 0)));
var pixels = ToArray2D(sample[0]);
var byHand = kernels.Select(k => Convolve(pixels, k.Kernel, padding: 1)).ToArray();
var weights = torch.stack(kernels.Select(k => ToTensor2D(k.Kernel)).ToArray()).unsqueeze(1);      // [3 filters, 1 channel, 3, 3]
var byTorch = nn.functional.conv2d(sample.unsqueeze(0), weights, padding: [1, 1])[0];             // [3, H, W]
var convDifference = byHand.Select((m, i) => (ToTensor2D(m) - byTorch[i]).abs().max().item<float>()).Max();
var pooledByHand = MaxPool(byHand[0]);
var pooledByTorch = nn.functional.max_pool2d(byTorch[0].unsqueeze(0), 2)[0];
var poolDifference = (ToTensor2D(pooledByHand) - pooledByTorch).abs().max().item<float>();
Console.WriteLine($"largest |by hand − conv2d| over the three feature maps: {convDifference:G3}; max pooling: {poolDifference:G3}");
Console.WriteLine($"feature map {byHand[0].GetLength(0)}×{byHand[0].GetLength(1)} (padding 1 keeps the size), " +
                  $"after 2×2 pooling {pooledByHand.GetLength(0)}×{pooledByHand.GetLength(1)}");

var maps = new List<Tensor> { sample[0] };
maps.AddRange(byHand.Select(ToTensor2D));
var pooledUp = ToTensor2D(pooledByHand).repeat_interleave(2, 0).repeat_interleave(2, 1);            // shown at the same scale
maps.Add(pooledUp[..imageSize, ..imageSize]);
ImageGrid.FromTensor(torch.stack(maps.ToArray()), ["image", .. kernels.Select(k => k.Name), "vertical, max-pooled"], columns: 5, zoom: 4,
                     scaling: ImageScaling.PerImage, title: "One image, three kernels, one pooling (each map scaled to its own range)").Display();

// The vertical-edge kernel lights up where brightness changes from left to right (the boot's front and heel), the
// horizontal one where it changes from top to bottom (sole and top edge), and the blur averages detail away. Pooling
// keeps where each edge is, at half the resolution — and makes the map a little indifferent to a one-pixel shift.
//
// ### Output size
//
// Along each axis the output has ⌊(n + 2p − k) / s⌋ + 1 positions for input n, kernel k, padding p and stride s
// (PyTorch's formula also has a dilation term). `ConvolutionArithmetic.OutputSize` is that formula; the table checks
// it against what `Conv2d` and `MaxPool2d` actually produce on a 28×28 input, and against the loops above.

// Cell 11
var shapeCases = new (string Layer, int Kernel, int Stride, int Padding)[]
{
    ("conv", 3, 1, 0), ("conv", 3, 1, 1), ("conv", 5, 1, 2), ("conv", 3, 2, 1), ("conv", 5, 2, 0), ("conv", 7, 3, 3), ("max pool", 2, 2,
        0), ("max pool", 3, 2, 1),
};
var probe = torch.zeros(1, 1, 28, 28);
new Table(["layer", "kernel", "stride", "padding", "formula", "TorchSharp", "by hand", "agree"], shapeCases.Select(c =>
{
    var formula = ConvolutionArithmetic.OutputSize(28, c.Kernel, c.Stride, c.Padding);
    nn.Module<Tensor, Tensor> layer = c.Layer == "conv" ? nn.Conv2d(1, 1, c.Kernel, stride: c.Stride,
                                                                    padding: c.Padding) : nn.MaxPool2d(c.Kernel, c.Stride, c.Padding);
    var actual = (int)layer.call(probe).shape[2];
    var hand = c.Layer == "conv" ? Convolve(new float[28, 28], new float[c.Kernel, c.Kernel], c.Stride, c.Padding).GetLength(0) : formula;
    return Table.Row(c.Layer, $"{c.Kernel}", $"{c.Stride}", $"{c.Padding}", $"{formula}", $"{actual}", c.Layer == "conv" ? $"{hand}" : "–",
                     formula == actual && hand == actual ? "yes" : "NO");
}), caption: "Output height (= width) for a 28 × 28 input").Display();

// ## A small CNN against the MLP
//
// The CNN has two blocks — 3×3 convolution (16, then 32 filters) → batch norm → ReLU → 2×2 max pooling — and one
// linear layer on the 32 × 7 × 7 feature maps. (The convolutions have no bias: the batch norm right after subtracts
// the mean anyway and adds its own shift.) The MLP is chapter 03's `SimpleModel` on the 784 pixels, with one hidden
// layer of 128 units. Both train with Adam for the same epochs on the same 3 000 images (300 per class) and are
// judged on 1 000 test images. Time per epoch is measured, so it depends on this machine and its load.

// Cell 13
int PerClass(ImageDataset data, int wanted) => Math.Min(wanted, data.ClassCounts().Min());
var train = fashionTrain.SamplePerClass(PerClass(fashionTrain, 300), seed: 0);
var validation = fashionTest.Take(1000);
var (xValidation, yValidation) = validation.ToTensors(device);
Console.WriteLine($"training on {train.Count} images, validating on {validation.Count}");

TrainingHistory Fit(nn.Module<Tensor, Tensor> model, ImageDataset data, int epochs, double learningRate = 1e-3,
                    Func<optim.Optimizer, int, optim.lr_scheduler.LRScheduler> schedule = null, int batchSize = 64, bool validate = true)
{
    model.to(device);
    var optimizer = torch.optim.Adam(model.parameters(), lr: learningRate);
    var trainer = new Trainer(model, optimizer, nn.CrossEntropyLoss(), new TrainingOptions(Epochs: epochs, BatchSize: batchSize, Seed: 0));
    trainer.Metrics["accuracy"] = EpochMetrics.Accuracy;
    if (schedule is not null)
    {
        // stepped once per optimizer step
        var scheduler = schedule(optimizer, epochs * (int)Math.Ceiling(data.Count / (double)batchSize));
        trainer.AfterOptimizerStep = () => scheduler.step();
    }
    var (x, y) = data.ToTensors(device);
    return validate ? trainer.Fit(x, y, xValidation, yValidation) : trainer.Fit(x, y);
}

const int epochs = 3;
torch.manual_seed(0);
var mlp = nn.Sequential(("flatten", nn.Flatten()),
    ("mlp", new SimpleModel(new SimpleModelOptions(Inputs: imageSize * imageSize, HiddenWidths: [128], Outputs: classNames.Count))));
var mlpHistory = Fit(mlp, train, epochs);
torch.manual_seed(0);
var cnn = new SmallCnn(new SmallCnnOptions(ImageSize: imageSize, Channels: [16, 32], Classes: classNames.Count));
var cnnHistory = Fit(cnn, train, epochs);

long Parameters(nn.Module m) => m.parameters().Sum(p => p.numel());
new Table(["model", "parameters", "train accuracy", "validation accuracy", "seconds per epoch"],
    new[] { ("MLP 784 → 128 → 10", (nn.Module)mlp, mlpHistory), ("CNN (16, 32 filters)", cnn, cnnHistory) }.Select(r =>
        Table.Row(r.Item1, $"{Parameters(r.Item2):N0}", $"{r.Item3.Epochs[^1]["accuracy"]:P1}", $"{r.Item3.Epochs[^1]["val_accuracy"]:P1}",
                                $"{r.Item3.Epochs.Average(e => e.Seconds):F2}")),
    caption: $"{train.Count} training images, {epochs} epochs, Adam 1e-3, batch 64").Display();

// How to read it: the CNN matches or beats the MLP's validation accuracy with a fifth of its parameters — weight
// sharing is a strong prior for images (exercise 1 trains longer on more data). Each epoch costs far more arithmetic,
// though: every filter visits every position. On a CPU that shows as seconds per epoch; the README's benchmark
// compares this training speed with PyTorch's.
//
// ## What the CNN learned, and where it fails
//
// The 16 first-layer filters (red positive, blue negative weights), the 16 feature maps they produce on the boot
// above (after batch norm and ReLU), the misclassified validation images with the predicted and the true class, and
// the confusion matrix of all 1 000 validation images.

// Cell 15
var firstFilters = cnn.named_parameters().First(p => p.name == "backbone.conv1.weight").parameter.detach().cpu();
ImageGrid.FromTensor(firstFilters, Enumerable.Range(1, 16).Select(i => $"filter {i}").ToArray(), columns: 8, zoom: 16,
                     scaling: ImageScaling.Signed, title: "First-layer filters (3 × 3)").Display();

// Cell 16
var featureMaps = cnn.FeatureMaps(sample.unsqueeze(0).to(device), block: 1)[0].cpu();
ImageGrid.FromTensor(featureMaps, Enumerable.Range(1, 16).Select(i => $"map {i}").ToArray(), columns: 8, zoom: 3,
                     scaling: ImageScaling.PerImage, title: "First-block feature maps of the boot (after ReLU)").Display();

// Cell 17
cnn.eval();
int[] predicted;
using (torch.no_grad()) predicted = cnn.call(xValidation).argmax(1).cpu().data<long>().Select(v => (int)v).ToArray();
var truth = validation.Labels.ToArray();
var wrong = Enumerable.Range(0, truth.Length).Where(i => predicted[i] != truth[i]).Take(24).ToArray();
Console.WriteLine($"{truth.Zip(predicted).Count(p => p.First != p.Second)} of {truth.Length} validation images misclassified; " +
                  $"the first {wrong.Length}:");
var wrongImages = validation.Subset(wrong);
ImageGrid.FromTensor(wrongImages.ToTensors().Images,
                     wrong.Select(i => $"{classNames[predicted[i]]}\n(is {classNames[truth[i]]})").ToArray(),
                     columns: 8, zoom: 2, title: "Misclassified: predicted (true)").Display();

// Cell 18
// The class names are categories: the y axis must say so, or Plotly draws an empty linear axis.
Charts.ConfusionMatrix(ConfusionMatrix.Compute(truth, predicted).ToArray(), classNames, "CNN on 1 000 validation images")
    .WithYAxisStyle<double, double, string>(TitleText: "true class", AxisType: Plotly.NET.StyleParam.AxisType.Category).Display();

// The errors are not random: most fall among the upper-body garments — shirt, T-shirt, pullover, coat — which share a
// silhouette at 28 × 28 pixels; trousers and bags are rarely confused with anything, and the three kinds of footwear
// mostly with one another. The first-layer filters are small edge and blob detectors, like the hand-made kernels
// above but learned from data.
//
// ## Learning-rate schedules
//
// A constant learning rate is a compromise: large steps make fast progress early but keep bouncing around a minimum
// later. A **schedule** changes the rate as training goes: **step** decay multiplies it by γ every few epochs,
// **cosine** annealing lowers it along half a cosine to (almost) zero, and **one-cycle** first *warms up* — raising
// the rate from a small value over the first 30 % of the steps, which keeps the first updates (when batch-norm
// statistics and Adam's moment estimates are still poor) from doing damage — then anneals it far below the start.
// TorchSharp has all three (`StepLR`, `CosineAnnealingLR`, `OneCycleLR`); the library's `Trainer` steps a scheduler
// after every optimizer step through its `AfterOptimizerStep` hook. First the schedules themselves, over the steps of
// this section's runs:

// Cell 20
var scheduleImages = fashionTrain.SamplePerClass(PerClass(fashionTrain, 100), seed: 1);
const int scheduleEpochs = 3;
var stepsPerEpoch = (int)Math.Ceiling(scheduleImages.Count / 64.0);
var totalSteps = scheduleEpochs * stepsPerEpoch;
const double baseRate = 2e-3;
var schedules = new (string Name, Func<optim.Optimizer, int, optim.lr_scheduler.LRScheduler> Create)[]
{
    ("constant", null),
    ("step (×0.5 every epoch)", (o, total) => optim.lr_scheduler.StepLR(o, step_size: stepsPerEpoch, gamma: 0.5)),
    ("cosine", (o, total) => optim.lr_scheduler.CosineAnnealingLR(o, T_max: total)),
    ("one-cycle (30 % warm-up)", (o, total) => optim.lr_scheduler.OneCycleLR(o, max_lr: baseRate, total_steps: total, pct_start: 0.3,
        cycle_momentum: false)),
};
Charts.Curves(schedules.Select(s => (s.Name, (IReadOnlyList<double>)(s.Create is null
        ? Enumerable.Repeat(baseRate, totalSteps).ToArray()
        : LearningRateSchedules.Trace(o => s.Create(o, totalSteps), totalSteps, baseRate)))),
    "optimizer step", "learning rate", title: $"Learning rate per step ({scheduleEpochs} epochs × {stepsPerEpoch} steps)").Display();

// Cell 21
var scheduleRuns = schedules.Select(s =>
{
    torch.manual_seed(0);
    return (s.Name, History: Fit(new SmallCnn(new SmallCnnOptions(ImageSize: imageSize, Classes: classNames.Count)), scheduleImages,
                                 scheduleEpochs, baseRate, s.Create));
}).ToList();
Console.WriteLine($"{scheduleImages.Count} training images, {scheduleEpochs} epochs, Adam with base rate {baseRate}");
Chart.Combine([
    Charts.Curves(scheduleRuns.Select(r => ($"{r.Name}", (IReadOnlyList<double>)r.History.Series("loss"))), "epoch", "training loss"),
    Charts.Curves(scheduleRuns.Select(r => ($"{r.Name} (validation)", (IReadOnlyList<double>)r.History.Series("val_loss"))), "epoch",
                  "loss")])
    .Titled("Training and validation loss per schedule").Display();

// Cell 22
new Table(["schedule", "final training loss", "final validation loss", "final validation accuracy"],
    scheduleRuns.Select(r => Table.Row(r.Name, $"{r.History.Epochs[^1]["loss"]:F3}", $"{r.History.Epochs[^1]["val_loss"]:F3}",
                                       $"{r.History.Epochs[^1]["val_accuracy"]:P1}")),
    caption: $"The same CNN, data and seed; only the schedule differs ({scheduleImages.Count} images, {scheduleEpochs} epochs)").Display();

// What to expect: the decaying schedules end with small steps, so the weights stop bouncing around the minimum they
// have reached; that shows first in the validation loss, while with only a few epochs the training losses barely
// differ. On 1 000 validation images one image is 0.1 points of accuracy, so small differences are noise. One-cycle's
// warm-up matters most for large learning rates and large batches (exercise 3). This run:

// Cell 24
var constantRun = scheduleRuns[0].History.Epochs[^1];
foreach (var (name, history) in scheduleRuns.Skip(1))
    Console.WriteLine($"{name}: validation loss {history.Epochs[^1]["val_loss"]:F3} vs constant {constantRun["val_loss"]:F3} " +
                      $"({(history.Epochs[^1]["val_loss"] < constantRun["val_loss"] ? "lower" : "not lower")}), " +
                      $"training loss {history.Epochs[^1]["loss"]:F3} vs {constantRun["loss"]:F3}");

// ## Data augmentation with little data
//
// With 1 000 training images a CNN memorises them: training accuracy runs far ahead of validation. **Augmentation**
// shows it a slightly different version of each image every epoch — shifted, mirrored, rotated — so memorising pixels
// no longer works and only what survives the changes can be learned. TorchVision provides `RandomHorizontalFlip` and
// `RandomRotation`; its .NET version has no `RandomCrop` with padding (it has `Pad`, `Crop`, `CenterCrop` and the
// rescaling `RandomResizedCrop`), so `RandomPaddedCrop` in the library is the one transform written here: pad by 2
// pixels, cut a 28 × 28 window at a random offset. Flipping left–right is safe for clothing (a mirrored shoe is still
// a shoe); for digits it would not be (a mirrored 2 is no digit), so the flip is only used on Fashion-MNIST.
//
// `TrainingAugmentation` is a layer that transforms each image of a training batch separately and does nothing in
// evaluation mode, so it goes in front of the model and the `Trainer` needs no change.

// Cell 26
var smallTrain = fashionTrain.SamplePerClass(PerClass(fashionTrain, 100), seed: 2);
var crop = new RandomPaddedCrop(padding: 2);
var flip = torchvision.transforms.RandomHorizontalFlip(0.5);
var rotate = torchvision.transforms.RandomRotation(10);
Tensor Augment(Tensor image) => rotate.call(isFashion ? flip.call(crop.Apply(image)) : crop.Apply(image));

torch.manual_seed(3);
var examples = torch.stack(Enumerable.Range(0, 8).Select(_ => Augment(sample)).ToArray());
ImageGrid.FromTensor(torch.cat([sample.unsqueeze(0), examples]), ["original", .. Enumerable.Range(1, 8).Select(i => $"augmented {i}")],
                     columns: 9, zoom: 2,
                     title: "Eight random augmentations of one image").Display();

// Cell 27
const int augmentEpochs = 8;
torch.manual_seed(0);
var plain = Fit(new SmallCnn(new SmallCnnOptions(ImageSize: imageSize, Classes: classNames.Count)), smallTrain, augmentEpochs);
torch.manual_seed(0);
var augmented = Fit(nn.Sequential(("augment", new TrainingAugmentation(Augment)),
                                  ("cnn", new SmallCnn(new SmallCnnOptions(ImageSize: imageSize, Classes: classNames.Count)))),
                    smallTrain, augmentEpochs);
Console.WriteLine($"{smallTrain.Count} training images ({smallTrain.Count / classNames.Count} per class), {augmentEpochs} epochs, " +
                  $"validated on {validation.Count} test images");
Charts.Curves([("train, no augmentation", plain.Series("accuracy")), ("validation, no augmentation", plain.Series("val_accuracy")),
               ("train, augmented", augmented.Series("accuracy")), ("validation, augmented", augmented.Series("val_accuracy"))],
              "epoch", "accuracy", title: "Accuracy with and without augmentation").Display();

// Cell 28
new Table(["training data", "train accuracy", "validation accuracy", "gap", "validation loss", "seconds per epoch"],
    new[] { ("as is", plain), ("augmented (crop, flip, rotate)", augmented) }.Select(r =>
        Table.Row(r.Item1, $"{r.Item2.Epochs[^1]["accuracy"]:P1}", $"{r.Item2.Epochs[^1]["val_accuracy"]:P1}",
                                $"{r.Item2.Epochs[^1]["accuracy"] - r.Item2.Epochs[^1]["val_accuracy"]:P1}",
                                $"{r.Item2.Epochs[^1]["val_loss"]:F3}",
                                $"{r.Item2.Epochs.Average(e => e.Seconds):F2}")),
    caption: $"{smallTrain.Count} training images, epoch {augmentEpochs}").Display();

// How to read it: without augmentation the training accuracy runs ahead while validation stalls — the gap is
// memorisation. Augmented, the training accuracy is measured on the changed images, a harder task, so it climbs more
// slowly and the gap is smaller. Whether validation accuracy also rises within 8 epochs depends on the strength of
// the transforms and the epochs: augmentation trades slower fitting for less memorising and usually needs more epochs
// to pay off. This run:

// Cell 30
double Gap(TrainingHistory h) => h.Epochs[^1]["accuracy"] - h.Epochs[^1]["val_accuracy"];
Console.WriteLine($"train/validation gap {Gap(plain):P1} without augmentation, {Gap(augmented):P1} with it; " +
                  $"validation accuracy {plain.Epochs[^1]["val_accuracy"]:P1} → {augmented.Epochs[^1]["val_accuracy"]:P1}");

// ## Residual connections
//
// Stacking more convolution layers should never hurt in principle — the extra layers could learn the identity — yet a
// deep **plain** network trains worse than a shallower one: the signal and its gradient have to pass through every
// layer. A **residual block** computes y = ReLU(F(x) + x): the layers learn a correction F to the identity, and the
// gradient has a direct path through the addition. `BasicBlock` is TorchVision's ResNet block (two 3×3 convolutions
// with batch norm; a 1×1 convolution on the shortcut where the shape changes), and `SmallResNet` stacks three stages
// of them, doubling the channels and halving the image from stage to stage, with global average pooling before the
// head. `residual: false` builds the identical network without the additions. Both have 20 weighted layers (the
// ResNet paper's CIFAR-sized ResNet-20), with 8, 16 and 32 channels to fit the CPU budget.

// Cell 32
var deepTrain = fashionTrain.SamplePerClass(PerClass(fashionTrain, 30), seed: 4);
const int deepEpochs = 5;
var depthRuns = new[] { false, true }.Select(residual =>
{
    torch.manual_seed(0);
    var net = new SmallResNet([3, 3, 3], [8, 16, 32], imageSize: imageSize, classes: classNames.Count, residual: residual);
    return (Name: residual ? $"ResNet-{net.Depth} (skip connections)" : $"plain-{net.Depth} (no skips)", Net: net,
            // training curves: what depth makes hard is optimisation
            History: Fit(net, deepTrain, deepEpochs, batchSize: 32, validate: false));
}).ToList();
Console.WriteLine($"{deepTrain.Count} training images, {deepEpochs} epochs of batches of 32; " +
                  $"{Parameters(depthRuns[1].Net):N0} parameters with skips, {Parameters(depthRuns[0].Net):N0} without");
Chart.Combine([
    Charts.Curves(depthRuns.Select(r => ($"{r.Name}: loss", (IReadOnlyList<double>)r.History.Series("loss"))), "epoch",
                  "training loss / accuracy"),
    Charts.Curves(depthRuns.Select(r => ($"{r.Name}: accuracy", (IReadOnlyList<double>)r.History.Series("accuracy"))), "epoch",
                  "training loss / accuracy")])
    .Titled("Training curves at the same depth, with and without residual connections").Display();

// Cell 33
new Table(["network", "final training loss", "training accuracy", "seconds per epoch"],
    depthRuns.Select(r => Table.Row(r.Name, $"{r.History.Epochs[^1]["loss"]:F3}", $"{r.History.Epochs[^1]["accuracy"]:P1}",
                                    $"{r.History.Epochs.Average(e => e.Seconds):F2}")),
    caption: $"{deepTrain.Count} training images, {deepEpochs} epochs").Display();

// The ResNet paper's finding is that the residual network's training loss falls faster, and that the advantage grows
// with depth (exercise 4 doubles it); on this small budget the cell below states which network ended lower in this
// run. Its parameter names follow TorchVision's `resnet18` — `conv1`, `bn1`, `layer1.0.conv1`, …,
// `layer2.0.downsample.0`, `fc` — so the same loading code serves both, which chapter 08 uses:

// Cell 35
var (plainLoss, residualLoss) = (depthRuns[0].History.Epochs[^1]["loss"], depthRuns[1].History.Epochs[^1]["loss"]);
Console.WriteLine($"final training loss: {depthRuns[0].Name} {plainLoss:F3}, {depthRuns[1].Name} {residualLoss:F3} — " +
                  (residualLoss < plainLoss ? "the skip connections trained faster" : "no advantage for the skip connections in this " +
                                                                                      "short run"));
var resnet = depthRuns[1].Net;
new Table(["parameter", "shape"],
    resnet.named_parameters().Where(p => p.name.StartsWith("conv1") || p.name.StartsWith("layer2.0.") || p.name.StartsWith("fc"))
    .Select(p => Table.Row(p.name, $"[{string.Join(", ", p.parameter.shape)}]")), caption: "Some of the " +
                                                                                           $"{resnet.named_parameters().Count()} " +
                                                                                           $"parameter tensors of {depthRuns[1].Name}").Display();

// ## Exercises
//
// 1. Train the CNN on all 60 000 training images for 10 epochs (`fashionTrain` instead of `train`). How much higher
//    is validation accuracy, and how long does it take?
//    <details><summary>Hint</summary>
//
//    `Fit(new SmallCnn(new SmallCnnOptions(ImageSize: imageSize, Classes: classNames.Count)), fashionTrain, 10)`.
//    Measure one epoch first (`epochs: 1`): it is 20 times the 3 000-image epoch above, so the table's seconds per
//    epoch × 20 × 10 is the cost of the whole run. Compare `val_accuracy` of the last epoch with the table's.
//    </details>
// 2. Replace max pooling by a stride-2 convolution (`nn.Conv2d(c, c, 3, stride: 2, padding: 1)`). Check the output
//    size with `ConvolutionArithmetic.OutputSize` first, then compare accuracy and parameters.
//    <details><summary>Hint</summary>
//
//    `ConvolutionArithmetic.OutputSize(28, 3, stride: 2, padding: 1)` is 14, the same as 2×2 pooling, so the head
//    still sees 32 × 7 × 7 values. `SmallCnn` has no option for it; build the network as an `nn.Sequential` of named
//    layers (`conv1`, `bn1`, `relu1`, `down1` = the stride-2 convolution, …, `flatten`, `head` = `nn.Linear(32 * 7 *
//    7, 10)`) and train it with `Fit`. Each down-sampling convolution adds c·c·9 + c parameters (2 320 for c = 16, 9
//    248 for c = 32).
//    </details>
// 3. Raise the base learning rate to 1e-2 and run the four schedules again. Which one still trains?
//    <details><summary>Hint</summary>
//
//    `baseRate` is a constant in the schedule cell: change it and rerun the cells from there. Look at the first
//    epoch's training loss of each run: the constant, step and cosine schedules take their first steps at the full
//    rate, while one-cycle starts at `max_lr / 25` (TorchSharp's default `div_factor`) and only reaches 1e-2 after
//    its warm-up.
//    </details>
// 4. Build `SmallResNet([6, 6, 6], …)` (depth 38) with and without skips and compare the training loss after 5
//    epochs. Does the gap between plain and residual grow with depth?
//    <details><summary>Hint</summary>
//
//    In the `depthRuns` cell replace `[3, 3, 3]` by `[6, 6, 6]`; the names then say plain-38 and ResNet-38. Each run
//    costs about twice the depth-20 one. Compare the two final training losses that the next cells print with the
//    depth-20 pair above.
//    </details>
// 5. Turn off the flip (or the rotation) in `Augment` and measure each transform's share of the effect on the gap.
//    <details><summary>Hint</summary>
//
//    `Augment` is one line: `Tensor Augment(Tensor image) => rotate.call(crop.Apply(image));` drops the flip, `=>
//    flip.call(crop.Apply(image));` drops the rotation. Rerun the augmented `Fit` and compare `Gap(...)` and the
//    validation accuracy; each is a single seeded run, so a difference of a point is noise.
//    </details>
//
// ## Playground

// Cell 37
// Your experiments here: fashionTrain, fashionTest, train, validation, Fit(model, data, epochs, ...), Augment are defined.
var playground = Fit(new SmallCnn(new SmallCnnOptions(ImageSize: imageSize, Channels: [8, 16], Classes: classNames.Count)),
                     train.Take(1000), 3);
playground.Plot("val_accuracy").Display();

// --- **Previous:** [06 · Regularization and normalization](06-regularization-and-normalization.ipynb) · **Next:**
// [08 · Transfer learning](08-transfer-learning.ipynb) · [Chapter list](../README.md#chapters)
