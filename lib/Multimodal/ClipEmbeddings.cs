using TorchSharp;
using Workbook.Data;
using static TorchSharp.torch;

namespace Workbook.Multimodal;

/// <summary>
/// Image and caption embeddings of a trained <see cref="ClipModel"/> in its shared space (introduced in chapter 12), and what
/// can be read from them: zero-shot classification by the nearest caption, image→text and text→image retrieval, and the
/// similarity matrix. Embeddings are unit vectors, so similarity is the cosine (the model's logits divided by its scale).
/// Disposing it frees both embedding tensors.
/// </summary>
public sealed class ClipEmbeddings : IDisposable
{
    private ClipEmbeddings(Tensor images, int[] imageLabels, Tensor captions, CaptionSet captionSet) =>
        (Images, ImageLabels, Captions, CaptionSet) = (images, imageLabels, captions, captionSet);

    /// <summary>Image embeddings [images, embedding], float32 on the CPU. Owned by this object, which disposes them.</summary>
    public Tensor Images { get; }

    /// <summary>The label of each embedded image.</summary>
    public IReadOnlyList<int> ImageLabels { get; }

    /// <summary>Caption embeddings [captions, embedding] of every caption of <see cref="CaptionSet"/>, in its order. Owned by this
    /// object, which disposes them.</summary>
    public Tensor Captions { get; }

    /// <summary>The captions embedded.</summary>
    public CaptionSet CaptionSet { get; }

    /// <summary>Embeds <paramref name="images"/> (in batches, evaluation mode, without gradients) and every caption of
    /// <paramref name="captions"/>.</summary>
    /// <exception cref="ArgumentException">The images' classes are not the captions'.</exception>
    public static ClipEmbeddings Compute(
        ClipModel model,
        ImageDataset images,
        CaptionSet captions,
        CaptionTokenizer tokenizer,
        int batchSize = 1000
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(captions);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (!images.ClassNames.SequenceEqual(captions.ClassNames))
            throw new ArgumentException(
                $"{images.Name} has the classes {string.Join(", ", images.ClassNames)}, "
                    + $"but the captions describe {string.Join(", ", captions.ClassNames)}.",
                nameof(images)
            );
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            var device = model.LogitScale.device;
            var parts = new List<Tensor>();
            foreach (var (batch, labels) in images.Batches(batchSize, device: device))
            {
                parts.Add(model.EncodeImages(batch).cpu());
                batch.Dispose();
                labels.Dispose();
            }
            var (ids, mask) = tokenizer.Encode(captions.Texts);
            var captionEmbeddings = model.EncodeTexts(ids.to(device), mask.to(device)).cpu();
            using var imageEmbeddings = cat(parts, 0);
            foreach (var p in parts)
                p.Dispose();
            return FromTensors(imageEmbeddings, images.Labels, captionEmbeddings, captions);
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>
    /// Embeddings computed elsewhere: image embeddings [images, d] with their labels, and the embeddings [captions, d] of
    /// every caption of <paramref name="captions"/> in its order. Rows should be unit length (a <see cref="ClipModel"/>'s are).
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not match the labels or the captions; the message gives them.</exception>
    public static ClipEmbeddings FromTensors(Tensor images, IReadOnlyList<int> imageLabels, Tensor captionEmbeddings, CaptionSet captions)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(imageLabels);
        ArgumentNullException.ThrowIfNull(captionEmbeddings);
        ArgumentNullException.ThrowIfNull(captions);
        if (images.dim() != 2 || images.shape[0] != imageLabels.Count || !images.is_floating_point())
            throw new ArgumentException(
                $"Image embeddings must be float [{imageLabels.Count}, d], one row per label; "
                    + $"got {images.dtype} [{string.Join(", ", images.shape)}].",
                nameof(images)
            );
        if (
            captionEmbeddings.dim() != 2
            || captionEmbeddings.shape[0] != captions.Captions.Count
            || captionEmbeddings.shape[1] != images.shape[1]
        )
            throw new ArgumentException(
                $"Caption embeddings must be [{captions.Captions.Count}, {images.shape[1]}] (one row per caption, the images' width); "
                    + $"got [{string.Join(", ", captionEmbeddings.shape)}].",
                nameof(captionEmbeddings)
            );
        if (imageLabels.Any(k => k < 0 || k >= captions.ClassNames.Count))
            throw new ArgumentException($"Image labels must be classes 0..{captions.ClassNames.Count - 1}.", nameof(imageLabels));
        return new ClipEmbeddings(
            images.detach().cpu().to(ScalarType.Float32),
            [.. imageLabels],
            captionEmbeddings.detach().cpu().to(ScalarType.Float32),
            captions
        );
    }

