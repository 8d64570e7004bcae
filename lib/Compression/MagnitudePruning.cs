using static TorchSharp.torch;

namespace Workbook.Compression;

/// <summary>
/// Unstructured magnitude pruning: zero the weights with the smallest |w|, the classic baseline (Han et al., 2015), kept
/// at zero afterwards by the returned <see cref="PruningMasks"/>. Introduced in chapter 15.
/// </summary>
public static class MagnitudePruning
{
    /// <summary>The default selection: weight matrices (parameters with two or more dimensions), not biases or norm gains.</summary>
    public static bool WeightMatrices(string name, Tensor parameter) => parameter.dim() >= 2;

    /// <summary>
    /// Prunes exactly round(<paramref name="sparsity"/> × n) weights with the smallest magnitude — of each selected
    /// parameter (<see cref="PruningScope.PerLayer"/>) or of all of them together (<see cref="PruningScope.Global"/>) —
    /// sets them to zero now and returns their masks. Weights already at zero count as the smallest, so pruning a pruned
    /// model again to a higher sparsity keeps the earlier cuts.
    /// </summary>
    /// <param name="model">The model to prune in place.</param>
    /// <param name="sparsity">Fraction of the selected weights to prune, in [0, 1].</param>
    /// <param name="scope">Per-layer or global ranking.</param>
    /// <param name="select">Which parameters take part (name, tensor); <see cref="WeightMatrices"/> when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">The sparsity is outside [0, 1] or the scope is unknown.</exception>
    /// <exception cref="ArgumentException">No parameter is selected.</exception>
    public static PruningMasks Unstructured(
        nn.Module model,
        double sparsity,
        PruningScope scope = PruningScope.PerLayer,
        Func<string, Tensor, bool>? select = null
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!(sparsity >= 0 && sparsity <= 1))
            throw new ArgumentOutOfRangeException(
                nameof(sparsity),
                sparsity,
                "The sparsity is the fraction of weights to prune: a number in [0, 1]."
            );
        if (!Enum.IsDefined(scope))
            throw new ArgumentOutOfRangeException(nameof(scope), scope, "Use PruningScope.PerLayer or PruningScope.Global.");
        select ??= WeightMatrices;
        var chosen = model.named_parameters().Where(p => select(p.name, p.parameter)).ToList();
        if (chosen.Count == 0)
            throw new ArgumentException(
                "No parameter was selected for pruning; the model's parameters are: "
                    + $"{string.Join(", ", model.named_parameters().Select(p => p.name))}.",
                nameof(select)
            );

        var masks = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using (no_grad())
        {
            if (scope == PruningScope.PerLayer)
                foreach (var (name, parameter) in chosen)
                    masks[name] = SmallestMask(parameter.detach().abs().flatten(), sparsity).view(parameter.shape).DetachFromDisposeScope();
            else
            {
                using var scope2 = NewDisposeScope();
                var all = cat(chosen.Select(p => p.parameter.detach().abs().flatten().to(ScalarType.Float32)).ToList(), 0);
                var mask = SmallestMask(all, sparsity);
                long offset = 0;
                foreach (var (name, parameter) in chosen)
                {
                    masks[name] = mask.narrow(0, offset, parameter.numel()).view(parameter.shape).clone().DetachFromDisposeScope();
                    offset += parameter.numel();
                }
            }
        }
        return PruningMasks.ApplyNew(model, masks);
    }

    /// <summary>A 0/1 mask over <paramref name="magnitudes"/> with zeros at the round(fraction·n) smallest entries.</summary>
    private static Tensor SmallestMask(Tensor magnitudes, double fraction) =>
        PruningMasks.ZerosAtSmallest(magnitudes, (long)Math.Round(fraction * magnitudes.numel(), MidpointRounding.AwayFromZero));
}

/// <summary>How <see cref="MagnitudePruning.Unstructured"/> picks the weights to prune. Introduced in chapter 15.</summary>
public enum PruningScope
{
    /// <summary>Each selected parameter loses the same fraction of its own smallest-magnitude weights.</summary>
    PerLayer,

    /// <summary>One threshold over all selected parameters together: layers with many small weights lose more.</summary>
    Global,
}
