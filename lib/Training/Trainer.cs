using System.Diagnostics;
using TorchSharp;
using Workbook.Native;
using static TorchSharp.torch;

namespace Workbook.Training;

/// <summary>
/// A supervised training loop you can read in one screen (<see cref="RunEpoch"/>): shuffled mini-batches, train/eval
/// mode, a dispose scope per step so no tensor outlives its step, optional L1/L2 penalties and gradient clipping,
/// validation after every epoch, early stopping, a <see cref="TrainingHistory"/>, a callback per epoch, and two per step
/// (<see cref="AfterBackward"/>, <see cref="AfterOptimizerStep"/>).
/// Introduced in chapter 03.
/// </summary>
/// <remarks>
/// <para>The data is moved to the device of the model's parameters: move the model with <c>model.to(device)</c> before
/// creating its optimizer (moving afterwards leaves the optimizer holding the old tensors).</para>
/// <para>Bad settings and data are refused before they reach libtorch: a learning rate that is NaN, infinite or
/// negative; with <c>nn.CrossEntropyLoss</c>, labels outside 0 to classes − 1 or float labels (the message names the
/// targets, the value and the valid range); and by default the first step whose loss is not finite stops training with
/// a <see cref="TrainingDivergedException"/> naming the epoch and step.</para>
/// <para>The per-step code passes TorchSharp the <see cref="Scalar"/>s it needs from fields, never from implicit
/// conversions: in TorchSharp 0.107 an implicit Scalar (the alpha of <c>a + b</c>) can be finalised by a garbage
/// collection while libtorch still reads it. TorchSharp's own optimizers (<c>torch.optim.Adam</c>, <c>AdamW</c>,
/// <c>SGD</c>, …) carry that race inside <c>step()</c> (their learning rate, betas, momentum and weight decay are implicit Scalars), so a
/// run with one of them can still fail with <c>ExternalException … toFloat</c>. Give the Trainer one of <see cref="Optimizers"/> instead —
/// <see cref="Optimizers.Adam(IEnumerable{TorchSharp.Modules.Parameter}, double, double, double, double, double, bool, bool)"/>,
/// <see cref="Optimizers.AdamW(IEnumerable{TorchSharp.Modules.Parameter}, double, double, double, double, double, bool, bool)"/>,
/// <see cref="Optimizers.Sgd(IEnumerable{TorchSharp.Modules.Parameter}, double, double, double, double, bool, bool)"/>:
/// the same arguments and results, their Scalars held through every call.</para>
/// </remarks>
/// <example><code>
/// var model = new SimpleModel();
/// var trainer = new Trainer(model, Optimizers.Adam(model.parameters(), lr: 0.001), nn.CrossEntropyLoss());
/// trainer.Metrics["accuracy"] = EpochMetrics.Accuracy;
/// var history = trainer.Fit(xTrain, yTrain, xValidation, yValidation);
/// </code></example>
public sealed class Trainer
{
    private readonly Func<Tensor, Tensor, Tensor> _loss;
    private readonly long? _classLossIgnoreIndex;

    /// <summary>A trainer for <paramref name="model"/>, stepping <paramref name="optimizer"/> on <paramref name="loss"/>(outputs,
    /// targets).</summary>
    /// <exception cref="ArgumentException">The optimizer does not hold the model's parameters, or an option is out of range.</exception>
    public Trainer(
        nn.Module<Tensor, Tensor> model,
        optim.Optimizer optimizer,
        Func<Tensor, Tensor, Tensor> loss,
        TrainingOptions? options = null
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(loss);
        Options = options ?? new TrainingOptions();
        Options.Validate();
        RequireUsableLearningRates(optimizer);
        var optimized = optimizer.parameters().Select(p => p.Handle).ToHashSet();
        if (!model.parameters().Where(p => p.requires_grad).Any(p => optimized.Contains(p.Handle)))
            throw new ArgumentException(
                "The optimizer holds none of the model's parameters. Create the optimizer from this model instance "
                    + "(Optimizers.Adam(model.parameters(), ...)), and after moving the model to its device.",
                nameof(optimizer)
            );
        Model = model;
        Optimizer = optimizer;
        _loss = loss;
    }

    /// <summary>A trainer whose loss is a TorchSharp loss module such as <c>nn.CrossEntropyLoss()</c>.</summary>
    /// <remarks>With <c>nn.CrossEntropyLoss</c>, the targets are checked before training: class indices (Int64) from 0 to classes − 1, or
    /// class probabilities of the outputs' shape.</remarks>
    public Trainer(
        nn.Module<Tensor, Tensor> model,
        optim.Optimizer optimizer,
        nn.Module<Tensor, Tensor, Tensor> loss,
        TrainingOptions? options = null
    )
        : this(model, optimizer, (loss ?? throw new ArgumentNullException(nameof(loss))).call, options)
    {
        if (loss is TorchSharp.Modules.CrossEntropyLoss crossEntropy)
            _classLossIgnoreIndex = crossEntropy.ignore_index ?? -100;
    }

