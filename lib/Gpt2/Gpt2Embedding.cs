using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Gpt2;

/// <summary>
/// A lookup table [count, width] with one parameter named <c>weight</c>, as HF's <c>wte</c> and <c>wpe</c>
/// (TorchSharp's <c>nn.Embedding</c> would do, but it always fills its table with random numbers, which is wasted work
/// for a table a checkpoint is about to overwrite).
/// </summary>
/// <remarks>
/// With <c>columnMajor</c> the table is still [count, width] but laid out in memory as its transpose [width, count]
/// (the parameter is a transposed view of a contiguous [width, count] tensor). GPT-2 uses this for <c>wte</c>, which is
/// also the output head: logits = h · wteᵀ then multiplies by a contiguous [in, out] matrix, the layout a CPU streams
/// fastest (measured here: 6.7 ms instead of 12 ms per decoded token for the 50257 × 768 head). Looking up a few
/// rows of the transposed layout costs nothing noticeable.
/// </remarks>
public sealed class Gpt2Embedding : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;

    /// <summary>Creates a table of <paramref name="count"/> rows of <paramref name="width"/> values.</summary>
    /// <param name="count">Number of rows (vocabulary size or positions).</param>
    /// <param name="width">Row width (<c>n_embd</c>).</param>
    /// <param name="device">Where the table lives (CPU when null).</param>
    /// <param name="initStd">Standard deviation of the normal initialisation; 0 or less leaves it uninitialised.</param>
    /// <param name="columnMajor">Store the table transposed in memory (see the remarks).</param>
    public Gpt2Embedding(long count, long width, Device? device = null, double initStd = 0.02, bool columnMajor = false) : base(nameof(Gpt2Embedding))
    {
        weight = columnMajor
            ? new Parameter(empty([width, count], device: device).t())
            : new Parameter(empty([count, width], device: device));
        if (initStd > 0)
        {
            using var noGrad = no_grad();
            weight.normal_(0, initStd);
        }
        RegisterComponents();
    }

    /// <summary>The table, [count, width] (a transposed view when column-major).</summary>
    public Parameter Weight => weight;

    /// <summary>Rows of the table for integer ids of any shape: [...] → [..., width].</summary>
    public override Tensor forward(Tensor ids)
    {
        long[] outputShape = [.. ids.shape, weight.shape[1]];
        using var flat = ids.reshape(-1);
        using var rows = weight.index_select(0, flat);
        return rows.view(outputShape);
    }
}
