using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Gpt2;

/// <summary>
/// Hugging Face's GPT-2 "Conv1D": a linear layer whose weight is stored [in, out], so y = x·W + b with no transpose.
/// That is how the original TensorFlow GPT-2 kept its weights and how every GPT-2 checkpoint stores c_attn, c_proj and
/// c_fc, so they load as they are. It is also the fast layout for decoding on a CPU: the product streams W row by row.
/// </summary>
public sealed class Conv1D : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;

    /// <summary>Creates the layer: weight [<paramref name="inFeatures"/>, <paramref name="outFeatures"/>], bias [<paramref name="outFeatures"/>].</summary>
    /// <param name="inFeatures">Input width.</param>
    /// <param name="outFeatures">Output width.</param>
    /// <param name="device">Where the parameters live (CPU when null); <c>meta</c> gives shapes without memory.</param>
    /// <param name="initStd">Standard deviation of the normal initialisation of the weight (bias zero); 0 or less leaves
    /// the memory uninitialised, for a checkpoint to fill.</param>
    public Conv1D(long inFeatures, long outFeatures, Device? device = null, double initStd = 0.02) : base(nameof(Conv1D))
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        weight = new Parameter(empty([inFeatures, outFeatures], device: device));
        bias = new Parameter(empty([outFeatures], device: device));
        if (initStd > 0)
        {
            using var noGrad = no_grad();
            weight.normal_(0, initStd);
            bias.zero_();
        }
        RegisterComponents();
    }

    /// <summary>Input width.</summary>
    public long InFeatures { get; }
    /// <summary>Output width.</summary>
    public long OutFeatures { get; }
    /// <summary>The weight, [in, out].</summary>
    public Parameter Weight => weight;
    /// <summary>The bias, [out].</summary>
    public Parameter Bias => bias;

    /// <summary>x·W + b over the last dimension of <paramref name="input"/> [..., in] → [..., out].</summary>
    public override Tensor forward(Tensor input)
    {
        long[] outputShape = [.. input.shape[..^1], OutFeatures];
        using var rows = input.reshape(-1, InFeatures);
        using var output = addmm(bias, rows, weight, 1, 1);
        return output.view(outputShape);
    }

    /// <summary>
    /// If <paramref name="field"/> (the submodule <paramref name="name"/> of <paramref name="owner"/>) is a
    /// <typeparamref name="TLayer"/> and <paramref name="replace"/>(name, layer) returns a module, puts that module under
    /// the same name. The old layer is disposed unless the replacement holds it (a LoRA adapter wraps its Conv1D).
    /// </summary>
    internal static bool Replace<TLayer>(nn.Module owner, ref nn.Module<Tensor, Tensor> field, string name,
        Func<string, TLayer, nn.Module<Tensor, Tensor>?> replace) where TLayer : nn.Module<Tensor, Tensor>
    {
        if (field is not TLayer layer || replace(name, layer) is not { } replacement) return false;
        field = replacement;
        owner.register_module(name, null!);                                   // unregister the old layer, then register its replacement
        owner.register_module(name, field);
        if (!replacement.modules().Contains(layer)) layer.Dispose();
        return true;
    }
}
