using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Gpt2;

/// <summary>The feed-forward part of a block, HF names: <c>c_fc</c> (n_embd → n_inner), GELU, <c>c_proj</c> (n_inner → n_embd).</summary>
public sealed class Gpt2Mlp : nn.Module<Tensor, Tensor>
{
    private nn.Module<Tensor, Tensor> c_fc;        // a Conv1D, or its replacement (see ReplaceProjections)
    private nn.Module<Tensor, Tensor> c_proj;        // a Conv1D, or its replacement (see ReplaceProjections)
    private readonly bool tanhGelu;

    /// <summary>Creates the layer for <paramref name="config"/>; <paramref name="initStd"/> ≤ 0 leaves weights uninitialised.</summary>
    public Gpt2Mlp(Gpt2Config config, Device? device = null, double initStd = 0.02) : base(nameof(Gpt2Mlp))
    {
        ArgumentNullException.ThrowIfNull(config);
        c_fc = new Conv1D(config.EmbeddingSize, config.MlpSize, device, initStd);
        c_proj = new Conv1D(config.MlpSize, config.EmbeddingSize, device, initStd / Math.Sqrt(2.0 * config.LayerCount));
        tanhGelu = config.ActivationFunction != "gelu";
        RegisterComponents();
    }

    /// <summary>c_proj(gelu(c_fc(x))) for x [..., n_embd].</summary>
    public override Tensor forward(Tensor x)
    {
        using var hidden = c_fc.forward(x);
        // "gelu_new": 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), the approximation GPT-2 was trained with.
        using var activated = tanhGelu ? nn.functional.gelu(hidden, GELU.Approximate.tanh) : nn.functional.gelu(hidden);
        return c_proj.forward(activated);
    }

    /// <summary>
    /// Replaces each projection that is a <typeparamref name="TLayer"/> by <paramref name="replace"/>(name, layer) when
    /// that returns a module (null keeps the layer), under the same name, so state-dict names stay HF's. Used by
    /// <c>Compression.DynamicQuantization</c> (int8 layers) and <c>Lora.Gpt2Lora</c> (adapters around the Conv1D).
    /// </summary>
    /// <returns>The names of the projections replaced.</returns>
    internal IReadOnlyList<string> ReplaceProjections<TLayer>(Func<string, TLayer, nn.Module<Tensor, Tensor>?> replace) where TLayer : nn.Module<Tensor, Tensor>
    {
        var replaced = new List<string>();
        if (Conv1D.Replace(this, ref c_fc, "c_fc", replace)) replaced.Add("c_fc");
        if (Conv1D.Replace(this, ref c_proj, "c_proj", replace)) replaced.Add("c_proj");
        return replaced;
    }
}
