using TorchSharp;
using Workbook.Gpt2;
using Workbook.Safetensors;
using static TorchSharp.torch;

namespace Workbook.Lora;

/// <summary>
/// Saves a GPT-2's LoRA adapters alone, and loads them back, in the layout of the PEFT library: a folder with
/// <c>adapter_config.json</c> (<see cref="LoraConfig"/>) and <c>adapter_model.safetensors</c> holding, for each adapted
/// projection, <c>base_model.model.transformer.h.0.attn.c_attn.lora_A.weight</c> [r, in] and <c>….lora_B.weight</c>
/// [out, r] — the names PEFT's <c>save_pretrained</c> writes for a <c>GPT2LMHeadModel</c> (its model path prefixed by
/// <c>base_model.model.</c>, the adapter's name "default" left out). Introduced in chapter 11.
/// </summary>
public static class LoraAdapterFiles
{
    /// <summary>The weights file's name.</summary>
    public const string WeightsFileName = "adapter_model.safetensors";

    private const string KeyPrefix = "base_model.model.transformer.";

    /// <summary>The file key of an adapter matrix: <paramref name="modulePath"/> <c>h.0.attn.c_attn</c>, <paramref name="matrix"/> "lora_A"
    /// →
    /// <c>base_model.model.transformer.h.0.attn.c_attn.lora_A.weight</c>.</summary>
    public static string Key(string modulePath, string matrix) => $"{KeyPrefix}{modulePath}.{matrix}.weight";

    /// <summary>
    /// Writes the adapters of <paramref name="model"/> (A and B only, float32; merged or not, they are the same numbers)
    /// and <paramref name="config"/> to <paramref name="folder"/>, each file atomically.
    /// </summary>
    /// <returns>The weights file's path.</returns>
    /// <exception cref="InvalidOperationException">The model has no adapters.</exception>
    /// <exception cref="ArgumentException">The config's rank or alpha is not the adapters', or it targets other modules.</exception>
    public static string Save(Gpt2LMHeadModel model, LoraConfig config, string folder)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        config.Validate();
        var adapters = Gpt2Lora.Adapters(model);
        if (adapters.Count == 0)
            throw new InvalidOperationException("The model has no LoRA adapters to save (Gpt2Lora.Apply adds them).");
        foreach (var (name, layer) in adapters)
        {
            if (layer.Rank != config.Rank || layer.Alpha != config.Alpha)
                throw new ArgumentException(
                    $"The adapter on {name} has r = {layer.Rank}, lora_alpha = {layer.Alpha}; "
                        + $"the config says r = {config.Rank}, lora_alpha = {config.Alpha}.",
                    nameof(config)
                );
            if (!config.Targets(name))
                throw new ArgumentException(
                    $"The model has an adapter on {name}, which the config's target_modules do not name.",
                    nameof(config)
                );
        }
        Directory.CreateDirectory(folder);
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, layer) in adapters)
        {
            tensors[Key(name, "lora_A")] = layer.A.detach().cpu().to(ScalarType.Float32);
            tensors[Key(name, "lora_B")] = layer.B.detach().cpu().to(ScalarType.Float32);
        }
        var weights = Path.Combine(folder, WeightsFileName);
        SafetensorsWriter.Save(weights, tensors, new Dictionary<string, string> { ["format"] = "pt" });
        config.Save(Path.Combine(folder, LoraConfig.FileName));
        GC.KeepAlive(model);
        return weights;
    }

    /// <summary>
    /// Reads an adapter folder written by <see cref="Save"/> or by PEFT, checks every key and shape against
    /// <paramref name="model"/> before changing anything, then adds the adapters (<see cref="Gpt2Lora.Apply"/>) and fills them.
    /// </summary>
    /// <returns>The adapter's config.</returns>
    /// <exception cref="FileNotFoundException">The folder lacks <c>adapter_config.json</c> or <c>adapter_model.safetensors</c>.</exception>
    /// <exception cref="InvalidDataException">The config is invalid (see <see cref="LoraConfig.FromJson"/>), or a tensor is
    /// not floating-point; the message names the file and the key.</exception>
    /// <exception cref="CheckpointMismatchException">Keys missing from the file, keys the model has no place for, or shapes
    /// that are not [r, in] / [out, r]; every one is named, with the file.</exception>
    /// <exception cref="InvalidOperationException">The model already has adapters.</exception>
    public static LoraConfig Load(Gpt2LMHeadModel model, string folder)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"LoRA adapter folder not found: {folder}");
        var config = LoraConfig.FromFile(Path.Combine(folder, LoraConfig.FileName));
        var weights = Path.Combine(folder, WeightsFileName);
        if (!File.Exists(weights))
            throw new FileNotFoundException($"LoRA adapter weights not found: {weights}", weights);
        if (Gpt2Lora.Adapters(model).Count > 0)
            throw new InvalidOperationException("The model already has LoRA adapters; load an adapter into a model without any.");

        using var file = SafetensorsCheckpoint.Open(weights);
        var expected = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var (name, layer) in Gpt2Lora.TargetedLayers(model, config))
        {
            expected[Key(name, "lora_A")] = [config.Rank, layer.InFeatures];
            expected[Key(name, "lora_B")] = [layer.OutFeatures, config.Rank];
        }
        var unexpected = file.Names.Where(n => !expected.ContainsKey(n)).Order(StringComparer.Ordinal).ToList();
        var missing = expected.Keys.Where(n => !file.Contains(n)).Order(StringComparer.Ordinal).ToList();
        var misshaped = expected
            .Where(p => file.Contains(p.Key) && !file.Info(p.Key).Shape.SequenceEqual(p.Value))
            .Select(p => new TensorShapeMismatch(p.Key, p.Value, file.Info(p.Key).Shape))
            .ToList();
        if (missing.Count > 0 || unexpected.Count > 0 || misshaped.Count > 0)
            throw new CheckpointMismatchException(weights, missing, unexpected, misshaped);
        foreach (var key in expected.Keys.Order(StringComparer.Ordinal))
            if (file.Info(key).Dtype is not ("F32" or "F16" or "BF16" or "F64"))
                throw new InvalidDataException(
                    $"{weights}: tensor '{key}' is {file.Info(key).Dtype}; LoRA matrices are floating-point (F32, F16, BF16 or F64)."
                );

        Gpt2Lora.Apply(model, config);
        foreach (var (name, layer) in Gpt2Lora.Adapters(model))
        {
            file.ReadInto(Key(name, "lora_A"), layer.A);
            file.ReadInto(Key(name, "lora_B"), layer.B);
        }
        return config;
    }
}