    /// <summary>The model being trained.</summary>
    public nn.Module<Tensor, Tensor> Model { get; }

    /// <summary>The optimizer stepping the model's parameters.</summary>
    public optim.Optimizer Optimizer { get; }

    /// <summary>How training runs; replace it (a record: <c>trainer.Options = trainer.Options with { Epochs = 5 }</c>) between
    /// calls.</summary>
    public TrainingOptions Options { get; set; }

    /// <summary>Metrics computed on each epoch's outputs and targets, by name (e.g. <c>["accuracy"] = EpochMetrics.Accuracy</c>).</summary>
    public IDictionary<string, Func<Tensor, Tensor, double>> Metrics { get; } = new Dictionary<string, Func<Tensor, Tensor, double>>();

    /// <summary>Called after every epoch with its record (drive a live progress display from here).</summary>
    public Action<EpochRecord>? OnEpoch { get; set; }

    /// <summary>
    /// Called in every training step after <c>backward()</c> and before gradient clipping and <c>Optimizer.step()</c>:
    /// the place to edit gradients (pruning zeroes the gradients of pruned weights here, so they do not feed the
    /// optimizer's moments or the clipping norm). Null does nothing.
    /// </summary>
    public Action? AfterBackward { get; set; }

    /// <summary>
    /// Called in every training step right after <c>Optimizer.step()</c>, inside no_grad: the place to constrain the
    /// parameters (pruning re-applies its masks here, so momentum and weight decay cannot revive pruned weights). Null
    /// does nothing.
    /// </summary>
    public Action? AfterOptimizerStep { get; set; }

    /// <summary>Every epoch trained so far, across calls to <see cref="Fit"/> and resumed checkpoints.</summary>
    public TrainingHistory History { get; internal set; } = new();

    private Device ModelDevice => Model.parameters().FirstOrDefault()?.device ?? CPU;

    /// <summary>
    /// Trains <see cref="TrainingOptions.Epochs"/> more epochs on (<paramref name="features"/>, <paramref name="targets"/>),
    /// evaluating on the validation pair after each when given.
    /// </summary>
    /// <returns><see cref="History"/>, with the new epochs appended.</returns>
    /// <exception cref="ArgumentException">The tensors do not pair up, the targets do not fit the loss, a learning rate is not a finite
    /// number ≥ 0, or early stopping watches a value that is not recorded.</exception>
    /// <exception cref="TrainingDivergedException">A step's loss was NaN or infinite and <see cref="TrainingOptions.StopOnNonFiniteLoss"/>
    /// is on.</exception>
    public TrainingHistory Fit(Tensor features, Tensor targets, Tensor? validationFeatures = null, Tensor? validationTargets = null)
    {
        Options.Validate();
        RequireUsableLearningRates(Optimizer); // a scheduler may have changed it since the constructor
        RequirePaired(features, targets, "training");
        if ((validationFeatures is null) != (validationTargets is null))
            throw new ArgumentException("Give both validation features and validation targets, or neither.");
        if (validationFeatures is not null)
            RequirePaired(validationFeatures, validationTargets!, "validation");
        var stopping = Options.EarlyStopping;
        if (stopping is not null && stopping.Monitor.StartsWith("val_", StringComparison.Ordinal) && validationFeatures is null)
            throw new ArgumentException($"Early stopping monitors '{stopping.Monitor}', but Fit was given no validation data.");

        var device = ModelDevice;
        using var data = NewDisposeScope();
        var (x, y) = (features.to(device), targets.to(device));
        var (xVal, yVal) = (validationFeatures?.to(device), validationTargets?.to(device));

        var best = double.NaN;
        Dictionary<string, Tensor>? bestWeights = null;
        int? bestEpoch = null,
            sinceBest = 0;
        History.StoppedEpoch = null;
        History.RestoredEpoch = null;
        var targetsChecked = false;
        for (var i = 0; i < Options.Epochs; i++)
        {
            var epoch = History.Epochs.Count + 1;
            var clock = Stopwatch.StartNew();
            var values = RunEpoch(
                x,
                y,
                epoch,
                outputs =>
                {
                    if (targetsChecked)
                        return;
                    CheckTargets(outputs, y, "training");
                    if (yVal is not null)
                        CheckTargets(outputs, yVal, "validation");
                    targetsChecked = true;
                }
            );
            if (xVal is not null)
                foreach (var (name, value) in Evaluate(xVal, yVal!))
                    values.Add(new($"val_{name}", value));
            var record = new EpochRecord(epoch, values, clock.Elapsed.TotalSeconds);
            History.Add(record);
            OnEpoch?.Invoke(record);

            if (stopping is null)
                continue;
            if (!record.TryGet(stopping.Monitor, out var monitored))
                throw new ArgumentException(
                    $"Early stopping monitors '{stopping.Monitor}', which is not recorded; recorded values: "
                        + $"{string.Join(", ", record.Values.Select(v => v.Key))}."
                );
            if (stopping.IsImprovement(monitored, best))
            {
                (best, bestEpoch, sinceBest) = (monitored, epoch, 0);
                if (stopping.RestoreBestWeights)
                {
                    DisposeAll(bestWeights);
                    bestWeights = CloneWeights();
                }
            }
            else if (++sinceBest >= stopping.Patience)
            {
                History.StoppedEpoch = epoch;
                break;
            }
        }
        if (bestWeights is not null && History.StoppedEpoch is not null)
        {
            using (no_grad())
                foreach (var (name, tensor) in Model.state_dict())
                    tensor.copy_(bestWeights[name]);
            History.RestoredEpoch = bestEpoch;
        }
        DisposeAll(bestWeights);
        return History;
    }

