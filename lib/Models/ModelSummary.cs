using System.Globalization;
using System.Runtime.InteropServices;
using TorchSharp.Modules;
using Workbook.Notebook;
using static TorchSharp.torch;

namespace Workbook.Models;

/// <summary>
/// One row per layer (leaf module) of a model: name, type, output shape when it can be traced, and parameter count;
/// plus the totals. Renders as a table in a notebook, like Keras' <c>model.summary()</c>. Introduced in chapter 01.
/// </summary>
[TypeFormatterSource(typeof(HtmlRenderableFormatterSource), PreferredMimeTypes = ["text/html"])]
public sealed class ModelSummary : IHtmlRenderable
{
    /// <summary>A layer of the summary.</summary>
    /// <param name="Name">Dotted name inside the model (e.g. <c>layers.fc1</c>).</param>
    /// <param name="Type">The module's type name (e.g. <c>Linear</c>).</param>
    /// <param name="OutputShape">Output shape for the example input, or null when the model is not a chain of layers.</param>
    /// <param name="Parameters">Number of parameters the layer itself holds.</param>
    public sealed record Layer(string Name, string Type, long[]? OutputShape, long Parameters);

    private ModelSummary(string title, IReadOnlyList<Layer> layers, long total, long trainable)
    {
        Title = title;
        Layers = layers;
        TotalParameters = total;
        TrainableParameters = trainable;
    }

    /// <summary>Model type and description.</summary>
    public string Title { get; }

    /// <summary>The leaf layers in registration order.</summary>
    public IReadOnlyList<Layer> Layers { get; }

    /// <summary>All parameters of the model.</summary>
    public long TotalParameters { get; }

    /// <summary>Parameters with <c>requires_grad</c>, the ones an optimizer updates.</summary>
    public long TrainableParameters { get; }

    /// <summary>Size of the parameters in float32, in bytes.</summary>
    public long Float32Bytes => TotalParameters * sizeof(float);

    /// <summary>
    /// Summarises <paramref name="model"/>. With <paramref name="inputShape"/> (batch included, e.g. <c>[1, 10]</c>)
    /// and a model that is a chain of layers (a <see cref="Sequential"/> or a <see cref="SimpleModel"/>), each layer's
    /// output shape is traced with a zero input in eval mode; the model's train/eval mode is restored afterwards.
    /// </summary>
    /// <exception cref="ArgumentException">The traced input shape does not fit the model; the message names the layer.</exception>
    public static ModelSummary Create(nn.Module model, params long[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputShape);
        var shapes = inputShape.Length > 0 ? TraceShapes(model, inputShape) : null;
        var layers = new List<Layer>();
        foreach (var (name, module) in model.named_modules())
        {
            if (module.named_children().Any())
                continue; // containers hold no parameters of their own
            var parameters = module.parameters(recurse: false).Sum(p => p.numel());
            layers.Add(new Layer(name, module.GetType().Name, shapes?.GetValueOrDefault(module), parameters));
        }
        var all = model.parameters().ToList();
        var title = model is SimpleModel simple ? $"SimpleModel {simple.Options}" : model.GetType().Name;
        return new ModelSummary(title, layers, all.Sum(p => p.numel()), all.Where(p => p.requires_grad).Sum(p => p.numel()));
    }

    private static Dictionary<nn.Module, long[]>? TraceShapes(nn.Module model, long[] inputShape)
    {
        var chain = model switch
        {
            SimpleModel simple => simple.Layers,
            Sequential sequential => sequential,
            _ => null,
        };
        if (chain is null)
            return null;
        if (inputShape.Any(d => d < 1))
            throw new ArgumentException($"Input shape [{string.Join(", ", inputShape)}] has a size below 1.", nameof(inputShape));
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var device = model.parameters().FirstOrDefault()?.device ?? CPU;
            var x = zeros(inputShape, device: device);
            var shapes = new Dictionary<nn.Module, long[]>(ReferenceEqualityComparer.Instance);
            foreach (var (name, layer) in chain.named_children())
            {
                try
                {
                    x = ((nn.Module<Tensor, Tensor>)layer).call(x);
                }
                catch (Exception e) when (e is ArgumentException or ExternalException or InvalidCastException)
                {
                    throw new ArgumentException(
                        $"An input of shape [{string.Join(", ", inputShape)}] does not fit layer '{name}' "
                            + $"({layer.GetType().Name}): {e.Message}",
                        nameof(inputShape),
                        e
                    );
                }
                shapes[layer] = x.shape;
            }
            return shapes;
        }
        finally
        {
            if (wasTraining)
                model.train();
        }
    }

    /// <summary>The summary as a table, totals in the last rows.</summary>
    public Table ToTable()
    {
        var rows = Layers
            .Select(l =>
                (IReadOnlyList<string>)
                    [
                        l.Name,
                        l.Type,
                        l.OutputShape is null ? "" : $"[{string.Join(", ", l.OutputShape)}]",
                        l.Parameters.ToString("N0", CultureInfo.InvariantCulture),
                    ]
            )
            .ToList();
        rows.Add(["total", "", "", TotalParameters.ToString("N0", CultureInfo.InvariantCulture)]);
        rows.Add(["trainable", "", "", TrainableParameters.ToString("N0", CultureInfo.InvariantCulture)]);
        rows.Add(["size (float32)", "", "", string.Create(CultureInfo.InvariantCulture, $"{Float32Bytes / 1024.0:F1} KiB")]);
        return new Table(["layer", "type", "output shape", "parameters"], rows, caption: Title);
    }

    /// <inheritdoc />
    public string ToHtml() => ToTable().ToHtml();

    /// <inheritdoc />
    public override string ToString() => ToTable().ToString();
}
