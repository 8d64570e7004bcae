namespace Workbook.Wav2Vec2;

/// <summary>
/// How <see cref="CtcTraining"/> trains a wav2vec2 CTC model from scratch: the model's sizes, the batch, the
/// optimiser (AdamW with linear warm-up and cosine decay) and the budget. Training stops at <see cref="Steps"/> or
/// after <see cref="MaxMinutes"/>, whichever comes first; the schedule follows whichever is nearer its end. Introduced
/// with the small recogniser that chapter 13 uses offline.
/// </summary>
public sealed record CtcTrainingOptions
{
    /// <summary>
    /// The shipped small model's shape: wav2vec2's seven conv layers with its kernels and strides (one frame per
    /// 20 ms, so everything downstream works unchanged) but 64–128 channels instead of 512, a 192-wide transformer of 4
    /// layers instead of 768 × 12, a 32-tap positional convolution, and wav2vec2-base-960h's 32 symbols. The norms are
    /// those of the large-lv60 family — a LayerNorm after every conv layer and a pre-LN encoder —, the layout usually
    /// recommended for training from random weights; on this corpus both layouts were still on the all-blank plateau
    /// after 350 steps (loss 2.77 with base's single GroupNorm and post-LN, 2.74 with these).
    /// </summary>
    public static Wav2Vec2Config SmallConfig { get; } =
        new()
        {
            ConvChannels = [64, 96, 96, 128, 128, 128, 128],
            HiddenSize = 192,
            LayerCount = 4,
            HeadCount = 4,
            IntermediateSize = 768,
            PositionalKernel = 32,
            PositionalGroups = 16,
            FeatureNorm = "layer",
            StableLayerNorm = true,
            ConvBias = true,
        };

    /// <summary>The model to train.</summary>
    public Wav2Vec2Config Config { get; init; } = SmallConfig;

    /// <summary>At most this many optimiser steps.</summary>
    public int Steps { get; init; } = 100_000;

    /// <summary>At most this many minutes of training (evaluation and saving come after).</summary>
    public double MaxMinutes { get; init; } = 40;

    /// <summary>Audio per batch, in seconds, counting the padding of the shorter clips (clips of similar length are batched
    /// together).</summary>
    public double BatchSeconds { get; init; } = 40;

    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; init; } = 2e-3;

    /// <summary>Linear warm-up steps from 0 to the peak.</summary>
    public int WarmupSteps { get; init; } = 300;

    /// <summary>AdamW's decoupled weight decay.</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Gradients are clipped to this global norm.</summary>
    public double GradientClipNorm { get; init; } = 1.0;

    /// <summary>Share of batches that get white noise added (at a signal-to-noise ratio drawn from 15–40 dB).</summary>
    public double NoiseProbability { get; init; } = 0.5;

    /// <summary>Seeds initialisation, batch order and noise.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Steps between progress lines.</summary>
    public int LogEvery { get; init; } = 50;

    /// <summary>Checks the numbers; returns this.</summary>
    /// <exception cref="ArgumentException">A value is out of range (named).</exception>
    public CtcTrainingOptions Validate()
    {
        void Check(bool ok, string name, object value, string rule)
        {
            if (!ok)
                throw new ArgumentException($"CtcTrainingOptions.{name} is {value}; it must be {rule}.");
        }
        Config.Validate("CtcTrainingOptions.Config");
        Check(Steps > 0, nameof(Steps), Steps, "positive");
        Check(MaxMinutes > 0, nameof(MaxMinutes), MaxMinutes, "positive");
        Check(BatchSeconds is > 0 and <= 3600, nameof(BatchSeconds), BatchSeconds, "in (0, 3600]");
        Check(LearningRate is > 0 and < 1, nameof(LearningRate), LearningRate, "in (0, 1)");
        Check(WarmupSteps >= 0, nameof(WarmupSteps), WarmupSteps, "0 or more");
        Check(WeightDecay >= 0, nameof(WeightDecay), WeightDecay, "0 or more");
        Check(GradientClipNorm > 0, nameof(GradientClipNorm), GradientClipNorm, "positive");
        Check(NoiseProbability is >= 0 and <= 1, nameof(NoiseProbability), NoiseProbability, "in [0, 1]");
        Check(LogEvery > 0, nameof(LogEvery), LogEvery, "positive");
        return this;
    }
}
