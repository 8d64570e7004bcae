// Generated from notebooks/05-grid-search.ipynb by tools/notebook-to-app.sh: edit the notebook, then regenerate.
// Run from the repository root: dotnet run apps/05-grid-search.cs
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
using Workbook.Tuning;
using Workbook.Notebook.Apps;   // .Display() on the console

// # 05 · Grid search: choosing hyper-parameters honestly
//
// The learning rate, the batch size and the width of the network are not learned by gradient descent — you choose
// them. This chapter chooses them by search: first the tutorial's learning-rate loop, then a grid over three
// hyper-parameters scored by cross-validation, and finally one honest measurement of the winner on data that took no
// part in choosing it.
//
// **What you will learn**
// - the tutorial's learning-rate grid, done with a fresh model *and optimizer* per value;
// - a grid over learning rate × batch size × hidden width with k-fold cross-validation (`lib/Tuning`), results as a
//   table, a `DataFrame` and a heatmap;
// - retraining the best configuration on all training data and evaluating it once on the held-out test set;
// - why you never tune on the test set, shown with numbers.
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

// ## Three kinds of data
//
// The classic data again, 1000 samples. 20 % is the **test** set: it is put aside now and used once, in the last
// section. Everything before that — training, validating, choosing — happens on the other 800.

// Cell 5
var data = SyntheticData.MakeClassification(samples: 1000, features: 10, informative: 5, seed: 42);
var (development, test) = TrainTestSplit.Split(data, testSize: 0.2, seed: 42, stratify: true);
var (fitPart, validationPart) = TrainTestSplit.Split(development, testSize: 0.25, seed: 42, stratify: true);
Console.WriteLine($"development {development.SampleCount} (fit {fitPart.SampleCount} + validation {validationPart.SampleCount}), " +
                  $"test {test.SampleCount}");

// One training run: a fresh model and a fresh optimizer from the configuration, trained, scored on validation data.
double FitAndScore(HyperParameters p, TabularDataset train, TabularDataset validation)
{
    var model = new SimpleModel(new SimpleModelOptions(HiddenWidths: [p.GetOrDefault("width", 64),
                                                                      p.GetOrDefault("width", 64)])).to(device);
    var trainer = new Trainer(model, torch.optim.Adam(model.parameters(), lr: p.Get<double>("lr")), nn.CrossEntropyLoss(),
                              new TrainingOptions(Epochs: 10, BatchSize: p.GetOrDefault("batch_size", 32)));
    trainer.Metrics["accuracy"] = EpochMetrics.Accuracy;
    var (x, y) = train.ToTensors(device);
    trainer.Fit(x, y);
    var (xv, yv) = validation.ToTensors(device);
    return trainer.Evaluate(xv, yv).Single(v => v.Key == "accuracy").Value;
}

// ## The tutorial's learning-rate loop
//
// The tutorial loops over `[0.001, 0.01, 0.1]`, building a new model and a new optimizer for each value. Both must be
// new: reusing the model would start the second run from the first run's weights, and an optimizer keeps state
// (Adam's moment estimates) that belongs to the parameters it was built for. `FitAndScore` above builds both, and the
// loop seeds TorchSharp before each, so every learning rate starts from the same initial weights — the only
// difference between the runs is the one being measured.

// Cell 7
foreach (var lr in new[] { 0.001, 0.01, 0.1 })
{
    torch.manual_seed(0);
    var configuration = new ParameterGrid { { "lr", lr } }.Single();
    Console.WriteLine($"lr = {lr,-5}: validation accuracy {FitAndScore(configuration, fitPart, validationPart):P1}");
}

// > **Question.** One validation split of 200 samples: how much of the difference between these three numbers is the
// > learning rate, and how much is which 200 samples happened to be held out?
//
// The tutorial's text is right that learning rate, batch size and network structure all matter — and they interact: a
// larger batch averages more samples per step, so it takes fewer steps per epoch and often wants a larger learning
// rate. So search them together, and score each configuration on several splits.
//
// ## A grid with cross-validation
//
// `GridSearch.Run` trains every combination on k folds of the development data (k-fold cross-validation: each fold is
// the validation part once, so every sample validates exactly once) and reports the mean and spread of the scores. It
// seeds TorchSharp before each fit, so the search is reproducible.