    /// <summary>Cosine similarities [images, captions].</summary>
    public Tensor Similarities() => Images.matmul(Captions.t());

    /// <summary>
    /// Classifies every image by its nearest caption (the class of the most similar caption), among all captions and, for
    /// the held-out classes' images, among the held-out classes' captions only.
    /// </summary>
    /// <exception cref="ArgumentException">A held-out label is not a class, or no image is of a held-out or of a trained class.</exception>
    public ZeroShotReport ZeroShot(IReadOnlyCollection<int> heldOut)
    {
        ArgumentNullException.ThrowIfNull(heldOut);
        var classes = CaptionSet.ClassNames.Count;
        if (heldOut.Count == 0 || heldOut.Any(k => k < 0 || k >= classes))
            throw new ArgumentException(
                $"Held-out classes must be labels 0..{classes - 1}; got [{string.Join(", ", heldOut)}].",
                nameof(heldOut)
            );
        var captionLabels = CaptionSet.Labels.ToArray();
        using var scope = NewDisposeScope();
        var similarities = Similarities();
        var nearest = similarities.argmax(1).data<long>().ToArray();
        var heldOutColumns = Enumerable.Range(0, captionLabels.Length).Where(j => heldOut.Contains(captionLabels[j])).ToArray();
        var nearestHeldOut = similarities
            .index_select(1, tensor(heldOutColumns.Select(j => (long)j).ToArray()))
            .argmax(1)
            .data<long>()
            .ToArray();
        var confusion = new int[classes, classes];
        int trainedRight = 0,
            trainedCount = 0,
            heldRight = 0,
            heldAmongRight = 0,
            heldCount = 0;
        for (var i = 0; i < ImageLabels.Count; i++)
        {
            var truth = ImageLabels[i];
            var predicted = captionLabels[nearest[i]];
            confusion[truth, predicted]++;
            if (heldOut.Contains(truth))
            {
                heldCount++;
                if (predicted == truth)
                    heldRight++;
                if (captionLabels[heldOutColumns[nearestHeldOut[i]]] == truth)
                    heldAmongRight++;
            }
            else
            {
                trainedCount++;
                if (predicted == truth)
                    trainedRight++;
            }
        }
        if (heldCount == 0 || trainedCount == 0)
            throw new ArgumentException(
                $"The embedded images hold {trainedCount} of trained classes and {heldCount} of held-out classes; both are needed.",
                nameof(heldOut)
            );
        return new ZeroShotReport(
            trainedRight / (double)trainedCount,
            heldRight / (double)heldCount,
            heldAmongRight / (double)heldCount,
            1.0 / classes,
            1.0 / heldOut.Count,
            confusion
        );
    }

    /// <summary>The <paramref name="count"/> captions most similar to image <paramref name="image"/>, best first, with their cosine
    /// similarity.</summary>
    public IReadOnlyList<(Caption Caption, double Similarity)> NearestCaptions(int image, int count = 3)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)image, (uint)ImageLabels.Count, nameof(image));
        using var scope = NewDisposeScope();
        var row = Captions.matmul(Images[image]);
        var (values, indices) = row.topk(Math.Clamp(count, 1, CaptionSet.Captions.Count));
        var v = values.data<float>().ToArray();
        return [.. indices.data<long>().ToArray().Select((j, r) => (CaptionSet.Captions[(int)j], (double)v[r]))];
    }

    /// <summary>The indices of the <paramref name="count"/> images most similar to <paramref name="text"/>'s embedding (a row of
    /// <see cref="Captions"/> or any unit vector), best first.</summary>
    public IReadOnlyList<int> NearestImages(Tensor text, int count = 8)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.dim() != 1 || text.shape[0] != Images.shape[1])
            throw new ArgumentException(
                $"A caption embedding is [{Images.shape[1]}]; got [{string.Join(", ", text.shape)}].",
                nameof(text)
            );
        using var scope = NewDisposeScope();
        var (_, indices) = Images.matmul(text.to(Images.dtype).cpu()).topk(Math.Clamp(count, 1, ImageLabels.Count));
        return [.. indices.data<long>().ToArray().Select(i => (int)i)];
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Images.Dispose();
        Captions.Dispose();
    }
}
