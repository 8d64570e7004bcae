using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.Win32.SafeHandles;
using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Safetensors;

/// <summary>
/// An open safetensors file: an 8-byte little-endian header length, a JSON header (tensor name → dtype, shape,
/// data_offsets; optional string-to-string <c>__metadata__</c>), then the raw little-endian tensor bytes.
/// Introduced in chapter 08.
/// </summary>
/// <remarks>
/// <para>Opening parses and validates the whole header (offsets contiguous, inside the file, each tensor's byte count
/// = elements × dtype size) and reads no tensor data. Each tensor is then read on demand straight from the file into
/// the tensor's own memory with positioned reads (<see cref="RandomAccess"/>): no copy of the file in managed memory,
/// no memory map whose pages would count towards the process's resident size, so loading a 500 MB checkpoint needs
/// about 500 MB. Reads are independent of each other and safe from several threads.</para>
/// <para>The file stays open until <see cref="Dispose"/>.</para>
/// </remarks>
public sealed class SafetensorsFile : IDisposable
{
    /// <summary>Largest header accepted (the reference implementation's limit): 100 MB.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Largest read issued at once (TorchSharp exposes a tensor's memory as a span of at most 2 GB).</summary>
    private const long ChunkBytes = 1L << 30;

    /// <summary>Largest temporary used by <see cref="ReadInto"/> when it cannot read in place.</summary>
    private const long StagingBytes = 1L << 20;

    /// <summary>Default of <see cref="MaxTensorBytes"/>: 4 GiB, above the largest tensor of the models in this workbook
    /// (GPT-2 XL's embedding, 0.3 GB) and of most released checkpoints.</summary>
    public const long DefaultMaxTensorBytes = 4L << 30;
    private const string MetadataKey = "__metadata__";

    private readonly SafeFileHandle handle;
    private readonly Dictionary<string, SafetensorsTensorInfo> byName;