    /// <summary>
    /// One epoch over the training data: the whole algorithm of this class. <paramref name="checkTargets"/> sees each
    /// batch's outputs before its loss (the outputs tell how many classes there are).
    /// </summary>
    private List<KeyValuePair<string, double>> RunEpoch(Tensor x, Tensor y, int epoch, Action<Tensor> checkTargets)
    {
        var seed = DeriveSeed(Options.Seed, epoch);
        torch.manual_seed(seed); // dropout masks: reproducible, resumable
        var n = x.shape[0];
        using var epochScope = NewDisposeScope();
        using var count = n.ToScalar();
        var order = Options.Shuffle ? randperm(n, generator: new Generator((ulong)seed)).to(x.device) : arange(count, device: x.device);
        var outputs = new List<Tensor>();
        var batchTargets = new List<Tensor>();
        double lossSum = 0;
        long seen = 0;
        var stepNumber = 0;
        Model.train();
        for (long start = 0; start < n; start += Options.BatchSize)
        {
            var size = Math.Min(Options.BatchSize, n - start);
            if (Options.DropLast && size < Options.BatchSize)
                break;
            using var step = NewDisposeScope(); // frees this step's activations and gradients' temporaries
            var batch = order.narrow(0, start, size);
            var (xb, yb) = (x.index_select(0, batch), y.index_select(0, batch));

            stepNumber++;
            Optimizer.zero_grad();
            var output = Model.call(xb);
            checkTargets(output);
            var loss = _loss(output, yb);
            var lossValue = loss.item<float>();
            if (!float.IsFinite(lossValue) && Options.StopOnNonFiniteLoss)
                throw Diverged(epoch, stepNumber, lossValue, start, size);
            var objective =
                Options.L1 > 0 || Options.L2 > 0 ? loss.add(WeightPenalty.Compute(Model, Options.L1, Options.L2), KeptScalars.One) : loss;
            objective.backward();
            AfterBackward?.Invoke();
            if (Options.GradientClipNorm is { } clip)
                nn.utils.clip_grad_norm_(Model.parameters(), clip);
            Optimizer.step();
            if (AfterOptimizerStep is { } afterStep)
                using (no_grad())
                    afterStep();

            lossSum += lossValue * size; // the data loss, without the penalty
            seen += size;
            outputs.Add(output.detach().MoveToOuterDisposeScope());
            batchTargets.Add(yb.MoveToOuterDisposeScope());
        }
        if (seen == 0)
            throw new ArgumentException($"No batch to train on: {n} samples with batch size {Options.BatchSize} and DropLast.");
        var values = new List<KeyValuePair<string, double>> { new("loss", lossSum / seen) };
        var (allOutputs, allTargets) = (cat(outputs, 0), cat(batchTargets, 0));
        foreach (var (name, metric) in Metrics)
            values.Add(new(name, metric(allOutputs, allTargets)));
        return values;
    }

    /// <summary>Loss and metrics on (<paramref name="features"/>, <paramref name="targets"/>) in eval mode, without gradients.</summary>
    /// <exception cref="ArgumentException">The tensors do not pair up.</exception>
    public List<KeyValuePair<string, double>> Evaluate(Tensor features, Tensor targets)
    {
        RequirePaired(features, targets, "evaluation");
        using var scope = NewDisposeScope();
        var outputs = Predict(features);
        var y = targets.to(outputs.device);
        CheckTargets(outputs, y, "evaluation");
        var values = new List<KeyValuePair<string, double>> { new("loss", _loss(outputs, y).item<float>()) };
        foreach (var (name, metric) in Metrics)
            values.Add(new(name, metric(outputs, y)));
        return values;
    }

