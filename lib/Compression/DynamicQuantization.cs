using TorchSharp;
using TorchSharp.Modules;
using Workbook.Gpt2;
using Workbook.Models;
using static TorchSharp.torch;

namespace Workbook.Compression;

/// <summary>
/// Post-training dynamic int8 quantization of the linear layers of a model, in place: each <c>nn.Linear</c> becomes a
/// <see cref="QuantizedLinear"/> and each GPT-2 <see cref="Conv1D"/> a <see cref="QuantizedLinear"/> in GPT-2's [in, out] layout, under the
/// same names. Weights are int8 with per-output-channel scales; activations stay float32 (see those classes for what runs in int8 here:
/// storage only). The model is put in eval mode: a quantized model is for inference. Introduced in chapter 15.
/// </summary>
/// <remarks>
/// Keep the float32 model by quantizing a copy (<c>var copy = new SimpleModel(model.Options);
/// copy.load_state_dict(model.state_dict());</c>). For GPT-2 the tied token embedding / output head (<c>wte</c>) and the position embedding
/// stay float32: the embedding is a lookup table and the head shares its tensor, so quantizing them is a separate decision (it would save
/// another 3 bytes per parameter of the 38.6 M in <c>wte</c> of the 124 M model, at a cost in logit accuracy on every token).
/// </remarks>
public static class DynamicQuantization
{
    /// <summary>Replaces every <c>nn.Linear</c> of <paramref name="model"/> by a <see cref="QuantizedLinear"/>.</summary>
    /// <returns>The names of the layers quantized, e.g. <c>fc1, fc2, out</c>.</returns>
    /// <exception cref="InvalidOperationException">The model has no float <c>Linear</c> layer left (already quantized?).</exception>
    public static IReadOnlyList<string> QuantizeLinearLayers(SimpleModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.eval();
        var replaced = model.ReplaceLayers(
            (name, layer) => layer is Linear linear ? QuantizedLinear.FromLinear(linear, $"layers.{name}") : null
        );
        if (replaced.Count == 0)
            throw new InvalidOperationException("The model has no nn.Linear layer to quantize: it is already quantized.");
        return replaced;
    }

    /// <summary>
    /// Replaces the attention (<c>c_attn</c>, <c>c_proj</c>) and MLP (<c>c_fc</c>, <c>c_proj</c>) projections of every
    /// block of <paramref name="model"/> by <see cref="QuantizedLinear"/>; the embeddings, the tied head and the layer
    /// norms stay float32.
    /// </summary>
    /// <returns>The names of the layers quantized, e.g. <c>h.0.attn.c_attn</c>.</returns>
    /// <exception cref="InvalidOperationException">No Conv1D projection is left (already quantized?).</exception>
    public static IReadOnlyList<string> QuantizeLinearLayers(Gpt2LMHeadModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.parameters().Any(p => p.device_type == DeviceType.META))
            throw new ArgumentException(
                "The GPT-2 model lives on the meta device (shapes only): load its weights before quantizing.",
                nameof(model)
            );
        model.eval();
        var replaced = new List<string>();
        foreach (var (path, module) in model.named_modules().ToList())
        {
            IReadOnlyList<string> names = module switch
            {
                Gpt2Attention attention => attention.ReplaceProjections<Conv1D>(
                    (name, layer) => QuantizedLinear.FromConv1D(layer, $"{path}.{name}")
                ),
                Gpt2Mlp mlp => mlp.ReplaceProjections<Conv1D>((name, layer) => QuantizedLinear.FromConv1D(layer, $"{path}.{name}")),
                _ => [],
            };
            replaced.AddRange(names.Select(n => $"{path}.{n}"));
        }
        if (replaced.Count == 0)
            throw new InvalidOperationException("The GPT-2 model has no Conv1D projection to quantize: it is already quantized.");
        return replaced;
    }

    /// <summary>The number of layers of <paramref name="model"/> stored as int8 (<see cref="QuantizedLinear"/> or
    /// <see cref="QuantizedLinear"/>).</summary>
    public static int QuantizedLayerCount(nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.modules().Count(m => m is QuantizedLinear);
    }
}
