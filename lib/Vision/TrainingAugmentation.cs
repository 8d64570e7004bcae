using Workbook.Data;
using static TorchSharp.torch;

namespace Workbook.Vision;

/// <summary>
/// Data augmentation as a layer (introduced in chapter 07): in training mode it applies a random transform to each
/// image of the batch separately (a TorchVision <c>Compose</c> of random crop, flip, rotation); in evaluation mode it
/// passes the batch through unchanged. Put it in front of a model, <c>nn.Sequential(("augment", …), ("model", …))</c>,
/// and the library <c>Trainer</c> augments every training batch afresh each epoch without knowing about it.
/// </summary>
public sealed class TrainingAugmentation : nn.Module<Tensor, Tensor>
{
    private readonly Func<Tensor, Tensor> transform;

    /// <summary>Augments with <paramref name="transform"/>, which maps one image [C, H, W] to one of the same shape.</summary>
    public TrainingAugmentation(Func<Tensor, Tensor> transform)
        : base(nameof(TrainingAugmentation)) => this.transform = transform ?? throw new ArgumentNullException(nameof(transform));

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (!training)
            return input.alias();
        using (no_grad())
            return ImageDataset.AugmentEach(input, transform);
    }
}
