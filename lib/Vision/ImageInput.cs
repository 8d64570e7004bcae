using static TorchSharp.torch;

namespace Workbook.Vision;

/// <summary>The input check the vision models share: a float batch [batch, channels, size, size].</summary>
internal static class ImageInput
{
    public static void Require(Tensor input, int channels, int size, string model)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() != 4 || input.shape[1] != channels || input.shape[2] != size || input.shape[3] != size)
            throw new ArgumentException(
                $"{model} expects images of shape [batch, {channels}, {size}, {size}]; got [{string.Join(", ", input.shape)}].",
                nameof(input)
            );
        if (!input.is_floating_point())
            throw new ArgumentException(
                $"{model} expects floating-point images; got {input.dtype}. Convert with .to(torch.float32) and scale to 0..1.",
                nameof(input)
            );
    }
}