    /// <summary>The model's outputs for <paramref name="features"/>, in eval mode without gradients, batch by batch; the model's mode is
    /// restored.</summary>
    public Tensor Predict(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.dim() == 0 || features.shape[0] == 0)
            throw new ArgumentException(
                $"Nothing to predict: features have shape [{string.Join(", ", features.shape)}].",
                nameof(features)
            );
        var wasTraining = Model.training;
        Model.eval();
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var x = features.to(ModelDevice);
            var parts = new List<Tensor>();
            for (long start = 0; start < x.shape[0]; start += Options.EvaluationBatchSize)
                parts.Add(Model.call(x.narrow(0, start, Math.Min(Options.EvaluationBatchSize, x.shape[0] - start))));
            return cat(parts, 0).MoveToOuterDisposeScope();
        }
        finally
        {
            if (wasTraining)
                Model.train();
        }
    }

    /// <summary>Saves model, optimizer state and history to <paramref name="path"/> atomically (see <see cref="Checkpoint"/>).</summary>
    public void Save(string path) => Checkpoint.Save(path, Model, Optimizer, History);

    /// <summary>Restores model, optimizer state and history from a checkpoint, so <see cref="Fit"/> continues where it stopped.</summary>
    public void Resume(string path) => History = Checkpoint.Load(path, Model, Optimizer);

    /// <summary>The seed of epoch <paramref name="epoch"/>: distinct per epoch, the same on every run.</summary>
    internal static long DeriveSeed(int seed, int epoch) =>
        (long)(((ulong)(uint)seed * 0x9E3779B97F4A7C15UL + (ulong)epoch * 0xBF58476D1CE4E5B9UL) >> 33);

    private void CheckTargets(Tensor outputs, Tensor targets, string what)
    {
        if (_classLossIgnoreIndex is { } ignoreIndex)
            ClassIndexTargets.Check(outputs, targets, ignoreIndex, what);
    }

    /// <summary>PyTorch refuses a learning rate that is not ≥ 0; TorchSharp 0.107 lets NaN through, which trains silently to NaN
    /// weights.</summary>
    private static void RequireUsableLearningRates(optim.Optimizer optimizer)
    {
        var group = 0;
        foreach (var controller in optimizer.ParamGroups ?? [])
        {
            var rate = controller.LearningRate;
            if (!(rate >= 0) || double.IsInfinity(rate))
                throw new ArgumentOutOfRangeException(
                    nameof(optimizer),
                    rate,
                    $"The optimizer's learning rate{(group > 0 ? $" (parameter group {group})" : "")} is "
                        + $"{rate.ToString(System.Globalization.CultureInfo.InvariantCulture)}; "
                        + "it must be a finite number ≥ 0 (e.g. lr: 0.001)."
                );
            group++;
        }
    }

    private TrainingDivergedException Diverged(int epoch, int step, float loss, long start, long size)
    {
        var text = loss.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var rates = string.Join(
            ", ",
            (Optimizer.ParamGroups ?? []).Select(g => g.LearningRate.ToString("G4", System.Globalization.CultureInfo.InvariantCulture))
        );
        return new TrainingDivergedException(
            epoch,
            step,
            loss,
            $"Training stopped: the loss was {text} at epoch {epoch}, step {step} (positions {start} to {start + size - 1} of the epoch's "
                + $"{(Options.Shuffle ? "shuffled order" : "samples")}); "
                + "the weights are those after the previous step. Usual causes: "
                + $"a learning rate too high (this optimizer's is {rates}), inputs with NaN "
                + "or huge values (standardize them), or a loss that takes the log of 0. To train on regardless, "
                + "set TrainingOptions.StopOnNonFiniteLoss = false."
        );
    }

    private Dictionary<string, Tensor> CloneWeights()
    {
        using var noGrad = no_grad();
        return Model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone().DetachFromDisposeScope());
    }

    private static void DisposeAll(Dictionary<string, Tensor>? tensors)
    {
        if (tensors is null)
            return;
        foreach (var t in tensors.Values)
            t.Dispose();
    }

    private static void RequirePaired(Tensor features, Tensor targets, string what)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(targets);
        if (features.dim() == 0 || features.shape[0] == 0)
            throw new ArgumentException($"The {what} features are empty (shape [{string.Join(", ", features.shape)}]).");
        if (targets.dim() == 0 || targets.shape[0] != features.shape[0])
            throw new ArgumentException(
                $"The {what} data has {features.shape[0]} feature rows but targets of shape [{string.Join(", ", targets.shape)}]; "
                    + "there must be one target per row."
            );
    }
}
