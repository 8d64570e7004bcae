using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Gpt2;

/// <summary>
/// Causal multi-head self-attention, HF names: <c>c_attn</c> (one [n_embd, 3·n_embd] product giving q, k and v, in that
/// order) and <c>c_proj</c> (the output projection). With a cache, the new tokens' keys and values are appended and the
/// queries attend to everything cached.
/// </summary>
public sealed class Gpt2Attention : nn.Module
{
    private nn.Module<Tensor, Tensor> c_attn;        // a Conv1D, or its replacement (see ReplaceProjections)
    private nn.Module<Tensor, Tensor> c_proj;        // a Conv1D, or its replacement (see ReplaceProjections)
    private readonly int headCount;
    private readonly int width;

    /// <summary>Creates the layer for <paramref name="config"/>; <paramref name="initStd"/> ≤ 0 leaves weights uninitialised.</summary>
    public Gpt2Attention(Gpt2Config config, Device? device = null, double initStd = 0.02) : base(nameof(Gpt2Attention))
    {
        ArgumentNullException.ThrowIfNull(config);
        headCount = config.HeadCount;
        width = config.EmbeddingSize;
        c_attn = new Conv1D(width, 3 * width, device, initStd);
        // GPT-2 scales the init of each residual-branch output by 1/√(2·n_layer).
        c_proj = new Conv1D(width, width, device, initStd / Math.Sqrt(2.0 * config.LayerCount));
        RegisterComponents();
    }

    /// <summary>Attention over <paramref name="x"/> [batch, new, n_embd] → [batch, new, n_embd].</summary>
    /// <param name="x">The block's normalised input.</param>
    /// <param name="cache">This block's cache, or null to attend only within <paramref name="x"/>.</param>
    /// <param name="mask">Which keys each query may see, bool [batch, 1, new, past + new]; null with
    /// <paramref name="causal"/> for a plain causal prefill, or null alone to see every key (one new token).</param>
    /// <param name="causal">Apply the standard lower-triangular mask (only when there is no past and no <paramref name="mask"/>).</param>
    public Tensor Forward(Tensor x, Gpt2LayerCache? cache, Tensor? mask, bool causal)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0], length = x.shape[1];
        var qkv = c_attn.forward(x).split(width, 2);                     // three × [B, T, C]
        var q = Heads(qkv[0], batch, length);                            // [B, H, T, D]
        var k = Heads(qkv[1], batch, length);
        var v = Heads(qkv[2], batch, length);
        if (cache is not null) (k, v) = cache.Append(k, v);              // [B, H, past + T, D]
        // softmax(q·kᵀ/√D + mask)·v; libtorch picks a fused kernel.
        var y = nn.functional.scaled_dot_product_attention(q, k, v, mask, 0.0, causal);
        var merged = y.transpose(1, 2).reshape(batch, length, width);    // [B, T, C]
        return c_proj.forward(merged).MoveToOuterDisposeScope();
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
        if (Conv1D.Replace(this, ref c_attn, "c_attn", replace)) replaced.Add("c_attn");
        if (Conv1D.Replace(this, ref c_proj, "c_proj", replace)) replaced.Add("c_proj");
        return replaced;
    }

    private Tensor Heads(Tensor t, long batch, long length) => t.view(batch, length, headCount, width / headCount).transpose(1, 2);
}
