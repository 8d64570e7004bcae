using TorchSharp.Modules;
using Workbook.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Compression;

/// <summary>
/// An inference-only replacement for <c>nn.Linear</c> whose weight is stored as int8 with one float32 scale per output
/// feature (<see cref="Int8Quantization"/>); the bias stays float32. What runs in int8: nothing — TorchSharp 0.107 exposes
/// no int8 matrix product (no <c>_int_mm</c>, no fbgemm <c>linear_dynamic</c>), so each call widens the int8 weight to
/// float32 and multiplies in float32, then applies the scales to the outputs: y = (x · qᵀ) ⊙ s + b. The gain is the 4×
/// smaller weight in memory and on disk; the conversion costs time (see chapter 15's table).
/// </summary>
/// <remarks>State names: <c>weight_int8</c> [out, in] int8, <c>weight_scale</c> [out] float32, <c>bias</c> [out] float32 (all buffers).</remarks>
public sealed class QuantizedLinear : nn.Module<Tensor, Tensor>
{
    private readonly Tensor weight_int8;
    private readonly Tensor weight_scale;
    private readonly Tensor? bias;

    /// <summary>An empty layer of the given size (zeros), for a quantized checkpoint to fill.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1.</exception>
    public QuantizedLinear(long inFeatures, long outFeatures, bool hasBias = true, Device? device = null) : base(nameof(QuantizedLinear))
    {
        if (inFeatures < 1) throw new ArgumentOutOfRangeException(nameof(inFeatures), inFeatures, "A linear layer needs at least one input feature.");
        if (outFeatures < 1) throw new ArgumentOutOfRangeException(nameof(outFeatures), outFeatures, "A linear layer needs at least one output feature.");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        weight_int8 = zeros([outFeatures, inFeatures], ScalarType.Int8, device);
        weight_scale = zeros([outFeatures], ScalarType.Float32, device);
        bias = hasBias ? zeros([outFeatures], ScalarType.Float32, device) : null;
        RegisterComponents();
    }

    private QuantizedLinear(QuantizedTensor weight, Tensor? bias) : base(nameof(QuantizedLinear))
    {
        InFeatures = weight.Values.shape[1];
        OutFeatures = weight.Values.shape[0];
        weight_int8 = weight.Values;
        weight_scale = weight.Scales;
        this.bias = bias;
        RegisterComponents();
    }

    /// <summary>Quantizes a trained <paramref name="linear"/> layer (its weights are copied; the layer itself is unchanged).</summary>
    /// <param name="linear">The layer to quantize.</param>
    /// <param name="name">Its name, for error messages.</param>
    /// <exception cref="ArgumentException">The weight is not a finite floating-point matrix.</exception>
    public static QuantizedLinear FromLinear(Linear linear, string name = "linear")
    {
        ArgumentNullException.ThrowIfNull(linear);
        var weight = Int8Quantization.QuantizePerChannel(linear.weight!, channelAxis: 0, $"{name}.weight");
        using var noGrad = no_grad();
        var bias = linear.bias is null ? null : linear.bias.detach().to(ScalarType.Float32).clone();
        return new QuantizedLinear(weight, bias);
    }

    /// <summary>Input width.</summary>
    public long InFeatures { get; }
    /// <summary>Output width.</summary>
    public long OutFeatures { get; }
    /// <summary>The stored weight: int8 values [out, in] and float32 scales [out] (channel axis 0).</summary>
    public QuantizedTensor Weight => new(weight_int8, weight_scale, 0);
    /// <summary>The float32 bias [out], or null.</summary>
    public Tensor? Bias => bias;

    /// <summary>x [..., in] → [..., out] with the dequantized weight.</summary>
    /// <exception cref="ArgumentException">The input's last dimension is not <see cref="InFeatures"/>, or it is not floating point.</exception>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() == 0 || input.shape[^1] != InFeatures)
            throw new ArgumentException($"QuantizedLinear expects inputs [..., {InFeatures}]; got [{string.Join(", ", input.shape)}].", nameof(input));
        if (!input.is_floating_point())
            throw new ArgumentException($"QuantizedLinear expects floating-point inputs; got {input.dtype}.", nameof(input));
        using var scope = NewDisposeScope();
        var widened = weight_int8.to(input.dtype);                                  // the per-call cost of storing int8
        var products = nn.functional.linear(input, widened);                        // x · qᵀ, in units of the scales
        var output = bias is null ? products.mul(weight_scale) : addcmul(bias, products, weight_scale, KeptScalars.One);   // see KeptScalars
        return output.MoveToOuterDisposeScope();
    }
}
