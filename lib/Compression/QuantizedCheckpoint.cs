using Workbook.Safetensors;
using static TorchSharp.torch;

namespace Workbook.Compression;

/// <summary>
/// Saves and loads a dynamically quantized model as one safetensors file: int8 weights (<c>I8</c>), float32 scales,
/// biases and every other tensor as they are. The file is written atomically; its size is the real saving.
/// Introduced in chapter 15.
/// </summary>
public static class QuantizedCheckpoint
{
    /// <summary>The metadata key and value that mark a file as written by <see cref="Save"/>.</summary>
    public const string FormatKey = "format",
        FormatValue = "workbook-int8-dynamic";

    /// <summary>Writes <paramref name="model"/>'s state (parameters and buffers) to <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">The model has no int8 layer (quantize it with <see cref="DynamicQuantization"/>
    /// first).</exception>
    public static void Save(string path, nn.Module model)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(model);
        var layers = DynamicQuantization.QuantizedLayerCount(model);
        if (layers == 0)
            throw new ArgumentException(
                "The model has no int8 layer; quantize it with DynamicQuantization.QuantizeLinearLayers before saving "
                    + "it as a quantized checkpoint.",
                nameof(model)
            );
        SafetensorsWriter.Save(
            path,
            model.state_dict(),
            new Dictionary<string, string>
            {
                [FormatKey] = FormatValue,
                ["scheme"] = "int8 symmetric per-output-channel weights (-127..127), float32 scales and biases, float32 activations",
                ["quantized_layers"] = layers.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }
        );
    }

    /// <summary>
    /// Fills <paramref name="model"/> — a model of the same architecture, already quantized (so it has the int8 buffers) —
    /// from <paramref name="path"/>, checking names, shapes and that the file was written by <see cref="Save"/>.
    /// </summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="SafetensorsException">The file is not a quantized checkpoint, or an int8 tensor is stored with another
    /// dtype.</exception>
    /// <exception cref="CheckpointMismatchException">Names or shapes differ from the model's.</exception>
    public static void Load(string path, nn.Module model)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(model);
        if (!File.Exists(path))
            throw new FileNotFoundException($"No quantized checkpoint at '{path}'.", path);
        if (DynamicQuantization.QuantizedLayerCount(model) == 0)
            throw new ArgumentException(
                $"Loading '{path}' needs a quantized model of the same architecture: create the float model, "
                    + "call DynamicQuantization.QuantizeLinearLayers on it, then load.",
                nameof(model)
            );
        using var checkpoint = SafetensorsCheckpoint.Open(path);
        var file = checkpoint.Files[0];
        if (!file.Metadata.TryGetValue(FormatKey, out var format) || format != FormatValue)
            throw new SafetensorsException(
                path,
                $"is not a quantized checkpoint: its metadata has no \"{FormatKey}\": \"{FormatValue}\" entry."
            );
        foreach (var (name, buffer) in model.named_buffers())
            if (buffer.dtype == ScalarType.Int8 && checkpoint.Contains(name) && checkpoint.Info(name).Dtype != "I8")
                throw new SafetensorsException(
                    path,
                    $"stores '{name}' as {checkpoint.Info(name).Dtype}, but the model keeps it as int8 (I8)."
                );
        SafetensorsLoader.LoadInto(model, checkpoint);
    }
}
