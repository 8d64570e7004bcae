using TorchSharp;
using TorchSharp.Modules;
using Workbook.Native;
using static TorchSharp.torch;

namespace Workbook.Gpt2;

/// <summary>One pre-LayerNorm transformer block, HF names: x + attn(ln_1(x)), then + mlp(ln_2(x)).</summary>
public sealed class Gpt2Block : nn.Module
{
    private readonly LayerNorm ln_1;
    private readonly Gpt2Attention attn;
    private readonly LayerNorm ln_2;
    private readonly Gpt2Mlp mlp;

    /// <summary>Creates the block for <paramref name="config"/>; <paramref name="initStd"/> ≤ 0 leaves weights uninitialised.</summary>
    public Gpt2Block(Gpt2Config config, Device? device = null, double initStd = 0.02) : base(nameof(Gpt2Block))
    {
        ArgumentNullException.ThrowIfNull(config);
        ln_1 = nn.LayerNorm(config.EmbeddingSize, config.LayerNormEpsilon, device: device);
        attn = new Gpt2Attention(config, device, initStd);
        ln_2 = nn.LayerNorm(config.EmbeddingSize, config.LayerNormEpsilon, device: device);
        mlp = new Gpt2Mlp(config, device, initStd);
        RegisterComponents();
    }

    /// <summary>The block on <paramref name="x"/> [batch, new, n_embd]; see <see cref="Gpt2Attention.Forward"/> for the other arguments.</summary>
    public Tensor Forward(Tensor x, Gpt2LayerCache? cache, Tensor? mask, bool causal)
    {
        using var scope = NewDisposeScope();
        var h = x.Plus(attn.Forward(ln_1.forward(x), cache, mask, causal));            // Plus: see KeptScalars
        return h.Plus(mlp.forward(ln_2.forward(h))).MoveToOuterDisposeScope();
    }
}
