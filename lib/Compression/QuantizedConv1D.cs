using Workbook.Gpt2;
using Workbook.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Compression;

/// <summary>
/// The int8 counterpart of GPT-2's <see cref="Conv1D"/> (weight [in, out], y = x·W + b): int8 values [in, out] with one
/// float32 scale per output column, float32 bias. As for <see cref="QuantizedLinear"/>, the product runs in float32 on the
/// widened int8 weight (TorchSharp 0.107 has no int8 GEMM): y = (x · q) ⊙ s + b.
/// </summary>
/// <remarks>State names: <c>weight_int8</c> [in, out] int8, <c>weight_scale</c> [out] float32, <c>bias</c> [out] float32 (buffers).</remarks>
public sealed class QuantizedConv1D : nn.Module<Tensor, Tensor>
{
    private readonly Tensor weight_int8;
    private readonly Tensor weight_scale;
    private readonly Tensor bias;

    /// <summary>An empty layer of the given size (zeros), for a quantized checkpoint to fill.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1.</exception>
    public QuantizedConv1D(long inFeatures, long outFeatures, Device? device = null) : base(nameof(QuantizedConv1D))
    {
        if (inFeatures < 1) throw new ArgumentOutOfRangeException(nameof(inFeatures), inFeatures, "The layer needs at least one input feature.");
        if (outFeatures < 1) throw new ArgumentOutOfRangeException(nameof(outFeatures), outFeatures, "The layer needs at least one output feature.");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        weight_int8 = zeros([inFeatures, outFeatures], ScalarType.Int8, device);
        weight_scale = zeros([outFeatures], ScalarType.Float32, device);
        bias = zeros([outFeatures], ScalarType.Float32, device);
        RegisterComponents();
    }

    private QuantizedConv1D(QuantizedTensor weight, Tensor bias) : base(nameof(QuantizedConv1D))
    {
        InFeatures = weight.Values.shape[0];
        OutFeatures = weight.Values.shape[1];
        weight_int8 = weight.Values;
        weight_scale = weight.Scales;
        this.bias = bias;
        RegisterComponents();
    }

    /// <summary>Quantizes a GPT-2 <paramref name="layer"/> (copied; the layer itself is unchanged).</summary>
    /// <exception cref="ArgumentException">The weight is not a finite floating-point matrix.</exception>
    public static QuantizedConv1D FromConv1D(Conv1D layer, string name = "conv1d")
    {
        ArgumentNullException.ThrowIfNull(layer);
        var weight = Int8Quantization.QuantizePerChannel(layer.Weight, channelAxis: 1, $"{name}.weight");
        using var noGrad = no_grad();
        return new QuantizedConv1D(weight, layer.Bias.detach().to(ScalarType.Float32).clone());
    }

    /// <summary>Input width.</summary>
    public long InFeatures { get; }
    /// <summary>Output width.</summary>
    public long OutFeatures { get; }
    /// <summary>The stored weight: int8 values [in, out] and float32 scales [out] (channel axis 1).</summary>
    public QuantizedTensor Weight => new(weight_int8, weight_scale, 1);

    /// <summary>x [..., in] → [..., out].</summary>
    /// <exception cref="ArgumentException">The input's last dimension is not <see cref="InFeatures"/>.</exception>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() == 0 || input.shape[^1] != InFeatures)
            throw new ArgumentException($"QuantizedConv1D expects inputs [..., {InFeatures}]; got [{string.Join(", ", input.shape)}].", nameof(input));
        using var scope = NewDisposeScope();
        long[] outputShape = [.. input.shape[..^1], OutFeatures];
        var rows = input.reshape(-1, InFeatures);
        var products = rows.mm(weight_int8.to(input.dtype));                      // [in, out] streams row by row, as Conv1D does
        return addcmul(bias, products, weight_scale, KeptScalars.One).view(outputShape).MoveToOuterDisposeScope();   // see KeptScalars
    }
}
