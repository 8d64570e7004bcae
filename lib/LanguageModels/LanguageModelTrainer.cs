using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.LanguageModels;

/// <summary>
/// The pretraining loop of a next-token model (introduced in chapter 09), on one screen in <see cref="Train"/>:
/// seeded random windows (<see cref="LanguageModelBatches"/>), AdamW, warm-up + cosine (<see cref="WarmupCosineSchedule"/>),
/// gradient clipping, and every <see cref="LanguageModelTrainingOptions.EvaluateEvery"/> steps the validation loss on
/// held-out text, tokens per second and an optional sample. Any <c>Module&lt;Tensor, Tensor&gt;</c> that maps token ids
/// [batch, length] to logits [batch, length, vocab] trains: <c>Gpt2LMHeadModel</c>, <c>LstmLanguageModel</c>.
/// <code>
/// var trainer = new LanguageModelTrainer(model, new LanguageModelTrainingOptions { Steps = 300 });
/// trainer.Sample = step => generator.Generate("In the beginning", GenerationOptions.Greedy(20));
/// trainer.Train(trainingIds, validationIds);
/// trainer.Evaluations[^1].ValidationPerplexity;
/// </code>
/// </summary>
public sealed class LanguageModelTrainer
{
    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly optim.Optimizer _optimizer;
    private readonly List<LanguageModelStep> _steps = [];
    private readonly List<LanguageModelEvaluation> _evaluations = [];

    /// <summary>A trainer for <paramref name="model"/> (already on its device), with a fresh AdamW.</summary>
    /// <exception cref="ArgumentException">An option is out of range (see <see cref="LanguageModelTrainingOptions.Validate"/>).</exception>
    public LanguageModelTrainer(nn.Module<Tensor, Tensor> model, LanguageModelTrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        Options = (options ?? new LanguageModelTrainingOptions()).Validate();
        // Decay matrices and embeddings only: shrinking a bias or a LayerNorm gain toward 0 regularises nothing useful.
        var parameters = model.parameters().Where(p => p.requires_grad).ToList();
        _optimizer = optim.AdamW(
            [
                new AdamW.ParamGroup(parameters.Where(p => p.dim() >= 2), new AdamW.Options { weight_decay = Options.WeightDecay }),
                new AdamW.ParamGroup(parameters.Where(p => p.dim() < 2), new AdamW.Options { weight_decay = 0 }),
            ],
            lr: Options.PeakLearningRate,
            beta2: Options.Beta2
        );
    }

    /// <summary>The settings.</summary>
    public LanguageModelTrainingOptions Options { get; }

    /// <summary>Called at every evaluation with the step count, in eval mode and without gradients: return a sample text to record, e.g. a
    /// greedy continuation.</summary>
    public Func<int, string>? Sample { get; set; }

    /// <summary>Called after every evaluation (to print progress).</summary>
    public Action<LanguageModelEvaluation>? OnEvaluation { get; set; }

    /// <summary>Every step so far.</summary>
    public IReadOnlyList<LanguageModelStep> Steps => _steps;

    /// <summary>Every evaluation so far.</summary>
    public IReadOnlyList<LanguageModelEvaluation> Evaluations => _evaluations;

    /// <summary>Runs <see cref="LanguageModelTrainingOptions.Steps"/> steps (or until the time budget is spent) on
    /// <paramref name="training"/>, evaluating on <paramref name="validation"/>.</summary>
    /// <exception cref="ArgumentException">An array is shorter than one window (context + 1 tokens).</exception>
    /// <exception cref="Training.TrainingDivergedException">A step's loss is not finite.</exception>
    public void Train(int[] training, int[] validation)
    {
        ArgumentNullException.ThrowIfNull(validation);
        if (validation.Length < Options.ContextLength + 1)
            throw new ArgumentException(
                $"The validation text has {validation.Length:N0} tokens, "
                    + $"fewer than one window of context + 1 = {Options.ContextLength + 1}.",
                nameof(validation)
            );
        var batches = new LanguageModelBatches(training, Options.ContextLength, Options.BatchSize, Options.Seed);
        var schedule = Options.Schedule;
        var device = _model.parameters().First().device;
        var clock = new Stopwatch();
        double lossSinceEvaluation = 0;
        var stepsSinceEvaluation = 0;
        var budget = Options.TimeBudgetSeconds;
        double? warmupEnd = Options.WarmupSteps == 0 ? 0 : null;
        var last = false;
        for (var step = 1; !last; step++)
        {
            clock.Start();
            _model.train();
            // By steps, or with a time budget: warm-up by steps, then the cosine over the share of the remaining time used.
            var rate =
                budget is not { } seconds || step <= Options.WarmupSteps
                    ? schedule.LearningRate(step)
                    : schedule.Decay(
                        (clock.Elapsed.TotalSeconds - (warmupEnd ??= clock.Elapsed.TotalSeconds)) / (seconds - warmupEnd.Value)
                    );
            foreach (var group in _optimizer.ParamGroups)
                group.LearningRate = rate;
            using (var scope = NewDisposeScope()) // nothing of this step outlives it
            {
                var (inputs, targets) = batches.Next(device);
                var logits = _model.forward(inputs);
                // Mean over every predicted token (batch × context of them), so the loss and its gradient do not grow with the batch.
                var loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), targets.reshape(-1));
                var value = loss.ToSingle(); // any dtype (a bfloat16 model gives a bfloat16 loss)
                if (!float.IsFinite(value))
                    throw new Training.TrainingDivergedException(
                        1,
                        step,
                        value,
                        $"The training loss became {value} at step {step} (learning rate {rate:G3}): "
                            + "lower the peak rate or lengthen the warm-up."
                    );
                _optimizer.zero_grad();
                loss.backward();
                // Clipping bounds a step when one batch's gradient is far larger than usual (a rare window, early training).
                var norm = Options.GradientClipNorm is { } clip ? nn.utils.clip_grad_norm_(_model.parameters(), clip) : TotalGradientNorm();
                _optimizer.step();
                _steps.Add(new LanguageModelStep(step, rate, value, norm, Options.GradientClipNorm is { } limit && norm > limit));
                lossSinceEvaluation += value;
                stepsSinceEvaluation++;
            }
            clock.Stop();
            last = step == Options.Steps || clock.Elapsed.TotalSeconds >= budget;

