using TorchSharp;
using TorchSharp.Modules;
using Workbook.Gpt2;
using Workbook.Native;
using static TorchSharp.torch;

namespace Workbook.Compression;

/// <summary>How a linear layer stores its weight matrix. Introduced with chapter 15.</summary>
public enum WeightLayout
{
    /// <summary><c>nn.Linear</c>'s [out, in]: y = x · Wᵀ + b.</summary>
    OutByIn,

    /// <summary>GPT-2's <see cref="Conv1D"/> [in, out]: y = x · W + b.</summary>
    InByOut,
}

/// <summary>
/// An inference-only replacement for <c>nn.Linear</c> or GPT-2's <see cref="Conv1D"/> whose weight is stored as int8
/// with one float32 scale per output feature (<see cref="Int8Quantization"/>), in the layout of the layer it replaces
/// (<see cref="Layout"/>); the bias stays float32. What runs in int8: nothing — TorchSharp 0.107 exposes no int8 matrix
/// product (no <c>_int_mm</c>, no fbgemm <c>linear_dynamic</c>), so each call widens the int8 weight to float32 and
/// multiplies in float32, then applies the scales to the outputs: y = (x · q) ⊙ s + b. The gain is the 4× smaller weight
/// in memory and on disk; the conversion costs time (see chapter 15's table). Introduced in chapter 15.
/// </summary>
/// <remarks>State names: <c>weight_int8</c> int8 ([out, in] or [in, out]), <c>weight_scale</c> [out] float32,
/// <c>bias</c> [out] float32 (all buffers).</remarks>
public sealed class QuantizedLinear : nn.Module<Tensor, Tensor>
{
    private readonly Tensor weight_int8;
    private readonly Tensor weight_scale;
    private readonly Tensor? bias;

    /// <summary>An empty layer of the given size (zeros), for a quantized checkpoint to fill.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1.</exception>
    public QuantizedLinear(
        long inFeatures,
        long outFeatures,
        bool hasBias = true,
        Device? device = null,
        WeightLayout layout = WeightLayout.OutByIn
    )
        : base(nameof(QuantizedLinear))
    {
        if (inFeatures < 1)
            throw new ArgumentOutOfRangeException(nameof(inFeatures), inFeatures, "The layer needs at least one input feature.");
        if (outFeatures < 1)
            throw new ArgumentOutOfRangeException(nameof(outFeatures), outFeatures, "The layer needs at least one output feature.");
        (InFeatures, OutFeatures, Layout) = (inFeatures, outFeatures, layout);
        weight_int8 = zeros(
            layout == WeightLayout.OutByIn ? [outFeatures, inFeatures] : [inFeatures, outFeatures],
            ScalarType.Int8,
            device
        );
        weight_scale = zeros([outFeatures], ScalarType.Float32, device);
        bias = hasBias ? zeros([outFeatures], ScalarType.Float32, device) : null;
        RegisterComponents();
    }

    private QuantizedLinear(QuantizedTensor weight, Tensor? bias, WeightLayout layout)
        : base(nameof(QuantizedLinear))
    {
        Layout = layout;
        (InFeatures, OutFeatures) =
            layout == WeightLayout.OutByIn
                ? (weight.Values.shape[1], weight.Values.shape[0])
                : (weight.Values.shape[0], weight.Values.shape[1]);
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
        return new QuantizedLinear(weight, bias, WeightLayout.OutByIn);
    }

    /// <summary>Quantizes a GPT-2 <see cref="Conv1D"/> (weight [in, out], scales per output column); the layer is unchanged.</summary>
    /// <exception cref="ArgumentException">The weight is not a finite floating-point matrix.</exception>
    public static QuantizedLinear FromConv1D(Conv1D layer, string name = "conv1d")
    {
        ArgumentNullException.ThrowIfNull(layer);
        var weight = Int8Quantization.QuantizePerChannel(layer.Weight, channelAxis: 1, $"{name}.weight");
        using var noGrad = no_grad();
        return new QuantizedLinear(weight, layer.Bias.detach().to(ScalarType.Float32).clone(), WeightLayout.InByOut);
    }

    /// <summary>Input width.</summary>
    public long InFeatures { get; }

    /// <summary>Output width.</summary>
    public long OutFeatures { get; }

    /// <summary>How the weight is stored: as <c>nn.Linear</c> or as GPT-2's <see cref="Conv1D"/>.</summary>
    public WeightLayout Layout { get; }

    /// <summary>The stored weight: int8 values and float32 scales [out] (channel axis 0 for [out, in], 1 for [in, out]).</summary>
    public QuantizedTensor Weight => new(weight_int8, weight_scale, Layout == WeightLayout.OutByIn ? 0 : 1);

    /// <summary>The float32 bias [out], or null: the layer's own buffer, owned by the layer (do not dispose it).</summary>
    public Tensor? Bias => bias;

    /// <summary>x [..., in] → [..., out] with the dequantized weight.</summary>
    /// <exception cref="ArgumentException">The input's last dimension is not <see cref="InFeatures"/>, or it is not floating
    /// point.</exception>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() == 0 || input.shape[^1] != InFeatures)
            throw new ArgumentException(
                $"QuantizedLinear expects inputs [..., {InFeatures}]; got [{string.Join(", ", input.shape)}].",
                nameof(input)
            );
        if (!input.is_floating_point())
            throw new ArgumentException($"QuantizedLinear expects floating-point inputs; got {input.dtype}.", nameof(input));
        using var scope = NewDisposeScope();
        var widened = weight_int8.to(input.dtype); // the per-call cost of storing int8
        Tensor products; // x · q, in units of the scales
        if (Layout == WeightLayout.OutByIn)
        {
            products = nn.functional.linear(input, widened);
        }
        else
        {
            long[] outputShape = [.. input.shape[..^1], OutFeatures];
            products = input.reshape(-1, InFeatures).mm(widened).view(outputShape); // [in, out] streams row by row, as Conv1D does
        }
        var output = bias is null ? products.mul(weight_scale) : addcmul(bias, products, weight_scale, KeptScalars.One); // see KeptScalars
        return output.MoveToOuterDisposeScope();
    }
}
