using Workbook.Encoders;
using Workbook.Vision;

namespace Workbook.Multimodal;

/// <summary>The shape of a <see cref="ClipModel"/> (introduced in chapter 12).</summary>
/// <param name="Text">The BERT text encoder's sizes (its vocabulary must be the caption tokenizer's).</param>
/// <param name="Image">The image encoder: a <see cref="SmallCnn"/> of these options, without its classification head (1 × 28 × 28, blocks
/// of 16 and 32 channels when null).</param>
/// <param name="EmbeddingSize">Width of the shared embedding space both projections map into.</param>
/// <param name="Pooling">How a caption's token vectors become one vector.</param>
/// <param name="InitialTemperature">The temperature τ the learned scale starts from: logit_scale = log(1 / τ); CLIP's 0.07.</param>
public sealed record ClipModelOptions(
    BertConfig Text,
    SmallCnnOptions? Image = null,
    int EmbeddingSize = 64,
    TextPooling Pooling = TextPooling.Mean,
    double InitialTemperature = 0.07
)
{
    /// <summary>The image encoder's options: <see cref="Image"/>, or the chapter-07 defaults.</summary>
    public SmallCnnOptions ImageOptions => Image ?? new SmallCnnOptions();

    /// <summary>Throws if an option is out of range, naming it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public ClipModelOptions Validate()
    {
        ArgumentNullException.ThrowIfNull(Text);
        Text.Validate();
        ImageOptions.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(EmbeddingSize, 2);
        if (!(InitialTemperature > 0) || double.IsInfinity(InitialTemperature))
            throw new ArgumentOutOfRangeException(
                nameof(InitialTemperature),
                InitialTemperature,
                "The temperature must be a finite number > 0 (CLIP starts at 0.07)."
            );
        if (!Enum.IsDefined(Pooling))
            throw new ArgumentOutOfRangeException(nameof(Pooling), Pooling, "Pool with Mean or Cls.");
        return this;
    }
}
