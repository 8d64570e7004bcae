using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TorchSharp;
using Workbook.IO;
using static TorchSharp.torch;

namespace Workbook.Safetensors;

/// <summary>
/// Writes tensors to a safetensors file, atomically: a temporary file in the same folder, then a rename over the target. Introduced in
/// chapter 08.
/// </summary>
public static class SafetensorsWriter
{
    private const long ChunkBytes = 1L << 30;

    /// <summary>
    /// Writes <paramref name="tensors"/> (any device, any supported dtype; non-contiguous tensors are made contiguous)
    /// and optional string <paramref name="metadata"/> to <paramref name="path"/>. Tensors are laid out in ordinal name
    /// order; the header is padded with spaces to a multiple of 8 bytes, as the reference writer does, so data stays aligned.
    /// </summary>
    /// <exception cref="ArgumentException">No tensors, an empty name or the reserved name "__metadata__", a tensor on the
    /// meta device, or a dtype the format has no name for; the message names the tensor.</exception>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Writing safetensors needs a little-endian machine.");
        var names = tensors.Keys.OrderBy(n => n, StringComparer.Ordinal).ToList();
        foreach (var name in names)
        {
            if (string.IsNullOrEmpty(name) || name == "__metadata__")
                throw new ArgumentException($"'{name}' cannot be a tensor name in a safetensors file.", nameof(tensors));
            var t = tensors[name] ?? throw new ArgumentException($"Tensor '{name}' is null.", nameof(tensors));
            if (t.device_type == DeviceType.META)
                throw new ArgumentException($"Tensor '{name}' is on the meta device and has no data to write.", nameof(tensors));
            try
            {
                SafetensorsDtypes.FromScalarType(t.dtype);
            }
            catch (NotSupportedException e)
            {
                throw new ArgumentException($"Tensor '{name}': {e.Message}", nameof(tensors), e);
            }
        }

        var header = Header(names, tensors, metadata);
        AtomicFile.Write(
            path,
            stream =>
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                stream.Write(length);
                stream.Write(header);
                foreach (var name in names)
                    WriteData(stream, tensors[name]);
            }
        );
    }

    /// <summary>Writes the named tensors of a module's state (parameters and buffers), e.g. <c>model.state_dict()</c>.</summary>
    public static void Save(
        string path,
        IEnumerable<(string Name, Tensor Tensor)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null
    ) => Save(path, tensors.ToDictionary(p => p.Name, p => p.Tensor, StringComparer.Ordinal), metadata);

    private static byte[] Header(
        List<string> names,
        IReadOnlyDictionary<string, Tensor> tensors,
        IReadOnlyDictionary<string, string>? metadata
    )
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                    json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var name in names)
            {
                var t = tensors[name];
                var bytes = t.numel() * t.ElementSize;
                json.WriteStartObject(name);
                json.WriteString("dtype", SafetensorsDtypes.FromScalarType(t.dtype));
                json.WriteStartArray("shape");
                foreach (var d in t.shape)
                    json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        var padded = (buffer.Length + 7) / 8 * 8;
        while (buffer.Length < padded)
            buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    private static void WriteData(Stream stream, Tensor tensor)
    {
        if (tensor.numel() == 0)
            return;
        using var scope = NewDisposeScope();
        var flat = tensor.detach().to(CPU).contiguous().view(-1);
        var elementsPerChunk = ChunkBytes / tensor.ElementSize;
        for (long first = 0; first < flat.shape[0]; first += elementsPerChunk)
            stream.Write(flat.narrow(0, first, Math.Min(elementsPerChunk, flat.shape[0] - first)).bytes);
    }
}
