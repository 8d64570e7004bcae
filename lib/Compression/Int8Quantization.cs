using TorchSharp;
using Workbook.Native;
using static TorchSharp.torch;

namespace Workbook.Compression;

/// <summary>
/// Symmetric per-channel int8 quantization, the weight scheme of PyTorch's dynamic quantization: for each output
/// channel c, scale_c = max|w_c| / 127 and q = round(w / scale_c), so every weight is off by at most scale_c / 2 and the
/// largest weight of each channel is represented exactly (up to float rounding). Zero is always exact; an all-zero channel
/// gets scale 0 and zeros. Introduced in chapter 15.
/// </summary>
public static class Int8Quantization
{
    /// <summary>The largest magnitude of a quantized value; the range is −127..127.</summary>
    public const int MaxLevel = 127;

    /// <summary>Quantizes <paramref name="weight"/> with one scale per index of dimension <paramref name="channelAxis"/>.</summary>
    /// <param name="weight">A floating-point tensor with at least one dimension and only finite values.</param>
    /// <param name="channelAxis">The channel dimension: 0 for <c>nn.Linear</c> weights [out, in], 1 for GPT-2 <c>Conv1D</c> weights [in,
    /// out].</param>
    /// <param name="name">The tensor's name, used in error messages.</param>
    /// <exception cref="ArgumentException">The tensor is not floating point, is empty, has NaN or infinite values, or the axis is out of
    /// range.</exception>
    public static QuantizedTensor QuantizePerChannel(Tensor weight, int channelAxis, string name = "weight")
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (!weight.is_floating_point())
            throw new ArgumentException($"Cannot quantize '{name}': it holds {weight.dtype}, not floating-point values.", nameof(weight));
        if (weight.dim() == 0 || weight.numel() == 0)
            throw new ArgumentException(
                $"Cannot quantize '{name}': shape [{string.Join(", ", weight.shape)}] has no channels.",
                nameof(weight)
            );
        if (channelAxis < 0 || channelAxis >= weight.dim())
            throw new ArgumentOutOfRangeException(
                nameof(channelAxis),
                channelAxis,
                $"'{name}' has {weight.dim()} dimensions (shape [{string.Join(", ", weight.shape)}]); "
                    + $"the channel axis must be in 0..{weight.dim() - 1}."
            );
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var w = weight.detach().to(ScalarType.Float32);
        if (!w.isfinite().all().item<bool>())
            throw new ArgumentException($"Cannot quantize '{name}': it contains NaN or infinite values.", nameof(weight));
        // Channels first, everything else flattened: one row per channel.
        var rows = w.transpose(0, channelAxis).reshape(w.shape[channelAxis], -1);
        // Every number goes to libtorch as a Scalar held in a using variable (see KeptScalars).
        using var top = ((double)MaxLevel).ToScalar();
        using var bottom = ((double)-MaxLevel).ToScalar();
        var scales = rows.abs().amax(1).div(top); // [channels]
        var divisor = where(scales.gt(KeptScalars.Zero), scales, ones_like(scales)); // an all-zero channel divides by 1: zeros stay zeros
        var shape = Enumerable.Repeat(1L, (int)w.dim()).ToArray();
        shape[channelAxis] = w.shape[channelAxis];
        // round() is round-half-to-even, like libtorch's quantize_per_channel; the clamp only catches float rounding at ±127.
        var values = w.div(divisor.view(shape)).round().clamp(bottom, top).to(ScalarType.Int8);
        return new QuantizedTensor(
            values.contiguous().MoveToOuterDisposeScope(),
            scales.contiguous().MoveToOuterDisposeScope(),
            channelAxis
        );
    }
}