            // After the first step (where the curves start), every EvaluateEvery steps, and after the last.
            if (step != 1 && step % Options.EvaluateEvery != 0 && !last)
                continue;
            var validationLoss = ValidationLoss(_model, validation, Options.ContextLength, Options.BatchSize, Options.MaxValidationWindows);
            string? sample = null;
            if (Sample is not null)
            {
                _model.eval();
                using var noGrad = no_grad();
                sample = Sample(step);
            }
            var tokensSeen = step * batches.TokensPerBatch;
            var evaluation = new LanguageModelEvaluation(
                step,
                tokensSeen,
                lossSinceEvaluation / stepsSinceEvaluation,
                validationLoss,
                clock.Elapsed.TotalSeconds,
                tokensSeen / clock.Elapsed.TotalSeconds,
                sample
            );
            _evaluations.Add(evaluation);
            OnEvaluation?.Invoke(evaluation);
            (lossSinceEvaluation, stepsSinceEvaluation) = (0, 0);
        }
        _model.eval();
    }

    /// <summary>
    /// Mean cross-entropy per token (nats) of <paramref name="model"/> on <paramref name="tokens"/>, in eval mode without
    /// gradients: the text is cut into consecutive windows of context + 1 tokens (no overlap, so no token is counted
    /// twice), up to <paramref name="maxWindows"/> of them spread evenly over the text, and every window predicts its
    /// last <paramref name="contextLength"/> tokens. Deterministic: the same windows every time.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than context + 1 tokens.</exception>
    public static double ValidationLoss(
        nn.Module<Tensor, Tensor> model,
        int[] tokens,
        int contextLength,
        int batchSize = 16,
        int? maxWindows = null
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(contextLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var windows = (tokens.Length - 1) / contextLength;
        if (windows == 0)
            throw new ArgumentException(
                $"The text has {tokens.Length:N0} tokens, fewer than one window of context + 1 = {contextLength + 1}.",
                nameof(tokens)
            );
        var used = Math.Min(windows, maxWindows ?? windows);
        var starts = Enumerable.Range(0, used).Select(i => (long)i * windows / used * contextLength).ToArray();
        var device = model.parameters().First().device;
        model.eval();
        using var noGrad = no_grad();
        double total = 0;
        foreach (var chunk in starts.Chunk(batchSize))
        {
            using var scope = NewDisposeScope();
            var inputs = new long[chunk.Length * contextLength];
            var targets = new long[chunk.Length * contextLength];
            for (var row = 0; row < chunk.Length; row++)
            for (var t = 0; t < contextLength; t++)
            {
                inputs[row * contextLength + t] = tokens[chunk[row] + t];
                targets[row * contextLength + t] = tokens[chunk[row] + t + 1];
            }
            long[] shape = [chunk.Length, contextLength];
            var logits = model.forward(tensor(inputs, shape, device: device));
            total += nn
                .functional.cross_entropy(
                    logits.reshape(-1, logits.shape[^1]).to(ScalarType.Float32),
                    tensor(targets, device: device),
                    reduction: nn.Reduction.Sum
                )
                .item<float>();
        }
        return total / ((long)used * contextLength);
    }

    private double TotalGradientNorm()
    {
        double squares = 0;
        foreach (var p in _model.parameters())
            if (p.grad is { } grad)
            {
                using var norm = grad.norm();
                squares += Math.Pow(norm.to(ScalarType.Float64).item<double>(), 2);
            }
        return Math.Sqrt(squares);
    }
}

/// <summary>An evaluation point of <see cref="LanguageModelTrainer"/> (introduced in chapter 09).</summary>
/// <param name="Step">Steps done.</param>
/// <param name="TokensSeen">Training tokens read so far (steps × batch × context).</param>
/// <param name="TrainingLoss">Mean training loss per token over the steps since the last evaluation (nats).</param>
/// <param name="ValidationLoss">Mean loss per token on the validation windows (nats).</param>
/// <param name="TrainingSeconds">Seconds spent in training steps so far (evaluations and samples excluded).</param>
/// <param name="TokensPerSecond">Training tokens per second of training time so far.</param>
/// <param name="Sample">The sample callback's text at this point, or null without one.</param>
public sealed record LanguageModelEvaluation(
    int Step,
    long TokensSeen,
    double TrainingLoss,
    double ValidationLoss,
    double TrainingSeconds,
    double TokensPerSecond,
    string? Sample
)
{
    /// <summary>Validation perplexity, e<sup>loss</sup>: the number of equally likely tokens the model is as unsure as.</summary>
    public double ValidationPerplexity => Math.Exp(ValidationLoss);
}

/// <summary>One optimizer step of <see cref="LanguageModelTrainer"/> (introduced in chapter 09).</summary>
/// <param name="Step">1 for the first step.</param>
/// <param name="LearningRate">The rate the step used.</param>
/// <param name="Loss">The batch's mean cross-entropy per token (nats).</param>
/// <param name="GradientNorm">The global gradient norm before clipping.</param>
/// <param name="Clipped">Whether the norm was above the limit, so the gradients were scaled down.</param>
public sealed record LanguageModelStep(int Step, double LearningRate, double Loss, double GradientNorm, bool Clipped);