// Cell 9
var grid = new ParameterGrid
{
    { "lr", 0.001, 0.01, 0.1 },
    { "batch_size", 16, 64 },
    { "width", 16, 64 },
};
var progress = new ProgressBar("grid search", 0, grid.Count).Display();
var search = GridSearch.Run(grid, development, FitAndScore, new GridSearchOptions(Metric: "accuracy", Folds: 3, Seed: 0),
    onConfiguration: (row, done, total) => progress.Update(new ProgressBar("grid search", done, total,
        [("last mean accuracy", row.Mean)])));
search.Display();

// The standard deviation column matters: two configurations whose means differ by less than about one standard
// deviation are not distinguishable with this much data. The same results as a `Microsoft.Data.Analysis` `DataFrame`,
// for filtering and grouping — here the mean accuracy per learning rate:

// Cell 11
var frame = search.ToDataFrame();
var perLearningRate = frame.GroupBy("lr").Mean("mean_accuracy");
frame.Head(5).Display();      // Microsoft.Data.Analysis brings its own notebook formatter: DataFrames render as tables
perLearningRate.Display();

// Cell 12
search.Heatmap("lr", "batch_size").Display();

// Cell 13
// The heatmap's rows in words: for each learning rate, the batch size of its best configuration in this search.
foreach (var lr in search.Rows.Select(r => r.Parameters.Get<double>("lr")).Distinct().Order())
{
    var bestAtLr = search.Rows.Where(r => r.Parameters.Get<double>("lr") == lr).MaxBy(r => r.Mean)!;
    Console.WriteLine($"η = {lr}: best with batch {bestAtLr.Parameters.Get<int>("batch_size")} ({bestAtLr.Parameters}: " +
                      $"{bestAtLr.Mean:P1} ± {bestAtLr.StandardDeviation:P1})");
}

// Each cell shows the best configuration with that learning rate and batch size (over the widths), and the lines
// above say which batch size each learning rate preferred in this search. The interaction described above predicts
// the pattern to look for: at a small η the small batch tends to win (16 samples → 4× more steps per epoch than 64,
// each too short to overshoot), and as η grows the larger batch's less noisy steps catch up. Where two cells differ
// by less than their standard deviations, this much data cannot tell them apart.
//
// ## The winner, measured once
//
// The search picked its configuration on the development data. Retrain that configuration on **all** development data
// and evaluate it on the test set — the first and only time the test set is touched:

// Cell 15
var best = search.Best.Parameters;
torch.manual_seed(0);
var testAccuracy = FitAndScore(best, development, test);
Console.WriteLine($"best configuration: {best}");
Console.WriteLine($"cross-validated accuracy {search.Best.Mean:P1} ± {search.Best.StandardDeviation:P1}; test accuracy {testAccuracy:P1}");

// ## Why you never tune on the test set
//
// If you pick whatever scores best on the test set, the test score stops being an estimate and becomes a maximum — of
// noise as much as of skill. A direct demonstration on a new dataset: train the *same* configuration with 15
// different seeds (15 models of identical quality), select the one with the best accuracy on 200 "test" samples, then
// measure it on 2000 fresh samples from the same distribution that took no part in the selection.

// Cell 17
// One distribution, three parts: 800 to train on, 200 "test" samples to select by, 2000 fresh samples to check with.
var pool = SyntheticData.MakeClassification(samples: 3000, features: 10, informative: 5, seed: 7);
var (poolRest, freshSamples) = TrainTestSplit.Split(pool, testSize: 2000, seed: 0, stratify: true);
var (poolTrain, poolTest) = TrainTestSplit.Split(poolRest, testSize: 200, seed: 0, stratify: true);
var candidates = Enumerable.Range(0, 15).Select(seed =>
{
    torch.manual_seed(seed);
    var model = new SimpleModel(new SimpleModelOptions(HiddenWidths: [best.Get<int>("width"), best.Get<int>("width")])).to(device);
    var trainer = new Trainer(model, torch.optim.Adam(model.parameters(), lr: best.Get<double>("lr")), nn.CrossEntropyLoss(),
                              new TrainingOptions(Epochs: 10, BatchSize: best.Get<int>("batch_size"), Seed: seed));
    trainer.Metrics["accuracy"] = EpochMetrics.Accuracy;
    var (x, y) = poolTrain.ToTensors(device);
    trainer.Fit(x, y);
    double Accuracy(TabularDataset part) { var (xs, ys) = part.ToTensors(device); return trainer.Evaluate(xs,
        ys).Single(v => v.Key == "accuracy").Value; }
    return (Seed: seed, Test: Accuracy(poolTest), Fresh: Accuracy(freshSamples));
}).ToList();
var selected = candidates.MaxBy(c => c.Test);
var (averageTest, averageFresh) = (candidates.Average(c => c.Test), candidates.Average(c => c.Fresh));
Console.WriteLine($"selected by test accuracy (seed {selected.Seed}): test {selected.Test:P1}, fresh data {selected.Fresh:P1}");
Console.WriteLine($"average of all 15 models:             test {averageTest:P1}, fresh data {averageFresh:P1}");
Console.WriteLine($"advantage of the selected model:      test {100 * (selected.Test - averageTest):+0.0;-0.0} points, " +
                  $"fresh data {100 * (selected.Fresh - averageFresh):+0.0;-0.0} points");

