using static TorchSharp.torch;

namespace Workbook.Vision;

/// <summary>
/// PyTorch's <c>transforms.RandomCrop(size, padding)</c> for tensors, which TorchVision 0.107 for .NET lacks (it has
/// <c>Pad</c>, <c>Crop</c>, <c>CenterCrop</c> and the rescaling <c>RandomResizedCrop</c>): zero-pad the image by <see cref="Padding"/>
/// pixels on every side, then cut out a window of the original size at a random offset — the image shifted by up to
/// ±padding pixels (introduced in chapter 07). Offsets come from TorchSharp's global generator, so
/// <c>torch.manual_seed</c> (which the library <c>Trainer</c> calls every epoch) makes them repeat.
/// </summary>
public sealed class RandomPaddedCrop
{
    /// <summary>A crop that shifts by up to <paramref name="padding"/> pixels.</summary>
    public RandomPaddedCrop(int padding)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        Padding = padding;
    }

    /// <summary>Pixels of zero padding on each side (the largest shift).</summary>
    public int Padding { get; }

    /// <summary>Crops one image [C, H, W] (or [H, W]) to a randomly shifted window of the same size.</summary>
    /// <exception cref="ArgumentException">The tensor has fewer than 2 dimensions.</exception>
    public Tensor Apply(Tensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.dim() < 2)
            throw new ArgumentException($"Expected an image [C, H, W] or [H, W]; got [{string.Join(", ", image.shape)}].", nameof(image));
        if (Padding == 0)
            return image.alias();
        var (height, width) = (image.shape[^2], image.shape[^1]);
        using var scope = NewDisposeScope();
        var padded = nn.functional.pad(image, [Padding, Padding, Padding, Padding]);
        var offsets = randint(0, 2 * Padding + 1, [2], dtype: ScalarType.Int64).data<long>().ToArray();
        return padded.narrow(-2, offsets[0], height).narrow(-1, offsets[1], width).contiguous().MoveToOuterDisposeScope();
    }
}
