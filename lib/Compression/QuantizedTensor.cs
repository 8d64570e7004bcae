using static TorchSharp.torch;

namespace Workbook.Compression;

/// <summary>
/// A tensor stored as symmetric int8 with one float32 scale per channel: element ≈ <see cref="Values"/> ·
/// <see cref="Scales"/>[channel]. Made by <see cref="Int8Quantization.QuantizePerChannel"/>.
/// Introduced with chapter 15.
/// </summary>
/// <param name="Values">The int8 values, in −127..127 (−128 is never used, so the range is symmetric and −q is always
/// representable).</param>
/// <param name="Scales">Float32 scales, one per channel along <paramref name="ChannelAxis"/>; 0 for a channel that is all zeros.</param>
/// <param name="ChannelAxis">The dimension of <see cref="Values"/> that indexes channels (0 for a Linear weight [out, in], 1 for a GPT-2
/// Conv1D weight [in, out]).</param>
public sealed record QuantizedTensor(Tensor Values, Tensor Scales, int ChannelAxis)
{
    /// <summary>The float32 tensor these values stand for: <c>Values · Scales</c>, broadcast along <see cref="ChannelAxis"/>.</summary>
    public Tensor Dequantize()
    {
        using var scope = NewDisposeScope();
        var shape = Enumerable.Repeat(1L, (int)Values.dim()).ToArray();
        shape[ChannelAxis] = Scales.shape[0];
        return (Values.to(ScalarType.Float32) * Scales.view(shape)).MoveToOuterDisposeScope();
    }

    /// <summary>Bytes the stored form takes: one per int8 value plus four per scale.</summary>
    public long StorageBytes => Values.numel() + 4 * Scales.numel();
}
