using TorchSharp;
using Workbook.Gpt2;
using static TorchSharp.torch;

namespace Workbook.Lora;

/// <summary>
/// Puts LoRA adapters on chosen projections of a GPT-2 and freezes everything else, as PEFT's <c>get_peft_model</c>
/// does; merges them into the weights, takes them out again, or removes the wrappers. Introduced in chapter 11.
/// </summary>
/// <remarks>
/// The projections keep their names: after <see cref="Apply"/>, <c>h.0.attn.c_attn</c> is a <see cref="LoraConv1D"/>
/// whose parameters are <c>h.0.attn.c_attn.base_layer.weight</c>, <c>….lora_A.weight</c> and <c>….lora_B.weight</c>.
/// <see cref="MergeAndUnload"/> brings back plain Conv1D layers under HF's names, so
/// <see cref="Gpt2LMHeadModel.SavePretrained"/> writes an ordinary GPT-2 checkpoint.
/// </remarks>
public static class Gpt2Lora
{
    /// <summary>The projections of a GPT-2 block that can take an adapter.</summary>
    public static IReadOnlyList<string> ProjectionNames { get; } = ["c_attn", "c_proj", "c_fc"];

    /// <summary>
    /// Wraps every projection that <paramref name="config"/> targets in a fresh <see cref="LoraConv1D"/> (B = 0, so the
    /// model computes exactly what it did) and freezes every other parameter: only the adapters train.
    /// </summary>
    /// <returns>The names of the adapted projections, e.g. <c>h.0.attn.c_attn</c>.</returns>
    /// <exception cref="ArgumentException">The model is on the meta device, or the targets match no projection.</exception>
    /// <exception cref="InvalidOperationException">The model already has adapters.</exception>
    public static IReadOnlyList<string> Apply(Gpt2LMHeadModel model, LoraConfig config)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        if (model.parameters().Any(p => p.device_type == DeviceType.META))
            throw new ArgumentException(
                "The GPT-2 model lives on the meta device (shapes only): load its weights before adding adapters.",
                nameof(model)
            );
        if (Adapters(model).Count > 0)
            throw new InvalidOperationException(
                "The model already has LoRA adapters; merge and unload them (Gpt2Lora.MergeAndUnload) before adding new ones."
            );
        if (TargetedLayers(model, config).Count == 0)
            throw new ArgumentException(
                "target_modules "
                    + $"[{string.Join(", ", config.TargetModules)}]{(config.TargetPattern is null ? "" : $" / '{config.TargetPattern}'")} "
                    + $"match no projection of the model; GPT-2's are {string.Join(", ", ProjectionNames)} (for example "
                    + "h.0.attn.c_attn, h.0.mlp.c_proj).",
                nameof(config)
            );
        foreach (var parameter in model.parameters())
            parameter.requires_grad = false;
        var adapted = ReplaceProjections<Conv1D>(
            model,
            (path, layer) => config.Targets(path) ? new LoraConv1D(layer, config.Rank, config.Alpha, config.Dropout) : null
        );
        return adapted;
    }

    /// <summary>The adapters of <paramref name="model"/>, by module name, in the model's order.</summary>
    public static IReadOnlyList<(string Name, LoraConv1D Layer)> Adapters(nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return [.. model.named_modules().Where(m => m.module is LoraConv1D).Select(m => (m.name, (LoraConv1D)m.module))];
    }

    /// <summary>The projections <paramref name="config"/> targets in a model without adapters: name and layer.</summary>
    internal static IReadOnlyList<(string Name, Conv1D Layer)> TargetedLayers(Gpt2LMHeadModel model, LoraConfig config) =>
        [.. model.named_modules().Where(m => m.module is Conv1D && config.Targets(m.name)).Select(m => (m.name, (Conv1D)m.module))];

    /// <summary>Adds every adapter's update into its base weight (inference then costs what the base model costs).</summary>
    /// <exception cref="InvalidOperationException">The model has no adapters.</exception>
    public static void Merge(nn.Module model)
    {
        foreach (var (_, layer) in Required(model))
            layer.Merge();
    }

    /// <summary>Takes every adapter's update out of its base weight again.</summary>
    /// <exception cref="InvalidOperationException">The model has no adapters.</exception>
    public static void Unmerge(nn.Module model)
    {
        foreach (var (_, layer) in Required(model))
            layer.Unmerge();
    }

    /// <summary>
    /// Merges every adapter and puts the plain <see cref="Conv1D"/> back in its place: the result is an ordinary GPT-2
    /// whose weights include the fine-tuning (PEFT's <c>merge_and_unload</c>). Every parameter is trainable again.
    /// </summary>
    /// <returns>The names of the projections unloaded.</returns>
    /// <exception cref="InvalidOperationException">The model has no adapters.</exception>
    public static IReadOnlyList<string> MergeAndUnload(Gpt2LMHeadModel model)
    {
        Merge(model);
        var unloaded = ReplaceProjections<LoraConv1D>(model, (_, layer) => layer.Unload());
        foreach (var parameter in model.parameters())
            parameter.requires_grad = true;
        return unloaded;
    }

    /// <summary>Trainable (requires_grad) and total parameter counts of <paramref name="model"/>.</summary>
    public static (long Trainable, long Total) ParameterCounts(nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        long trainable = 0,
            total = 0;
        foreach (var parameter in model.parameters())
        {
            total += parameter.numel();
            if (parameter.requires_grad)
                trainable += parameter.numel();
        }
        return (trainable, total);
    }

    private static IReadOnlyList<(string Name, LoraConv1D Layer)> Required(nn.Module model)
    {
        var adapters = Adapters(model);
        return adapters.Count > 0
            ? adapters
            : throw new InvalidOperationException("The model has no LoRA adapters (Gpt2Lora.Apply adds them).");
    }

    private static List<string> ReplaceProjections<TLayer>(Gpt2LMHeadModel model, Func<string, TLayer, nn.Module<Tensor, Tensor>?> replace)
        where TLayer : nn.Module<Tensor, Tensor>
    {
        var replaced = new List<string>();
        foreach (var (path, module) in model.named_modules().ToList())
        {
            IReadOnlyList<string> names = module switch
            {
                Gpt2Attention attention => attention.ReplaceProjections<TLayer>((name, layer) => replace($"{path}.{name}", layer)),
                Gpt2Mlp mlp => mlp.ReplaceProjections<TLayer>((name, layer) => replace($"{path}.{name}", layer)),
                _ => [],
            };
            replaced.AddRange(names.Select(n => $"{path}.{n}"));
        }
        return replaced;
    }
}
