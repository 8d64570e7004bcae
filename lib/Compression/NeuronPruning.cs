using TorchSharp;
using TorchSharp.Modules;
using Workbook.Models;
using static TorchSharp.torch;

namespace Workbook.Compression;

/// <summary>
/// Structured pruning of a <see cref="SimpleModel"/> by neuron: in each hidden layer, the units whose incoming weight
/// rows have the smallest L2 norm are removed. <see cref="Prune"/> does it with masks (the unit's weight row and bias and
/// the next layer's matching input column are zeroed, so the model still has its size); <see cref="Shrink"/> then builds
/// a genuinely smaller <see cref="SimpleModel"/> with those units gone, computing the same outputs.
/// Introduced in chapter 15.
/// </summary>
public static class NeuronPruning
{
    /// <summary>
    /// Masks round(<paramref name="fraction"/> × width) units of every hidden layer (at least one unit always stays) and
    /// applies the masks now. Ranking is by the L2 norm of each unit's row of <c>fc{n}.weight</c>.
    /// </summary>
    /// <param name="model">The model to prune in place.</param>
    /// <param name="fraction">Fraction of each hidden layer's units to remove, in [0, 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">The fraction is outside [0, 1).</exception>
    /// <exception cref="ArgumentException">The model has no hidden layer.</exception>
    public static PruningMasks Prune(SimpleModel model, double fraction)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!(fraction >= 0 && fraction < 1))
            throw new ArgumentOutOfRangeException(
                nameof(fraction),
                fraction,
                "The fraction of units to remove must be in [0, 1): a layer keeps at least one unit."
            );
        var linears = Linears(model);
        if (linears.Count < 2)
            throw new ArgumentException($"Pruning neurons needs hidden layers; the model ({model.Options}) has none.", nameof(model));
        var masks = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using (no_grad())
        {
            for (var i = 0; i < linears.Count - 1; i++)
            {
                var (name, layer) = linears[i];
                var (nextName, next) = linears[i + 1];
                var width = layer.weight!.shape[0];
                var removed = Math.Min(width - 1, (long)Math.Round(fraction * width, MidpointRounding.AwayFromZero));
                using var scope = NewDisposeScope();
                var keep = PruningMasks.ZerosAtSmallest(layer.weight.detach().norm(1, false, 2), removed); // L2 norm of each unit's row
                // The unit's row (and bias), and the next layer's input column of the unit; a mask already there (the
                // previous layer's columns, on this layer's weight) is combined, not replaced.
                Combine(masks, $"layers.{name}.weight", keep.unsqueeze(1).expand_as(layer.weight));
                if (layer.bias is not null)
                    Combine(masks, $"layers.{name}.bias", keep);
                Combine(masks, $"layers.{nextName}.weight", keep.unsqueeze(0).expand_as(next.weight!));
            }
        }
        return PruningMasks.ApplyNew(model, masks);
    }

    /// <summary>
    /// A new, smaller <see cref="SimpleModel"/> without the units that <paramref name="masks"/> (from <see cref="Prune"/>,
    /// possibly after fine-tuning) removed: same outputs as the masked model, fewer parameters, less time. The original
    /// model is unchanged.
    /// </summary>
    /// <exception cref="ArgumentException">The masks belong to another model, or the model uses LayerNorm (which normalises
    /// over all units of a layer, so removing zeroed units would change the others' outputs).</exception>
    public static SimpleModel Shrink(SimpleModel model, PruningMasks masks)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(masks);
        if (!ReferenceEquals(masks.Model, model))
            throw new ArgumentException(
                "These masks were made for another model; pass the model NeuronPruning.Prune pruned.",
                nameof(masks)
            );
        if (model.Options.Normalization == Normalization.LayerNorm)
            throw new ArgumentException(
                "Cannot remove units from a model with LayerNorm: it normalises over all units of a layer, "
                    + "so the masked model and a smaller one compute different outputs. Keep the masked model, "
                    + "or use Normalization.None or BatchNorm.",
                nameof(model)
            );
        var linears = Linears(model);
        var kept = new List<Tensor>(); // indices of the units each hidden layer keeps
        using var scope = NewDisposeScope();
        for (var i = 0; i < linears.Count - 1; i++)
        {
            var key = $"layers.{linears[i].Name}.weight";
            var width = linears[i].Layer.weight!.shape[0];
            kept.Add(
                masks.Names.Contains(key) ? masks[key].sum(1).nonzero().flatten() : arange(width, device: linears[i].Layer.weight!.device)
            );
        }
        var smaller = new SimpleModel(model.Options with { HiddenWidths = [.. kept.Select(k => (int)k.shape[0])] });
        smaller.to(linears[0].Layer.weight!.device);
        var source = model.state_dict();
        using (no_grad())
            foreach (var (name, target) in smaller.state_dict())
            {
                var value = source[name];
                var (layerIndex, isOutputLayer) = LayerOf(name);
                if (layerIndex is { } n && value.dim() > 0) // not num_batches_tracked
                {
                    if (n <= kept.Count)
                        value = value.index_select(0, kept[n - 1]); // this layer's units
                    if (name.EndsWith(".weight", StringComparison.Ordinal) && name.Contains(".fc", StringComparison.Ordinal) && n >= 2)
                        value = value.index_select(1, kept[n - 2]); // the previous layer's units
                }
                if (isOutputLayer && name.EndsWith(".weight", StringComparison.Ordinal))
                    value = value.index_select(1, kept[^1]);
                target.copy_(value);
            }
        if (!model.training)
            smaller.eval();
        return smaller;
    }

    private static void Combine(Dictionary<string, Tensor> masks, string name, Tensor mask)
    {
        var combined = masks.TryGetValue(name, out var existing) ? existing * mask : mask.clone();
        existing?.Dispose();
        masks[name] = combined.DetachFromDisposeScope();
    }

    private static List<(string Name, Linear Layer)> Linears(SimpleModel model) =>
        [.. model.Layers.named_children().Where(c => c.module is Linear).Select(c => (c.name, (Linear)c.module))];

    /// <summary>For a state name such as <c>layers.fc2.weight</c> or <c>layers.norm2.running_mean</c>: the hidden layer number it belongs
    /// to (null for the output layer), and whether it is the output layer.</summary>
    private static (int? Layer, bool IsOutput) LayerOf(string name)
    {
        var part = name.Split('.')[1]; // fc2, norm2, out
        if (part == "out")
            return (null, true);
        var digits = new string([.. part.SkipWhile(c => !char.IsDigit(c))]);
        return (int.Parse(digits, System.Globalization.CultureInfo.InvariantCulture), false);
    }
}
