using TorchSharp;
using TorchSharp.Modules;
using Workbook.Gpt2;
using Workbook.Native;
using static TorchSharp.torch;

namespace Workbook.Lora;

/// <summary>
/// A LoRA adapter around one of GPT-2's <see cref="Conv1D"/> projections (Hu et al. 2021): y = base(x) + s·B(A(dropout(x))),
/// with A [r, in] and B [out, r] trainable and the base layer frozen, s = alpha / r. Introduced in chapter 11.
/// </summary>
/// <remarks>
/// <para>As in PEFT: A starts Kaiming-uniform (a = √5, the default of a linear layer) and B at zero, so a fresh adapter
/// changes nothing; the submodules are named <c>base_layer</c>, <c>lora_A</c>, <c>lora_B</c>, <c>lora_dropout</c>.</para>
/// <para>A and B are stored [r, in] and [out, r] whatever the base layer's layout. Conv1D keeps its weight [in, out]
/// (PEFT's <c>fan_in_fan_out</c>), so merging adds (B·A)ᵀ·s, an [in, out] matrix, to it.</para>
/// </remarks>
public sealed class LoraConv1D : nn.Module<Tensor, Tensor>
{
    private Conv1D? base_layer;
    private readonly Linear lora_A;
    private readonly Linear lora_B;
    private readonly nn.Module<Tensor, Tensor> lora_dropout;
    private readonly Scalar scaling; // kept for the native calls (see KeptScalars)

    /// <summary>Wraps <paramref name="baseLayer"/> (kept, not copied) with a fresh adapter.</summary>
    /// <param name="baseLayer">The projection to adapt; its parameters are frozen here.</param>
    /// <param name="rank">r.</param>
    /// <param name="alpha">lora_alpha; the update is scaled by alpha / r.</param>
    /// <param name="dropout">Dropout probability on the adapter's input in training mode.</param>
    /// <exception cref="ArgumentOutOfRangeException">The rank is below 1 or above min(in, out), alpha is not positive, or the
    /// dropout is outside [0, 1).</exception>
    public LoraConv1D(Conv1D baseLayer, int rank, double alpha, double dropout = 0.0)
        : base(nameof(LoraConv1D))
    {
        ArgumentNullException.ThrowIfNull(baseLayer);
        var limit = Math.Min(baseLayer.InFeatures, baseLayer.OutFeatures);
        if (rank < 1 || rank > limit)
            throw new ArgumentOutOfRangeException(
                nameof(rank),
                rank,
                $"The rank must lie in [1, {limit}] for a [{baseLayer.InFeatures}, {baseLayer.OutFeatures}] layer."
            );
        if (!(alpha > 0) || !double.IsFinite(alpha))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "lora_alpha must be a positive number.");
        if (dropout is < 0 or >= 1 || double.IsNaN(dropout))
            throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "lora_dropout must lie in [0, 1).");
        Rank = rank;
        Alpha = alpha;
        Scaling = alpha / rank;
        scaling = Scaling.ToScalar();
        var device = baseLayer.Weight.device;
        var dtype = baseLayer.Weight.dtype;
        lora_A = nn.Linear(baseLayer.InFeatures, rank, hasBias: false, device: device, dtype: dtype);
        lora_B = nn.Linear(rank, baseLayer.OutFeatures, hasBias: false, device: device, dtype: dtype);
        using (no_grad())
        {
            nn.init.kaiming_uniform_(lora_A.weight!, Math.Sqrt(5));
            nn.init.zeros_(lora_B.weight!);
        }
        lora_dropout = dropout > 0 ? nn.Dropout(dropout) : nn.Identity();
        base_layer = baseLayer;
        baseLayer.Weight.requires_grad = false;
        baseLayer.Bias.requires_grad = false;
        RegisterComponents();
    }

    /// <summary>r.</summary>
    public int Rank { get; }

    /// <summary>lora_alpha.</summary>
    public double Alpha { get; }

    /// <summary>alpha / r.</summary>
    public double Scaling { get; }

    /// <summary>Whether the update is currently added into the base weight (then the adapter path is skipped).</summary>
    public bool IsMerged { get; private set; }

    /// <summary>The wrapped projection.</summary>
    public Conv1D BaseLayer =>
        base_layer ?? throw new ObjectDisposedException(nameof(LoraConv1D), "The base layer was handed back by Unload.");

    /// <summary>A, [r, in].</summary>
    public Parameter A => lora_A.weight!;

    /// <summary>B, [out, r].</summary>
    public Parameter B => lora_B.weight!;

    /// <summary>base(x) + s·B(A(dropout(x))) for x [..., in] → [..., out]; just base(x) once merged.</summary>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (IsMerged)
            return BaseLayer.forward(input);
        using var scope = NewDisposeScope();
        var result = BaseLayer.forward(input);
        var update = lora_B.forward(lora_A.forward(lora_dropout.forward(input)));
        return result.add(update, scaling).MoveToOuterDisposeScope();
    }

    /// <summary>The update in the base weight's layout: (B·A)ᵀ·s, [in, out].</summary>
    public Tensor DeltaWeight()
    {
        using var scope = NewDisposeScope();
        return A.t().matmul(B.t()).mul(scaling).MoveToOuterDisposeScope(); // (B·A)ᵀ = Aᵀ·Bᵀ
    }

    /// <summary>Adds the update into the base weight, so inference costs what the plain layer costs. No-op when merged.</summary>
    public void Merge()
    {
        if (IsMerged)
            return;
        using (no_grad())
        using (var delta = DeltaWeight())
            BaseLayer.Weight.add_(delta);
        IsMerged = true;
    }

    /// <summary>Subtracts the update from the base weight again (exact up to float rounding). No-op when not merged.</summary>
    public void Unmerge()
    {
        if (!IsMerged)
            return;
        using (no_grad())
        using (var delta = DeltaWeight())
            BaseLayer.Weight.sub_(delta);
        IsMerged = false;
    }

    /// <summary>
    /// Hands back the base layer (merge first to keep the adapter's effect) and leaves this adapter without one, ready to
    /// be disposed; the base layer's parameters stay frozen.
    /// </summary>
    internal Conv1D Unload()
    {
        var layer = BaseLayer;
        register_module("base_layer", null!);
        base_layer = null;
        return layer;
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            scaling.Dispose();
        base.Dispose(disposing);
    }
}
