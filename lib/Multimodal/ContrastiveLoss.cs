using TorchSharp;
using Workbook.Native;
using static TorchSharp.torch;

namespace Workbook.Multimodal;

/// <summary>
/// CLIP's symmetric InfoNCE loss (Radford et al., 2021), introduced in chapter 12: for a batch of n image–caption pairs,
/// the similarity logits <c>scale · image · textᵀ</c> [n, n] are classified twice — each image among the n captions
/// (which one is its own?) and each caption among the n images — and the two cross-entropies are averaged. The scale is
/// <c>exp(logit_scale)</c>, a learned inverse temperature, clamped at <see cref="MaxScale"/> (100) as CLIP clamps it so
/// the logits cannot grow without bound.
/// </summary>
/// <remarks>
/// The embeddings are used as given: a CLIP model L2-normalises them, so each logit is a cosine similarity times the scale.
/// When several pairs in a batch show the same class, plain InfoNCE counts a caption of the same class as a wrong answer;
/// pass <c>groups</c> (the class of each pair) and every pair of the same group is a right answer, the target spread
/// evenly over them (PyTorch's <c>F.cross_entropy</c> with class probabilities as targets).
/// </remarks>
public static class ContrastiveLoss
{
    /// <summary>The largest scale the logits are multiplied by, as in CLIP: exp(logit_scale) is clamped here.</summary>
    public const double MaxScale = 100;

    private static readonly Scalar MaxScaleScalar = MaxScale.ToScalar();
    private static readonly Scalar Half = 0.5.ToScalar();

    /// <summary>The similarity logits [images, captions]: <c>min(exp(logitScale), 100) · image · textᵀ</c>.</summary>
    /// <param name="imageEmbeddings">[n, d] image embeddings.</param>
    /// <param name="textEmbeddings">[m, d] caption embeddings.</param>
    /// <param name="logitScale">A scalar tensor: the log of the scale (CLIP starts it at log(1 / 0.07)).</param>
    /// <exception cref="ArgumentException">A tensor's shape or type does not fit; the message names it.</exception>
    public static Tensor Logits(Tensor imageEmbeddings, Tensor textEmbeddings, Tensor logitScale)
    {
        RequireEmbeddings(imageEmbeddings, textEmbeddings, logitScale, square: false);
        return imageEmbeddings.matmul(textEmbeddings.t()).mul(Scale(logitScale));
    }

    /// <summary>The scale the logits are multiplied by: <c>min(exp(logitScale), 100)</c>.</summary>
    public static Tensor Scale(Tensor logitScale)
    {
        ArgumentNullException.ThrowIfNull(logitScale);
        return logitScale.exp().clamp_max(MaxScaleScalar);
    }

    /// <summary>The loss of a batch of pairs: image i belongs with caption i.</summary>
    /// <param name="imageEmbeddings">[n, d], with gradients.</param>
    /// <param name="textEmbeddings">[n, d], the captions in the images' order.</param>
    /// <param name="logitScale">The learned log-scale, a scalar tensor.</param>
    /// <param name="groups">Optional integer [n]: the class of each pair; pairs of one class are all positives of each other.</param>
    /// <returns>A scalar tensor: (image→text cross-entropy + text→image cross-entropy) / 2.</returns>
    /// <exception cref="ArgumentException">A tensor's shape or type does not fit; the message names it.</exception>
    public static Tensor Compute(Tensor imageEmbeddings, Tensor textEmbeddings, Tensor logitScale, Tensor? groups = null)
    {
        RequireEmbeddings(imageEmbeddings, textEmbeddings, logitScale, square: true);
        var n = imageEmbeddings.shape[0];
        if (
            groups is not null
            && (groups.dim() != 1 || groups.shape[0] != n || groups.is_floating_point() || groups.dtype == ScalarType.Bool)
        )
            throw new ArgumentException(
                $"groups must be integer [{n}], one class per pair; got {groups.dtype} [{string.Join(", ", groups.shape)}].",
                nameof(groups)
            );
        using var scope = NewDisposeScope();
        var logits = Logits(imageEmbeddings, textEmbeddings, logitScale);
        Tensor imageToText,
            textToImage;
        if (groups is null)
        {
            var targets = KeptScalars.Range(0, n, logits.device);
            imageToText = nn.functional.cross_entropy(logits, targets);
            textToImage = nn.functional.cross_entropy(logits.t(), targets);
        }
        else
        {
            var g = groups.to(logits.device);
            var same = g.unsqueeze(1).eq(g.unsqueeze(0)).to(logits.dtype);
            var targets = same.div(same.sum(1, keepdim: true)); // symmetric: the same targets serve both directions
            imageToText = SoftCrossEntropy(logits, targets);
            textToImage = SoftCrossEntropy(logits.t(), targets);
        }
        return imageToText.add(textToImage, KeptScalars.One).mul(Half).MoveToOuterDisposeScope();
    }

    // −Σ p·log softmax(z), averaged over rows: cross-entropy against a target distribution.
    private static Tensor SoftCrossEntropy(Tensor logits, Tensor targets) =>
        nn.functional.log_softmax(logits, 1).mul(targets).sum(1).mean().neg();

    private static void RequireEmbeddings(Tensor image, Tensor text, Tensor logitScale, bool square)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(logitScale);
        if (image.dim() != 2 || image.shape[0] == 0 || !image.is_floating_point())
            throw new ArgumentException(
                "Image embeddings must be float [batch, dimensions] with at least one row; "
                    + $"got {image.dtype} [{string.Join(", ", image.shape)}].",
                nameof(image)
            );
        if (text.dim() != 2 || text.shape[0] == 0 || !text.is_floating_point())
            throw new ArgumentException(
                "Text embeddings must be float [batch, dimensions] with at least one row; "
                    + $"got {text.dtype} [{string.Join(", ", text.shape)}].",
                nameof(text)
            );
        if (text.shape[1] != image.shape[1])
            throw new ArgumentException(
                $"Image embeddings [{string.Join(", ", image.shape)}] and text embeddings [{string.Join(", ", text.shape)}] must have "
                    + "the same width to be compared.",
                nameof(text)
            );
        if (square && text.shape[0] != image.shape[0])
            throw new ArgumentException(
                $"The loss pairs image i with caption i: {image.shape[0]} image embeddings but {text.shape[0]} text embeddings.",
                nameof(text)
            );
        if (logitScale.numel() != 1 || !logitScale.is_floating_point())
            throw new ArgumentException(
                $"logit_scale must be one float number; got {logitScale.dtype} [{string.Join(", ", logitScale.shape)}].",
                nameof(logitScale)
            );
    }
}
