using static TorchSharp.torch;

namespace Workbook.Safetensors;

/// <summary>
/// The dtype names of the safetensors format ("F32", "BF16", ...) with their element sizes, and their TorchSharp
/// equivalents. Every dtype of the format is known (so any file's offsets can be validated); the few TorchSharp has no
/// type for (unsigned 16/32/64-bit, 8-bit floats) parse but cannot be read into a tensor. Introduced with chapter 08.
/// </summary>
public static class SafetensorsDtypes
{
    private static readonly Dictionary<string, (int Size, ScalarType? Type)> Known = new(StringComparer.Ordinal)
    {
        ["BOOL"] = (1, ScalarType.Bool),
        ["U8"] = (1, ScalarType.Byte),
        ["I8"] = (1, ScalarType.Int8),
        ["F8_E4M3"] = (1, null),
        ["F8_E5M2"] = (1, null),
        ["I16"] = (2, ScalarType.Int16),
        ["U16"] = (2, null),
        ["F16"] = (2, ScalarType.Float16),
        ["BF16"] = (2, ScalarType.BFloat16),
        ["I32"] = (4, ScalarType.Int32),
        ["U32"] = (4, null),
        ["F32"] = (4, ScalarType.Float32),
        ["I64"] = (8, ScalarType.Int64),
        ["U64"] = (8, null),
        ["F64"] = (8, ScalarType.Float64),
    };

    /// <summary>All dtype names of the format, e.g. "F32", "BF16", "BOOL".</summary>
    public static IReadOnlyCollection<string> Names => Known.Keys;

    /// <summary>True when <paramref name="dtype"/> is a dtype name of the format (case-sensitive, as the format is).</summary>
    public static bool IsKnown(string dtype) => Known.ContainsKey(dtype);

    /// <summary>Bytes per element of a dtype of the format.</summary>
    /// <exception cref="ArgumentException">The name is not a safetensors dtype.</exception>
    public static int ByteSize(string dtype) =>
        Known.TryGetValue(dtype, out var entry)
            ? entry.Size
            : throw new ArgumentException($"'{dtype}' is not a safetensors dtype; known: {string.Join(", ", Known.Keys)}.", nameof(dtype));

    /// <summary>The TorchSharp scalar type of a safetensors dtype, or null when TorchSharp has none (U16, U32, U64, F8_*).</summary>
    /// <exception cref="ArgumentException">The name is not a safetensors dtype.</exception>
    public static ScalarType? ToScalarType(string dtype) =>
        Known.TryGetValue(dtype, out var entry)
            ? entry.Type
            : throw new ArgumentException($"'{dtype}' is not a safetensors dtype; known: {string.Join(", ", Known.Keys)}.", nameof(dtype));

    /// <summary>The safetensors dtype name of a TorchSharp scalar type.</summary>
    /// <exception cref="NotSupportedException">The format has no dtype for it (complex types, for instance).</exception>
    public static string FromScalarType(ScalarType type)
    {
        foreach (var (name, entry) in Known)
            if (entry.Type == type)
                return name;
        throw new NotSupportedException($"safetensors has no dtype for {type}.");
    }
}
