namespace Workbook.Vision;

/// <summary>
/// The output-size formula of convolution and pooling (introduced in chapter 07), as PyTorch documents it for
/// <c>Conv2d</c> and <c>MaxPool2d</c>: out = ⌊(in + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1.
/// </summary>
public static class ConvolutionArithmetic
{
    /// <summary>The output length along one axis.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range, or the kernel does not fit the padded input.</exception>
    public static int OutputSize(int input, int kernel, int stride = 1, int padding = 0, int dilation = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(input);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernel);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dilation);
        var span = dilation * (kernel - 1) + 1;
        if (input + 2 * padding < span)
            throw new ArgumentOutOfRangeException(
                nameof(kernel),
                kernel,
                $"A kernel spanning {span} pixels does not fit an input of {input} with padding {padding} (the padded "
                    + $"input is {input + 2 * padding})."
            );
        return (input + 2 * padding - span) / stride + 1;
    }
}
