namespace Workbook.Vision;

/// <summary>The shape of a <see cref="SmallCnn"/>. Introduced in chapter 07.</summary>
/// <param name="InputChannels">Channels of the input images (1 for grey scale).</param>
/// <param name="ImageSize">Height and width of the (square) input images.</param>
/// <param name="Channels">Output channels of each convolution block; each block halves the image size.</param>
/// <param name="Classes">Outputs of the classification head.</param>
public sealed record SmallCnnOptions(int InputChannels = 1, int ImageSize = 28, IReadOnlyList<int>? Channels = null, int Classes = 10)
{
    /// <summary>The block widths: <see cref="Channels"/>, or 16 then 32.</summary>
    public IReadOnlyList<int> Widths => Channels ?? [16, 32];

    /// <summary>Throws if an option is out of range, naming it; returns these options.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public SmallCnnOptions Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(InputChannels);
        ArgumentOutOfRangeException.ThrowIfLessThan(Classes, 2);
        if (Widths.Count == 0)
            throw new ArgumentOutOfRangeException(nameof(Channels), "Give at least one convolution block.");
        if (Widths.Any(w => w < 1))
            throw new ArgumentOutOfRangeException(
                nameof(Channels),
                $"Every block needs at least one channel: {string.Join(", ", Widths)}."
            );
        if (ImageSize >> Widths.Count < 1)
            throw new ArgumentOutOfRangeException(
                nameof(ImageSize),
                ImageSize,
                $"{Widths.Count} blocks halve the image {Widths.Count} times; {ImageSize} pixels is too small."
            );
        return this;
    }
}