// Compare the two "advantage" numbers. On the 200 samples it was selected by, the chosen model is, by construction,
// the best of the 15; on fresh data it is one more model of the same quality, so expect most of that margin to
// disappear there. The margin on the selection set is mostly luck — a good draw of 200 samples for that one seed —
// and reporting it would report luck as skill. Every decision made by looking at a score — a learning rate, an epoch
// count, a threshold, a seed — is a selection like this one. Make those decisions on validation folds, and keep one
// untouched set for the final number.
//
// ## Exercises
//
// 1. Add `"dropout", 0.0, 0.2` to the grid. How many fits does the search run now, and how long did it take (see the
//    `seconds` column)?
//    <details><summary>Hint</summary>
//
//    The grid's count multiplies: 3 learning rates × 2 batch sizes × 2 widths × 2 dropouts = 24 configurations, and
//    each is fitted once per fold, so 3 folds make 72 fits (36 before). `FitAndScore` must read the new value, or the
//    grid varies a name nobody uses: pass `Dropout: p.GetOrDefault("dropout", 0.0)` to `SimpleModelOptions`. The
//    `seconds` column is per configuration (all its folds); sum it, `search.Rows.Sum(r => r.Seconds)`, and expect
//    roughly twice the first search's time.
//    </details>
// 2. Rerun the search with `Folds: 5` and compare the standard deviations with the 3-fold run. Which configurations
//    swap places?
//    <details><summary>Hint</summary>
//
//    `GridSearch.Run(grid, development, FitAndScore, new GridSearchOptions(Metric: "accuracy", Folds: 5, Seed: 0))`.
//    Each 5-fold validation part holds 160 samples instead of about 267, so a single fold's score is noisier and the
//    standard deviation over folds tends to grow rather than shrink, even though the mean now rests on more (and
//    larger) training runs. Compare the order of `search.Rows` in both runs: configurations whose means lie within
//    about one standard deviation of each other are the ones that swap.
//    </details>
// 3. Repeat the last experiment with 100 seeds instead of 15. Does the selected model's test score rise or fall? Its
//    fresh score?
//    <details><summary>Hint</summary>
//
//    Change `Enumerable.Range(0, 15)` to `Enumerable.Range(0, 100)` (about 7 times longer). The selected model's
//    *test* score cannot fall: seeds 0–14 are among the 100 and each seed reproduces its model, so the maximum is
//    taken over a superset. Its *fresh* score has no such reason to rise: the more candidates you select from, the
//    more the winning margin on 200 samples is luck, so expect the test-minus-average advantage to grow while the
//    fresh-data advantage stays small.
//    </details>
// 4. Add weight decay (`torch.optim.AdamW(..., weight_decay: wd)`) as a searched hyper-parameter; chapter 06 explains
//    what it does.
//    <details><summary>Hint</summary>
//
//    Add an axis such as `{ "wd", 0.0, 0.01, 0.1, 1.0 }` (decays are searched on a log scale) and build the optimizer
//    in `FitAndScore` as `torch.optim.AdamW(model.parameters(), lr: p.Get<double>("lr"), weight_decay:
//    p.GetOrDefault("wd", 0.0))`. Four values multiply the grid by four; drop an axis you have already settled to
//    keep the run short. Read the decay with the learning rate: AdamW shrinks each weight by a factor (1 − lr·wd) per
//    step, so the two interact.
//    </details>
//
// ## Playground

// Cell 19
// Your experiments here: development, test, grid, search, frame and FitAndScore(...) are defined.
search.Heatmap("lr", "width").Display();

// --- **Previous:** [04 · Evaluation](04-evaluation.ipynb) · **Next:** [06 · Regularization and
// normalization](06-regularization-and-normalization.ipynb) · [Chapter list](../README.md#chapters)
