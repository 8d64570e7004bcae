using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Training;

/// <summary>
/// A supervised training loop you can read in one screen (<see cref="RunEpoch"/>): shuffled mini-batches, train/eval
/// mode, a dispose scope per step so no tensor outlives its step, optional L1/L2 penalties and gradient clipping,
/// validation after every epoch, early stopping, a <see cref="TrainingHistory"/>, a callback per epoch, and two per step
/// (<see cref="AfterBackward"/>, <see cref="AfterOptimizerStep"/>).
/// </summary>
/// <remarks>
/// The data is moved to the device of the model's parameters: move the model with <c>model.to(device)</c> before
/// creating its optimizer (moving afterwards leaves the optimizer holding the old tensors).
/// </remarks>
/// <example><code>
/// var model = new SimpleModel();
/// var trainer = new Trainer(model, torch.optim.Adam(model.parameters(), lr: 0.001), nn.CrossEntropyLoss());
/// trainer.Metrics["accuracy"] = EpochMetrics.Accuracy;
/// var history = trainer.Fit(xTrain, yTrain, xValidation, yValidation);
/// </code></example>
public sealed class Trainer
{
    private readonly Func<Tensor, Tensor, Tensor> _loss;

    /// <summary>A trainer for <paramref name="model"/>, stepping <paramref name="optimizer"/> on <paramref name="loss"/>(outputs, targets).</summary>
    /// <exception cref="ArgumentException">The optimizer does not hold the model's parameters, or an option is out of range.</exception>
    public Trainer(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, Func<Tensor, Tensor, Tensor> loss, TrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(loss);
        Options = options ?? new TrainingOptions();
        Options.Validate();
        var optimized = optimizer.parameters().Select(p => p.Handle).ToHashSet();
        if (!model.parameters().Where(p => p.requires_grad).Any(p => optimized.Contains(p.Handle)))
            throw new ArgumentException("The optimizer holds none of the model's parameters. Create the optimizer from this model instance " +
                                        "(optim.Adam(model.parameters(), ...)), and after moving the model to its device.", nameof(optimizer));
        Model = model;
        Optimizer = optimizer;
        _loss = loss;
    }

    /// <summary>A trainer whose loss is a TorchSharp loss module such as <c>nn.CrossEntropyLoss()</c>.</summary>
    public Trainer(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, nn.Module<Tensor, Tensor, Tensor> loss, TrainingOptions? options = null)
        : this(model, optimizer, (loss ?? throw new ArgumentNullException(nameof(loss))).call, options) { }

