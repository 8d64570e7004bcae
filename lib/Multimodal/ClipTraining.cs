using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using Workbook.Data;
using Workbook.Training;
using static TorchSharp.torch;

namespace Workbook.Multimodal;

/// <summary>
/// Contrastive training of a <see cref="ClipModel"/> on labelled images and per-class captions (introduced in chapter 12):
/// each step draws a batch of training images, pairs each with a caption of its class drawn at random, and minimises
/// <see cref="ContrastiveLoss"/> with the batch's classes as groups (two images of one class share their captions as
/// right answers; <see cref="ClipTrainingOptions.SameClassPositives"/> = false gives plain InfoNCE). The held-out classes
/// contribute nothing: neither an image nor a caption.
/// </summary>
public static class ClipTraining
{
    /// <summary>The most training images per class kept in memory as float tensors (3 kB each at 28 × 28).</summary>
    public const int ImagesPerClass = 2000;

    /// <summary>Trains <paramref name="model"/> in place (on the device its parameters are on).</summary>
    /// <param name="model">The model, untrained or not.</param>
    /// <param name="images">Labelled training images (Fashion-MNIST's training set); their class names must be the captions'.</param>
    /// <param name="captions">Captions of every class; the held-out classes' captions are skipped.</param>
    /// <param name="tokenizer">Turns captions into the text encoder's token ids.</param>
    /// <param name="options">Held-out classes, steps, batch size, learning rate, seed.</param>
    /// <param name="onStep">Called after every step with its number (1-based) and loss, e.g. for a progress bar.</param>
    /// <exception cref="ArgumentException">The images' classes are not the captions', or an option is out of range.</exception>
    /// <exception cref="TrainingDivergedException">A step's loss is not finite.</exception>
    public static ClipTrainingResult Train(
        ClipModel model,
        ImageDataset images,
        CaptionSet captions,
        CaptionTokenizer tokenizer,
        ClipTrainingOptions? options = null,
        Action<int, double>? onStep = null
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(captions);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (!images.ClassNames.SequenceEqual(captions.ClassNames))
            throw new ArgumentException(
                $"{images.Name} has the classes {string.Join(", ", images.ClassNames)}, "
                    + $"but the captions describe {string.Join(", ", captions.ClassNames)}.",
                nameof(images)
            );
        options ??= new ClipTrainingOptions();
        options.Validate(captions.ClassNames.Count);
        var heldOut = options.HeldOut.Distinct().Order().ToArray();
        var trained = Enumerable.Range(0, captions.ClassNames.Count).Where(k => !heldOut.Contains(k)).ToArray();
        var device = model.LogitScale.device;

        // The training pool: up to ImagesPerClass images of each trained class, their labels unchanged.
        var random = new SeededRandom(options.Seed);
        var perClass = new int[captions.ClassNames.Count];
        var pool = random
            .Permutation(images.Count)
            .Where(i => !heldOut.Contains(images.Labels[i]) && perClass[images.Labels[i]]++ < ImagesPerClass)
            .ToArray();
        if (pool.Length < options.BatchSize)
            throw new ArgumentException(
                $"{images.Name} has {pool.Length} images of the trained classes, fewer than one batch of {options.BatchSize}.",
                nameof(images)
            );
        var (poolImages, poolLabels) = images.Subset(pool).ToTensors(device);
        var labels = pool.Select(i => images.Labels[i]).ToArray();
        var trainingCaptions = captions.OfClasses(trained);
        var (captionIds, captionMask) = tokenizer.Encode([.. trainingCaptions.Select(c => c.Text)]);
        (captionIds, captionMask) = (captionIds.to(device), captionMask.to(device));
        var captionsOfClass = trained.ToDictionary(
            k => k,
            k => Enumerable.Range(0, trainingCaptions.Count).Where(j => trainingCaptions[j].Label == k).ToArray()
        );

        // Decay matrices only: shrinking a bias, a norm's gain or the temperature toward 0 regularises nothing useful.
        var parameters = model.parameters().Where(p => p.requires_grad).ToList();
        var optimizer = Optimizers.AdamW(
            [
                new AdamW.ParamGroup(parameters.Where(p => p.dim() >= 2), new AdamW.Options { weight_decay = 0.01 }),
                new AdamW.ParamGroup(parameters.Where(p => p.dim() < 2), new AdamW.Options { weight_decay = 0 }),
            ],
            lr: options.LearningRate
        );
        torch.manual_seed(options.Seed);
        var losses = new List<double>(options.Steps);
        var clock = Stopwatch.StartNew();
        model.train();
        try
        {
            for (var step = 1; step <= options.Steps; step++)
            {
                using var scope = NewDisposeScope();
                var batch = new long[options.BatchSize];
                var captionIndex = new long[options.BatchSize];
                var groups = new long[options.BatchSize];
                for (var b = 0; b < batch.Length; b++)
                {
                    var i = random.Integer(pool.Length);
                    var own = captionsOfClass[labels[i]];
                    (batch[b], captionIndex[b], groups[b]) = (i, own[random.Integer(own.Length)], labels[i]);
                }
                var imageBatch = poolImages.index_select(0, tensor(batch, device: device));
                // Every training caption once per step (they are few), then each image's caption picked from them.
                var allCaptions = model.EncodeTexts(captionIds, captionMask);
                var textBatch = allCaptions.index_select(0, tensor(captionIndex, device: device));
                var loss = ContrastiveLoss.Compute(
                    model.EncodeImages(imageBatch),
                    textBatch,
                    model.LogitScale,
                    options.SameClassPositives ? tensor(groups, device: device) : null
                );
                var value = loss.item<float>();
                if (!float.IsFinite(value))
                    throw new TrainingDivergedException(
                        1,
                        step,
                        value,
                        $"The contrastive loss became {value} at step {step}: lower the learning rate ({options.LearningRate:G3})."
                    );
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                losses.Add(value);
                onStep?.Invoke(step, value);
            }
        }
        finally
        {
            model.eval();
            poolImages.Dispose();
            poolLabels.Dispose();
            captionIds.Dispose();
            captionMask.Dispose();
        }
        return new ClipTrainingResult(losses, trained, heldOut, pool.Length, model.Temperature, clock.Elapsed);
    }
}
