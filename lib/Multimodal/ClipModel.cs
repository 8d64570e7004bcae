using TorchSharp;
using TorchSharp.Modules;
using Workbook.Encoders;
using Workbook.Native;
using Workbook.Vision;
using static TorchSharp.torch;

namespace Workbook.Multimodal;

/// <summary>
/// A CLIP-style image–text model (introduced in chapter 12), small enough to train in seconds: two encoders that map
/// images and captions into one embedding space, where a picture and a caption that describes it lie close together.
/// <list type="bullet">
/// <item><c>vision_model</c>: the convolution blocks of chapter 07's <see cref="SmallCnn"/> (its <see cref="SmallCnn.Backbone"/>),
/// then <c>visual_projection</c> (no bias) to the embedding width;</item>
/// <item><c>text_model</c>: a BERT encoder (<see cref="BertModel"/>, no pooler), its token vectors pooled (mean or [CLS]),
/// then <c>text_projection</c> (no bias);</item>
/// <item>both embeddings L2-normalised, so a dot product is a cosine similarity, and <c>logit_scale</c>, the learned
/// log of the inverse temperature, started at log(1 / 0.07) as in CLIP.</item>
/// </list>
/// The names follow Hugging Face's <c>CLIPModel</c> (<c>vision_model</c>, <c>text_model</c>, <c>visual_projection</c>,
/// <c>text_projection</c>, <c>logit_scale</c>); what sits inside the two encoders is this workbook's.
/// Train it with <see cref="ContrastiveLoss"/> (see <see cref="ClipTraining"/>).
/// </summary>
public sealed class ClipModel : nn.Module
{
    private readonly Sequential vision_model;
    private readonly Linear visual_projection;
    private readonly BertModel text_model;
    private readonly Linear text_projection;
    private readonly Parameter logit_scale;

    /// <summary>Builds an untrained model of <paramref name="options"/>' shape (validated first).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public ClipModel(ClipModelOptions options)
        : base(nameof(ClipModel))
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Validate();
        var cnn = new SmallCnn(options.ImageOptions);
        vision_model = cnn.Backbone;
        visual_projection = nn.Linear(cnn.FeatureCount, options.EmbeddingSize, hasBias: false);
        text_model = new BertModel(options.Text, addPoolingLayer: false);
        text_projection = nn.Linear(options.Text.HiddenSize, options.EmbeddingSize, hasBias: false);
        logit_scale = nn.Parameter(tensor(Math.Log(1 / options.InitialTemperature), ScalarType.Float32));
        RegisterComponents();
    }

    /// <summary>The options the model was built from.</summary>
    public ClipModelOptions Options { get; }

    /// <summary>The text encoder (to load pretrained BERT weights into, or inspect).</summary>
    public BertModel TextEncoder => text_model;

    /// <summary>The learned log inverse temperature; the logits are scaled by min(exp(logit_scale), 100).</summary>
    public Parameter LogitScale => logit_scale;

    /// <summary>The current temperature τ = 1 / min(exp(logit_scale), 100).</summary>
    public double Temperature
    {
        get
        {
            using var _ = no_grad();
            using var scale = ContrastiveLoss.Scale(logit_scale);
            return 1 / scale.item<float>();
        }
    }

    /// <summary>Unit-length embeddings [batch, embedding] of images [batch, channels, size, size].</summary>
    /// <exception cref="ArgumentException">The images are not a float batch of the configured size; the message gives the
    /// shape.</exception>
    public Tensor EncodeImages(Tensor images)
    {
        var image = Options.ImageOptions;
        ImageInput.Require(images, image.InputChannels, image.ImageSize, $"{nameof(ClipModel)}'s image encoder");
        using var scope = NewDisposeScope();
        var features = vision_model.call(images.to(logit_scale.device)); // [B, FeatureCount]
        return Normalize(visual_projection.call(features)).MoveToOuterDisposeScope();
    }

    /// <summary>Unit-length embeddings [batch, embedding] of tokenised captions.</summary>
    /// <param name="inputIds">int64 token ids [batch, length], each caption starting with [CLS].</param>
    /// <param name="attentionMask">1 for real tokens, 0 for padding, [batch, length].</param>
    /// <exception cref="ArgumentException">A tensor of the wrong type or shape, or an id outside the vocabulary; the message names
    /// it.</exception>
    public Tensor EncodeTexts(Tensor inputIds, Tensor attentionMask)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(attentionMask);
        if (!attentionMask.shape.SequenceEqual(inputIds.shape))
            throw new ArgumentException(
                $"attentionMask [{string.Join(", ", attentionMask.shape)}] must have the shape of inputIds "
                    + $"[{string.Join(", ", inputIds.shape)}].",
                nameof(attentionMask)
            );
        using var scope = NewDisposeScope();
        using var encoding = text_model.Encode(inputIds, attentionMask);
        var hidden = encoding.TakeLastHiddenState(); // [B, T, H]
        Tensor pooled;
        if (Options.Pooling == TextPooling.Cls)
            pooled = hidden.select(1, 0);
        else
        {
            var mask = attentionMask.to(hidden.dtype, hidden.device).unsqueeze(2); // [B, T, 1]
            // Padding tokens count for nothing; a caption has at least [CLS], so the count is never 0 for real input.
            pooled = hidden.mul(mask).sum(1).div(mask.sum(1).clamp_min(KeptScalars.One));
        }
        return Normalize(text_projection.call(pooled)).MoveToOuterDisposeScope();
    }

    /// <summary>The similarity logits [images, captions] between embeddings from <see cref="EncodeImages"/> and
    /// <see cref="EncodeTexts"/>.</summary>
    public Tensor Logits(Tensor imageEmbeddings, Tensor textEmbeddings) =>
        ContrastiveLoss.Logits(imageEmbeddings, textEmbeddings, logit_scale);

    /// <summary>The contrastive loss of a batch of image–caption pairs (image i with caption i; pairs of one group are all
    /// positives).</summary>
    public Tensor Loss(Tensor images, Tensor inputIds, Tensor attentionMask, Tensor? groups = null)
    {
        using var scope = NewDisposeScope();
        var loss = ContrastiveLoss.Compute(EncodeImages(images), EncodeTexts(inputIds, attentionMask), logit_scale, groups);
        return loss.MoveToOuterDisposeScope();
    }

    private static Tensor Normalize(Tensor x) => nn.functional.normalize(x, p: 2, dim: 1);
}
