using TorchSharp;
using Workbook.LanguageModels;
using Workbook.Training;
using static TorchSharp.torch;

namespace Workbook.Encoders;

/// <summary>Settings of <see cref="SequenceClassifierTraining.FineTune"/> (introduced in chapter 12).</summary>
public sealed record SequenceClassifierTrainingOptions
{
    /// <summary>Optimizer steps (the same for every labelled-set size, so runs cost the same).</summary>
    public int Steps { get; init; } = 60;

    /// <summary>Sequences per step.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Learning rate after warm-up; it then decays linearly to zero.</summary>
    public double LearningRate { get; init; } = 5e-4;

    /// <summary>Warm-up steps.</summary>
    public int WarmupSteps { get; init; } = 6;

    /// <summary>AdamW weight decay.</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Seed of the batches.</summary>
    public int Seed { get; init; } = 1;
}

/// <summary>
/// Fine-tunes a <see cref="BertForSequenceClassification"/> on labelled sequences and predicts with it (introduced in
/// chapter 12): batches drawn with a seed, cross-entropy on the logits, AdamW with warm-up then linear decay, gradient
/// clipping at 1, dropout on (training mode) while training and off while predicting.
/// </summary>
public static class SequenceClassifierTraining
{
    /// <summary>Trains <paramref name="model"/> in place; returns the loss of every step.</summary>
    /// <exception cref="ArgumentException">The sequences and labels differ in number, there are none, or a label is outside the model's
    /// classes.</exception>
    public static IReadOnlyList<double> FineTune(
        BertForSequenceClassification model,
        IReadOnlyList<int[]> sequences,
        IReadOnlyList<int> labels,
        SequenceClassifierTrainingOptions? options = null
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sequences);
        ArgumentNullException.ThrowIfNull(labels);
        options ??= new();
        if (sequences.Count == 0 || sequences.Count != labels.Count)
            throw new ArgumentException(
                $"Need as many labels as sequences (at least one); got {sequences.Count} sequences and {labels.Count} labels.",
                nameof(labels)
            );
        var classes = model.Config.LabelCount;
        if (labels.Any(l => l < 0 || l >= classes))
            throw new ArgumentException($"Labels must lie in [0, {classes}) (the model's classes).", nameof(labels));
        var pad = model.Config.PadTokenId;
        using var optimizer = Optimizers.AdamW(model.parameters(), lr: options.LearningRate, weight_decay: options.WeightDecay);
        var random = new Random(options.Seed);
        var losses = new List<double>(options.Steps);
        model.train();
        for (var step = 1; step <= options.Steps; step++)
        {
            var rate =
                step <= options.WarmupSteps
                    ? options.LearningRate * step / Math.Max(options.WarmupSteps, 1)
                    : options.LearningRate * (options.Steps - step + 1) / (options.Steps - options.WarmupSteps + 1.0);
            foreach (var group in optimizer.ParamGroups)
                group.LearningRate = rate;
            using var scope = NewDisposeScope();
            var picks = Enumerable
                .Range(0, Math.Min(options.BatchSize, sequences.Count))
                .Select(_ => random.Next(sequences.Count))
                .ToArray();
            var (ids, mask) = BertInputs.Pad([.. picks.Select(i => sequences[i])], pad);
            var targets = tensor(picks.Select(i => (long)labels[i]).ToArray());
            var loss = nn.functional.cross_entropy(model.Forward(ids, mask), targets);
            var value = loss.ToSingle();
            if (!float.IsFinite(value))
                throw new TrainingDivergedException(
                    1,
                    step,
                    value,
                    $"The classification loss became {value} at step {step}: lower the learning rate."
                );
            optimizer.zero_grad();
            loss.backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
            losses.Add(value);
        }
        model.eval();
        return losses;
    }

    /// <summary>The most probable class of each sequence, in eval mode without gradients.</summary>
    public static int[] Predict(BertForSequenceClassification model, IReadOnlyList<int[]> sequences, int batchSize = 64)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sequences);
        model.eval();
        using var noGrad = no_grad();
        var predictions = new List<int>(sequences.Count);
        foreach (var chunk in sequences.Chunk(batchSize))
        {
            using var scope = NewDisposeScope();
            var (ids, mask) = BertInputs.Pad(chunk, model.Config.PadTokenId);
            predictions.AddRange(model.Forward(ids, mask).argmax(-1).data<long>().ToArray().Select(p => (int)p));
        }
        return [.. predictions];
    }
}