    private SafetensorsFile(
        string path,
        SafeFileHandle handle,
        long dataStart,
        long fileLength,
        List<SafetensorsTensorInfo> tensors,
        Dictionary<string, string> metadata
    )
    {
        Path = path;
        this.handle = handle;
        DataStart = dataStart;
        FileLength = fileLength;
        Tensors = tensors;
        Metadata = metadata;
        byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The file's path as given to <see cref="Open"/>.</summary>
    public string Path { get; }

    /// <summary>Offset of the data section: 8 + the header length.</summary>
    public long DataStart { get; }

    /// <summary>Size of the file in bytes.</summary>
    public long FileLength { get; }

    /// <summary>The header's entries, in data order (ascending offsets).</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The header's <c>__metadata__</c> (empty when absent), e.g. {"format": "pt"}.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensor names, in data order.</summary>
    public IEnumerable<string> Names => Tensors.Select(t => t.Name);

    /// <summary>
    /// The largest tensor <see cref="ReadTensor"/> and <see cref="ReadAll"/> allocate (after any upcast), checked
    /// before allocating: a header may describe a tensor larger than the machine's memory. Raise it to read larger
    /// tensors; <see cref="ReadInto"/>, which fills memory the caller already holds, is not limited.
    /// </summary>
    public long MaxTensorBytes { get; set; } = DefaultMaxTensorBytes;

    /// <summary>True when the file holds a tensor of that name.</summary>
    public bool Contains(string name) => byName.ContainsKey(name);

    /// <summary>The header entry of a tensor.</summary>
    /// <exception cref="KeyNotFoundException">No tensor of that name; the message names the file.</exception>
    public SafetensorsTensorInfo Info(string name) =>
        byName.TryGetValue(name, out var info)
            ? info
            : throw new KeyNotFoundException($"{Path}: no tensor named '{name}' (the file holds {byName.Count} tensors).");

    /// <summary>Opens a file and validates its header.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="SafetensorsException">The file is truncated, the header is not valid JSON or not a safetensors
    /// header, a dtype is unknown, or the offsets are not contiguous, outside the file or do not match the shapes.</exception>
    public static SafetensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
            throw new FileNotFoundException($"{path} is a directory, not a safetensors file.", path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Safetensors file not found: {path}", path);
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Reading safetensors needs a little-endian machine.");
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            var fileLength = RandomAccess.GetLength(handle);
            var (dataStart, tensors, metadata) = ParseHeader(path, handle, fileLength);
            return new SafetensorsFile(path, handle, dataStart, fileLength, tensors, metadata);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads a tensor into a new CPU tensor of the file's dtype (or float32, see <paramref name="upcastToFloat32"/>).</summary>
    /// <param name="name">The tensor's name.</param>
    /// <param name="upcastToFloat32">Convert F16 and BF16 tensors to float32 (other dtypes are returned as stored).</param>
    /// <exception cref="KeyNotFoundException">No tensor of that name.</exception>
    /// <exception cref="NotSupportedException">The dtype has no TorchSharp equivalent (U16, U32, U64, F8_*).</exception>
    /// <exception cref="InsufficientMemoryException">The tensor is larger than <see cref="MaxTensorBytes"/>; nothing was
    /// allocated.</exception>
    public Tensor ReadTensor(string name, bool upcastToFloat32 = false)
    {
        var info = Info(name);
        var stored = ScalarTypeOf(info);
        var upcast = upcastToFloat32 && (stored == ScalarType.Float16 || stored == ScalarType.BFloat16);
        // An upcast holds the stored tensor and its float32 copy at once: three times the stored bytes.
        var needed = upcast ? info.ByteLength * 3 : info.ByteLength;
        if (needed > MaxTensorBytes)
            throw new InsufficientMemoryException(
                $"{Path}: tensor '{name}' ({info.Dtype} {info.ShapeText}) needs {Bytes(needed)}{(upcast ? " with its float32 copy" : "")}, "
                    + $"more than the limit of {Bytes(MaxTensorBytes)}; "
                    + $"raise {nameof(SafetensorsFile)}.{nameof(MaxTensorBytes)} to read it, "
                    + $"or read it into an existing tensor with {nameof(ReadInto)}."
            );
        var result = empty(info.Shape, stored, CPU);
        try
        {
            ReadBytes(info, result, 0);
        }
        catch
        {
            result.Dispose();
            throw;
        }
        if (!upcast)
            return result;
        using (result)
            return result.to(ScalarType.Float32);
    }

    /// <summary>
    /// Reads a tensor into an existing tensor of the same shape (a model parameter, say), converting the dtype and
    /// moving to the destination's device as needed. When the destination is a contiguous CPU tensor of the stored
    /// dtype, the bytes go straight into its memory; otherwise they pass through a temporary of at most 1 MB at a time
    /// (a slice of rows), so converting or transposing a large tensor does not need a second full-size copy. (Small
    /// slices also matter for the resident size: glibc keeps freed blocks of several MB mapped, and 16 MB slices left
    /// ~100 MB behind after loading GPT-2's 154 MB embedding.)
    /// </summary>
    /// <exception cref="ArgumentException">The shapes differ; the message names the tensor, the file and both shapes.</exception>
    public void ReadInto(string name, Tensor destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var info = Info(name);
        if (!info.Shape.SequenceEqual(destination.shape))
            throw new ArgumentException(
                $"{Path}: tensor '{name}' has shape {info.ShapeText}, the destination [{string.Join(", ", destination.shape)}].",
                nameof(destination)
            );
        var stored = ScalarTypeOf(info);
        using var noGrad = no_grad();
        if (destination.dtype == stored && destination.device_type == DeviceType.CPU && destination.is_contiguous())
        {
            ReadBytes(info, destination, 0);
            return;
        }
        if (info.Shape.Length == 0 || info.ElementCount == 0)
        {
            using var whole = ReadTensor(name);
            destination.copy_(whole);
            return;
        }
        var rowBytes = info.ByteLength / info.Shape[0];
        var rowsPerChunk = Math.Max(1, StagingBytes / Math.Max(1, rowBytes));
        for (long first = 0; first < info.Shape[0]; first += rowsPerChunk)
        {
            var rows = Math.Min(rowsPerChunk, info.Shape[0] - first);
            using var staging = empty([rows, .. info.Shape[1..]], stored, CPU);
            ReadBytes(info, staging, first * rowBytes);
            using var slice = destination.narrow(0, first, rows);
            slice.copy_(staging);
        }
    }

    /// <summary>Reads every tensor (see <see cref="ReadTensor"/>); the caller disposes them.</summary>
    public Dictionary<string, Tensor> ReadAll(bool upcastToFloat32 = false)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var info in Tensors)
                result[info.Name] = ReadTensor(info.Name, upcastToFloat32);
        }
        catch
        {
            foreach (var t in result.Values)
                t.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>Closes the file. Tensors already read stay valid.</summary>
    public void Dispose() => handle.Dispose();

    private static string Bytes(long bytes) =>
        bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):F1} GiB" : $"{bytes / (double)(1L << 20):F1} MiB";

    private ScalarType ScalarTypeOf(SafetensorsTensorInfo info) =>
        SafetensorsDtypes.ToScalarType(info.Dtype)
        ?? throw new NotSupportedException($"{Path}: tensor '{info.Name}' is {info.Dtype}, which TorchSharp has no type for.");

    /// <summary>Positioned reads of the tensor's bytes, from <paramref name="byteOffset"/> into the tensor on, straight
    /// into contiguous <paramref name="target"/>'s memory (as many bytes as it holds), 1 GB at most at a time.</summary>
    private void ReadBytes(SafetensorsTensorInfo info, Tensor target, long byteOffset)
    {
        if (target.numel() == 0)
            return;
        using var flat = target.view(-1);
        var elementSize = SafetensorsDtypes.ByteSize(info.Dtype);
        var elementsPerChunk = ChunkBytes / elementSize;
        var position = DataStart + info.Begin + byteOffset;
        for (long first = 0; first < flat.shape[0]; first += elementsPerChunk)
        {
            using var chunk = flat.narrow(0, first, Math.Min(elementsPerChunk, flat.shape[0] - first));
            var span = chunk.bytes;
            while (!span.IsEmpty)
            {
                var read = RandomAccess.Read(handle, span, position);
                if (read == 0)
                    throw new SafetensorsException(
                        Path,
                        $"the file ended at byte {position} while reading tensor '{info.Name}' (was it truncated after opening?)."
                    );
                span = span[read..];
                position += read;
            }
        }
    }

    private static (long DataStart, List<SafetensorsTensorInfo> Tensors, Dictionary<string, string> Metadata) ParseHeader(
        string path,
        SafeFileHandle handle,
        long fileLength
    )
    {
        if (fileLength < 8)
            throw new SafetensorsException(
                path,
                $"truncated: the file has {fileLength} bytes, but a safetensors file starts with an 8-byte header length."
            );
        Span<byte> prefix = stackalloc byte[8];
        RandomAccess.Read(handle, prefix, 0);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderBytes)
            throw new SafetensorsException(
                path,
                $"bad header: its length field says {headerLength} bytes, "
                    + $"more than the {MaxHeaderBytes} allowed (is this a safetensors file?)."
            );
        if ((long)headerLength > fileLength - 8)
            throw new SafetensorsException(
                path,
                $"truncated: the header length field says {headerLength} bytes, but only {fileLength - 8} follow it."
            );
        var headerBytes = new byte[headerLength];
        RandomAccess.Read(handle, headerBytes, 8);
        var dataStart = 8 + (long)headerLength;
        var dataLength = fileLength - dataStart;

        // The reference implementation (Rust's from_utf8) refuses a header that is not valid UTF-8 rather than
        // decoding it lossily (two different names could otherwise decode to the same replacement characters).
        var headerChars = new char[headerBytes.Length];
        if (
            Utf8.ToUtf16(headerBytes, headerChars, out var validBytes, out var charCount, replaceInvalidSequences: false)
            != OperationStatus.Done
        )
            throw new SafetensorsException(
                path,
                $"bad header: not valid UTF-8 (the invalid bytes start at byte {8 + validBytes} of the file)."
            );
        var headerText = new string(headerChars, 0, charCount);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(headerText);
        }
        catch (JsonException e)
        {
            throw new SafetensorsException(path, $"bad header: not valid JSON ({e.Message}).", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new SafetensorsException(path, $"bad header: expected a JSON object, found {root.ValueKind}.");
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var tensors = new List<SafetensorsTensorInfo>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    throw new SafetensorsException(path, $"bad header: '{property.Name}' appears twice.");
                if (property.Name == MetadataKey)
                    ParseMetadata(path, property.Value, metadata);
                else
                    tensors.Add(ParseEntry(path, property.Name, property.Value));
            }
            ValidateOffsets(path, tensors, dataLength);
            return (dataStart, tensors, metadata);
        }
    }

    private static void ParseMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafetensorsException(path, $"bad header: {MetadataKey} must be an object of strings, found {value.ValueKind}.");
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw new SafetensorsException(
                    path,
                    $"bad header: {MetadataKey}.{item.Name} must be a string, found {item.Value.ValueKind}."
                );
            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    private static SafetensorsTensorInfo ParseEntry(string path, string name, JsonElement entry)
    {
        string Bad(string what) => throw new SafetensorsException(path, $"bad header: tensor '{name}': {what}.");
        if (entry.ValueKind != JsonValueKind.Object)
            Bad($"expected an object with dtype, shape and data_offsets, found {entry.ValueKind}");
        if (!entry.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            Bad("missing the string field 'dtype'");
        var dtype = dtypeElement.GetString()!;
        if (!SafetensorsDtypes.IsKnown(dtype))
            throw new SafetensorsException(
                path,
                $"tensor '{name}' has dtype '{dtype}', which is not a safetensors dtype (known: "
                    + $"{string.Join(", ", SafetensorsDtypes.Names)})."
            );
        var shape = NonNegativeIntegers(entry, "shape", -1, Bad);
        var offsets = NonNegativeIntegers(entry, "data_offsets", 2, Bad);
        if (offsets[1] < offsets[0])
            Bad($"data_offsets [{offsets[0]}, {offsets[1]}] end before they begin");
        var info = new SafetensorsTensorInfo(name, dtype, shape, offsets[0], offsets[1]);
        long expected;
        try
        {
            expected = checked(shape.Aggregate(1L, (a, b) => checked(a * b)) * SafetensorsDtypes.ByteSize(dtype));
        }
        catch (OverflowException)
        {
            expected = -1;
            Bad($"shape {info.ShapeText} is too large");
        }
        if (expected != info.ByteLength)
            Bad($"{dtype} {info.ShapeText} needs {expected} bytes, but data_offsets [{info.Begin}, {info.End}] span {info.ByteLength}");
        return info;
    }

    private static long[] NonNegativeIntegers(JsonElement entry, string field, int count, Func<string, string> bad)
    {
        if (!entry.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
            bad($"missing the array field '{field}'");
        var values = new List<long>();
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var v) || v < 0)
                bad($"'{field}' must hold non-negative integers, found {item}");
            values.Add(item.GetInt64());
        }
        if (count >= 0 && values.Count != count)
            bad($"'{field}' must hold {count} integers, found {values.Count}");
        return [.. values];
    }

    /// <summary>The format's rule: sorted by offset, the tensors tile the data section exactly — no gap, no overlap,
    /// nothing past the end of the file and nothing left over after the last tensor.</summary>
    private static void ValidateOffsets(string path, List<SafetensorsTensorInfo> tensors, long dataLength)
    {
        tensors.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long end = 0;
        SafetensorsTensorInfo? previous = null;
        foreach (var info in tensors)
        {
            if (info.Begin != end)
                throw new SafetensorsException(
                    path,
                    previous is null
                        ? $"bad offsets: the first tensor '{info.Name}' starts at byte {info.Begin} of the data section, not 0."
                        : $"bad offsets: tensor '{info.Name}' starts at byte {info.Begin}, "
                            + $"but '{previous.Name}' ends at {end} (gaps and overlaps are not allowed)."
                );
            if (info.End > dataLength)
                throw new SafetensorsException(
                    path,
                    $"truncated or offsets outside the file: tensor '{info.Name}' ends at byte {info.End} of the data section, "
                        + $"which holds only {dataLength} bytes."
                );
            end = info.End;
            previous = info;
        }
        if (end != dataLength)
            throw new SafetensorsException(
                path,
                $"bad offsets: the tensors end at byte {end} of the data section, "
                    + $"but it holds {dataLength} bytes ({dataLength - end} unaccounted for)."
            );
    }
}
