using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Models;

/// <summary>
/// The classic tutorial's fully connected network, configurable: for each hidden width a
/// <c>Linear</c> → optional normalization → activation → optional <c>Dropout</c>, then a final <c>Linear</c> to the outputs.
/// Parameter names follow the layers: <c>layers.fc1.weight</c>, <c>layers.norm1.weight</c>, …, <c>layers.out.weight</c>.
/// Introduced in chapter 01.
/// </summary>
/// <example><code>
/// var model = new SimpleModel(new SimpleModelOptions(Inputs: 30, HiddenWidths: [32], Dropout: 0.2));
/// var logits = model.call(features);   // [batch, 2]
/// </code></example>
public sealed class SimpleModel : nn.Module<Tensor, Tensor>
{
    private Sequential layers;

    /// <summary>Builds the network described by <paramref name="options"/> (the classic 10 → 64 → 64 → 2 when null).</summary>
    /// <param name="options">The sizes and layers.</param>
    /// <param name="device">Where the parameters live (CPU when null); <c>torch.META</c> gives names and shapes without allocating
    /// memory.</param>
    /// <param name="initialize">Fill the linear layers with PyTorch's default random initialisation (Kaiming uniform);
    /// false leaves their memory uninitialised, for a checkpoint to fill (faster, and draws nothing from the random generator).</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (see <see cref="SimpleModelOptions.Validate"/>).</exception>
    public SimpleModel(SimpleModelOptions? options = null, Device? device = null, bool initialize = true)
        : base(nameof(SimpleModel))
    {
        Options = options ?? new SimpleModelOptions();
        Options.Validate();
        var named = new List<(string, nn.Module<Tensor, Tensor>)>();
        var previous = Options.Inputs;
        for (var i = 0; i < Options.Widths.Count; i++)
        {
            var width = Options.Widths[i];
            var n = i + 1;
            named.Add(($"fc{n}", CreateLinear(previous, width, device, initialize)));
            if (Options.Normalization == Normalization.BatchNorm)
                named.Add(($"norm{n}", nn.BatchNorm1d(width, device: device)));
            if (Options.Normalization == Normalization.LayerNorm)
                named.Add(($"norm{n}", nn.LayerNorm(width, device: device)));
            named.Add(($"act{n}", ActivationModules.Create(Options.Activation)));
            if (Options.Dropout > 0)
                named.Add(($"drop{n}", nn.Dropout(Options.Dropout)));
            previous = width;
        }
        named.Add(("out", CreateLinear(previous, Options.Outputs, device, initialize)));
        layers = nn.Sequential(named);
        RegisterComponents();
    }

    /// <summary>The options the model was built from.</summary>
    public SimpleModelOptions Options { get; }

    /// <summary>The layers in order, for inspection (e.g. <see cref="ModelSummary"/>).</summary>
    public Sequential Layers => layers;

    /// <summary>Maps features [batch, inputs] to outputs [batch, outputs] (logits for classification).</summary>
    /// <exception cref="ArgumentException">The input is not a 2-D float tensor with <see cref="SimpleModelOptions.Inputs"/>
    /// columns.</exception>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() != 2 || input.shape[1] != Options.Inputs)
            throw new ArgumentException(
                $"SimpleModel expects features of shape [batch, {Options.Inputs}]; got [{string.Join(", ", input.shape)}].",
                nameof(input)
            );
        if (!input.is_floating_point())
            throw new ArgumentException(
                $"SimpleModel expects floating-point features; got {input.dtype}. Convert with .to(torch.float32).",
                nameof(input)
            );
        return layers.call(input);
    }

    private static Linear CreateLinear(int inputs, int outputs, Device? device, bool initialize) =>
        initialize
            ? nn.Linear(inputs, outputs, device: device)
            : nn.Linear(new Parameter(empty([outputs, inputs], device: device)), new Parameter(empty([outputs], device: device)));

    /// <summary>
    /// Replaces layers in place, keeping their names: <paramref name="replace"/>(name, layer) returns the new layer, or
    /// null to keep the old one. Used by <c>Compression.DynamicQuantization</c> to swap <c>Linear</c> for int8 layers; a
    /// replaced layer is disposed.
    /// </summary>
    /// <returns>The names of the layers replaced.</returns>
    internal IReadOnlyList<string> ReplaceLayers(Func<string, nn.Module<Tensor, Tensor>, nn.Module<Tensor, Tensor>?> replace)
    {
        var named = new List<(string, nn.Module<Tensor, Tensor>)>();
        var replaced = new List<(string Name, nn.Module Old)>();
        foreach (var (name, child) in layers.named_children())
        {
            var layer = (nn.Module<Tensor, Tensor>)child;
            var replacement = replace(name, layer);
            if (replacement is null || ReferenceEquals(replacement, layer))
                named.Add((name, layer));
            else
            {
                named.Add((name, replacement));
                replaced.Add((name, layer));
            }
        }
        if (replaced.Count == 0)
            return [];
        layers = nn.Sequential(named);
        register_module("layers", null!); // unregister the old container, register the new one
        register_module("layers", layers);
        foreach (var (_, old) in replaced)
            old.Dispose();
        return [.. replaced.Select(r => r.Name)];
    }
}