    /// <summary>The model being trained.</summary>
    public nn.Module<Tensor, Tensor> Model { get; }
    /// <summary>The optimizer stepping the model's parameters.</summary>
    public optim.Optimizer Optimizer { get; }
    /// <summary>How training runs; replace it (a record: <c>trainer.Options = trainer.Options with { Epochs = 5 }</c>) between calls.</summary>
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
    /// <exception cref="ArgumentException">The tensors do not pair up, or early stopping watches a value that is not recorded.</exception>
    public TrainingHistory Fit(Tensor features, Tensor targets, Tensor? validationFeatures = null, Tensor? validationTargets = null)
    {
        Options.Validate();
        RequirePaired(features, targets, "training");
        if ((validationFeatures is null) != (validationTargets is null))
            throw new ArgumentException("Give both validation features and validation targets, or neither.");
        if (validationFeatures is not null) RequirePaired(validationFeatures, validationTargets!, "validation");
        var stopping = Options.EarlyStopping;
        if (stopping is not null && stopping.Monitor.StartsWith("val_", StringComparison.Ordinal) && validationFeatures is null)
            throw new ArgumentException($"Early stopping monitors '{stopping.Monitor}', but Fit was given no validation data.");

        var device = ModelDevice;
        using var data = NewDisposeScope();
        var (x, y) = (features.to(device), targets.to(device));
        var (xVal, yVal) = (validationFeatures?.to(device), validationTargets?.to(device));

        var best = double.NaN;
        Dictionary<string, Tensor>? bestWeights = null;
        int? bestEpoch = null, sinceBest = 0;
        History.StoppedEpoch = null;
        History.RestoredEpoch = null;
        for (var i = 0; i < Options.Epochs; i++)
        {
            var epoch = History.Epochs.Count + 1;
            var clock = Stopwatch.StartNew();
            var values = RunEpoch(x, y, epoch);
            if (xVal is not null)
                foreach (var (name, value) in Evaluate(xVal, yVal!)) values.Add(new($"val_{name}", value));
            var record = new EpochRecord(epoch, values, clock.Elapsed.TotalSeconds);
            History.Add(record);
            OnEpoch?.Invoke(record);

            if (stopping is null) continue;
            if (!record.TryGet(stopping.Monitor, out var monitored))
                throw new ArgumentException($"Early stopping monitors '{stopping.Monitor}', which is not recorded; recorded values: {string.Join(", ", record.Values.Select(v => v.Key))}.");
            if (stopping.IsImprovement(monitored, best))
            {
                (best, bestEpoch, sinceBest) = (monitored, epoch, 0);
                if (stopping.RestoreBestWeights) { DisposeAll(bestWeights); bestWeights = CloneWeights(); }
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
                foreach (var (name, tensor) in Model.state_dict()) tensor.copy_(bestWeights[name]);
            History.RestoredEpoch = bestEpoch;
        }
        DisposeAll(bestWeights);
        return History;
    }

    /// <summary>One epoch over the training data: the whole algorithm of this class.</summary>
    private List<KeyValuePair<string, double>> RunEpoch(Tensor x, Tensor y, int epoch)
    {
        var seed = DeriveSeed(Options.Seed, epoch);
        torch.manual_seed(seed);                                           // dropout masks: reproducible, resumable
        var n = x.shape[0];
        using var epochScope = NewDisposeScope();
        var order = Options.Shuffle ? randperm(n, generator: new Generator((ulong)seed)).to(x.device) : arange(n, device: x.device);
        var outputs = new List<Tensor>();
        var batchTargets = new List<Tensor>();
        double lossSum = 0;
        long seen = 0;
        Model.train();
        for (long start = 0; start < n; start += Options.BatchSize)
        {
            var size = Math.Min(Options.BatchSize, n - start);
            if (Options.DropLast && size < Options.BatchSize) break;
            using var step = NewDisposeScope();                            // frees this step's activations and gradients' temporaries
            var batch = order.narrow(0, start, size);
            var (xb, yb) = (x.index_select(0, batch), y.index_select(0, batch));

            Optimizer.zero_grad();
            var output = Model.call(xb);
            var loss = _loss(output, yb);
            var objective = Options.L1 > 0 || Options.L2 > 0 ? loss + WeightPenalty.Compute(Model, Options.L1, Options.L2) : loss;
            objective.backward();
            AfterBackward?.Invoke();
            if (Options.GradientClipNorm is { } clip) nn.utils.clip_grad_norm_(Model.parameters(), clip);
            Optimizer.step();
            if (AfterOptimizerStep is { } afterStep)
                using (no_grad()) afterStep();

            lossSum += loss.item<float>() * size;                          // the data loss, without the penalty
            seen += size;
            outputs.Add(output.detach().MoveToOuterDisposeScope());
            batchTargets.Add(yb.MoveToOuterDisposeScope());
        }
        if (seen == 0) throw new ArgumentException($"No batch to train on: {n} samples with batch size {Options.BatchSize} and DropLast.");
        var values = new List<KeyValuePair<string, double>> { new("loss", lossSum / seen) };
        var (allOutputs, allTargets) = (cat(outputs, 0), cat(batchTargets, 0));
        foreach (var (name, metric) in Metrics) values.Add(new(name, metric(allOutputs, allTargets)));
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
        var values = new List<KeyValuePair<string, double>> { new("loss", _loss(outputs, y).item<float>()) };
        foreach (var (name, metric) in Metrics) values.Add(new(name, metric(outputs, y)));
        return values;
    }

    /// <summary>The model's outputs for <paramref name="features"/>, in eval mode without gradients, batch by batch; the model's mode is restored.</summary>
    public Tensor Predict(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.dim() == 0 || features.shape[0] == 0) throw new ArgumentException($"Nothing to predict: features have shape [{string.Join(", ", features.shape)}].", nameof(features));
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
            if (wasTraining) Model.train();
        }
    }

    /// <summary>Saves model, optimizer state and history to <paramref name="path"/> atomically (see <see cref="Checkpoint"/>).</summary>
    public void Save(string path) => Checkpoint.Save(path, Model, Optimizer, History);

    /// <summary>Restores model, optimizer state and history from a checkpoint, so <see cref="Fit"/> continues where it stopped.</summary>
    public void Resume(string path) => History = Checkpoint.Load(path, Model, Optimizer);

    /// <summary>The seed of epoch <paramref name="epoch"/>: distinct per epoch, the same on every run.</summary>
    internal static long DeriveSeed(int seed, int epoch) => (long)(((ulong)(uint)seed * 0x9E3779B97F4A7C15UL + (ulong)epoch * 0xBF58476D1CE4E5B9UL) >> 33);

    private Dictionary<string, Tensor> CloneWeights()
    {
        using var noGrad = no_grad();
        return Model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone().DetachFromDisposeScope());
    }

    private static void DisposeAll(Dictionary<string, Tensor>? tensors)
    {
        if (tensors is null) return;
        foreach (var t in tensors.Values) t.Dispose();
    }

    private static void RequirePaired(Tensor features, Tensor targets, string what)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(targets);
        if (features.dim() == 0 || features.shape[0] == 0)
            throw new ArgumentException($"The {what} features are empty (shape [{string.Join(", ", features.shape)}]).");
        if (targets.dim() == 0 || targets.shape[0] != features.shape[0])
            throw new ArgumentException($"The {what} data has {features.shape[0]} feature rows but targets of shape [{string.Join(", ", targets.shape)}]; there must be one target per row.");
    }
}
