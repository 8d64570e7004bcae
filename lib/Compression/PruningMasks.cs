using Workbook.Training;
using static TorchSharp.torch;

namespace Workbook.Compression;

/// <summary>
/// One 0/1 mask per pruned parameter of a model. <see cref="Apply"/> multiplies the parameters by their masks, so pruned
/// weights are exactly zero; <see cref="MaskGradients"/> zeroes their gradients. Attached to a <see cref="Trainer"/>
/// (<see cref="AttachTo"/>), both run every step, so pruned weights stay exactly zero through fine-tuning whatever the
/// optimizer does (Adam's moments or weight decay would otherwise move them off zero).
/// Introduced with chapter 15.
/// </summary>
/// <remarks>
/// Masking does not make the model smaller or faster: the zeros are stored and multiplied like any other weight. Only
/// removing whole neurons (<see cref="NeuronPruning.Shrink"/>) or a sparse kernel turns zeros into savings.
/// </remarks>
public sealed class PruningMasks
{
    private readonly Dictionary<string, (Tensor Parameter, Tensor Mask)> entries;

    /// <summary>
    /// What both pruning methods end with: masks built from <paramref name="masks"/> (copied, and the given tensors
    /// disposed), applied to the model now, returned to keep the pruned weights at zero.
    /// </summary>
    internal static PruningMasks ApplyNew(nn.Module model, Dictionary<string, Tensor> masks)
    {
        var result = new PruningMasks(model, masks);
        foreach (var mask in masks.Values)
            mask.Dispose();
        result.Apply();
        return result;
    }

    /// <summary>
    /// A 0/1 mask over the 1-D <paramref name="magnitudes"/> with zeros at its <paramref name="count"/> smallest entries; ties
    /// go to the earlier index, so the choice is reproducible. Both pruning methods rank with it.
    /// </summary>
    internal static Tensor ZerosAtSmallest(Tensor magnitudes, long count)
    {
        using var scope = NewDisposeScope();
        var mask = ones_like(magnitudes);
        if (count > 0)
        {
            var order = magnitudes.sort(0, false, true).Indices;
            mask.index_fill_(0, order.narrow(0, 0, count), 0.0);
        }
        return mask.MoveToOuterDisposeScope();
    }

    /// <summary>Masks for parameters of <paramref name="model"/>, by parameter name (as in <c>named_parameters()</c>).</summary>
    /// <exception cref="ArgumentException">A name is not a parameter of the model, a mask's shape differs from its parameter's, or a mask
    /// holds values other than 0 and 1.</exception>
    public PruningMasks(nn.Module model, IReadOnlyDictionary<string, Tensor> masks)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(masks);
        Model = model;
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter, StringComparer.Ordinal);
        entries = new(StringComparer.Ordinal);
        foreach (var (name, mask) in masks)
        {
            if (!parameters.TryGetValue(name, out var parameter))
                throw new ArgumentException(
                    $"'{name}' is not a parameter of the model; its parameters are: {string.Join(", ", parameters.Keys)}.",
                    nameof(masks)
                );
            ArgumentNullException.ThrowIfNull(mask, $"masks[{name}]");
            if (!mask.shape.SequenceEqual(parameter.shape))
                throw new ArgumentException(
                    $"The mask of '{name}' has shape [{string.Join(", ", mask.shape)}] but the parameter has "
                        + $"[{string.Join(", ", parameter.shape)}].",
                    nameof(masks)
                );
            using var noGrad = no_grad();
            var m = mask.detach().to(parameter.dtype, parameter.device).clone();
            if (!(m.eq(0) | m.eq(1)).all().item<bool>())
                throw new ArgumentException($"The mask of '{name}' holds values other than 0 and 1.", nameof(masks));
            entries[name] = (parameter, m);
        }
    }

    /// <summary>The model the masks belong to.</summary>
    public nn.Module Model { get; }

    /// <summary>The names of the masked parameters.</summary>
    public IReadOnlyCollection<string> Names => entries.Keys;

    /// <summary>The mask of parameter <paramref name="name"/> (1 keeps a weight, 0 prunes it).</summary>
    /// <exception cref="KeyNotFoundException">The parameter has no mask.</exception>
    public Tensor this[string name] =>
        entries.TryGetValue(name, out var e)
            ? e.Mask
            : throw new KeyNotFoundException($"No mask for '{name}'; masked parameters: {string.Join(", ", entries.Keys)}.");

    /// <summary>Total number of masked-out (pruned) weights.</summary>
    public long PrunedCount => entries.Values.Sum(e => e.Mask.numel() - e.Mask.count_nonzero().item<long>());

    /// <summary>Total number of weights under a mask.</summary>
    public long MaskedCount => entries.Values.Sum(e => e.Mask.numel());

    /// <summary>Sets every pruned weight to exactly zero (parameter ← parameter ⊙ mask).</summary>
    public void Apply()
    {
        using var noGrad = no_grad();
        foreach (var (parameter, mask) in entries.Values)
            parameter.mul_(mask);
    }

    /// <summary>Zeroes the gradients of pruned weights (parameters without a gradient are skipped).</summary>
    public void MaskGradients()
    {
        using var noGrad = no_grad();
        foreach (var (parameter, mask) in entries.Values)
            parameter.grad?.mul_(mask);
    }

    /// <summary>
    /// Makes <paramref name="trainer"/> keep pruned weights at zero: gradients masked after every backward pass
    /// (<see cref="Trainer.AfterBackward"/>) and masks re-applied after every optimizer step
    /// (<see cref="Trainer.AfterOptimizerStep"/>). Callbacks already set stay and run first.
    /// </summary>
    /// <exception cref="ArgumentException">The trainer trains another model than <see cref="Model"/>.</exception>
    public void AttachTo(Trainer trainer)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        if (!ReferenceEquals(trainer.Model, Model))
            throw new ArgumentException(
                "The trainer trains another model than the one these masks were made for; create the masks from trainer.Model.",
                nameof(trainer)
            );
        Apply();
        trainer.AfterBackward += MaskGradients;
        trainer.AfterOptimizerStep += Apply;
    }
}
