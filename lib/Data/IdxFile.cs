using System.Buffers.Binary;
using System.IO.Compression;
using static TorchSharp.torch;

namespace Workbook.Data;

/// <summary>The element type an IDX file declares in the third byte of its magic number. Introduced with chapter 01.</summary>
public enum IdxDataType : byte
{
    /// <summary>0x08: unsigned byte (MNIST and Fashion-MNIST pixels and labels).</summary>
    UnsignedByte = 0x08,

    /// <summary>0x09: signed byte.</summary>
    SignedByte = 0x09,

    /// <summary>0x0B: 16-bit big-endian integer.</summary>
    Int16 = 0x0B,

    /// <summary>0x0C: 32-bit big-endian integer.</summary>
    Int32 = 0x0C,

    /// <summary>0x0D: 32-bit big-endian float.</summary>
    Float32 = 0x0D,

    /// <summary>0x0E: 64-bit big-endian float.</summary>
    Float64 = 0x0E,
}

/// <summary>
/// One array read from an IDX file, the format of MNIST and Fashion-MNIST (introduced in chapter 07): a magic number
/// (two zero bytes, the element type, the number of dimensions), each dimension as a big-endian 32-bit count, then the
/// elements, big-endian, row-major. Plain or gzip-compressed (detected from the first bytes, not the name).
/// </summary>
/// <remarks>
/// <see cref="Read(string, long)"/> checks everything before it allocates or trusts anything: the magic number, the
/// element type, the dimensions, the declared size against <c>maxBytes</c>, and that the data is exactly as long as the
/// header says (a truncated download and trailing bytes are both refused). Errors name the file and what is wrong.
/// </remarks>
public sealed class IdxFile
{
    /// <summary>The most bytes of elements a read accepts unless told otherwise (Fashion-MNIST's training images are 47 MB).</summary>
    public const long DefaultMaxBytes = 1L << 30;

    private readonly byte[] data;

    private IdxFile(string path, IdxDataType dataType, int[] dimensions, byte[] data) =>
        (Path, DataType, Dimensions, this.data) = (path, dataType, dimensions, data);

    /// <summary>The file it was read from.</summary>
    public string Path { get; }

    /// <summary>The declared element type.</summary>
    public IdxDataType DataType { get; }

    /// <summary>The declared dimensions, e.g. [60000, 28, 28] for the training images.</summary>
    public IReadOnlyList<int> Dimensions { get; }

    /// <summary>Number of elements (the product of the dimensions).</summary>
    public long ElementCount => Dimensions.Aggregate(1L, (a, b) => a * b);

    /// <summary>Bytes per element of <paramref name="type"/>.</summary>
    public static int ElementSize(IdxDataType type) =>
        type switch
        {
            IdxDataType.UnsignedByte or IdxDataType.SignedByte => 1,
            IdxDataType.Int16 => 2,
            IdxDataType.Int32 or IdxDataType.Float32 => 4,
            IdxDataType.Float64 => 8,
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not an IDX element type."),
        };

    /// <summary>Reads and validates an IDX file (plain or gzip).</summary>
    /// <param name="path">The file.</param>
    /// <param name="maxBytes">Refuse a file whose header declares more element bytes than this (before allocating them).</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid IDX file; the message names it and the problem.</exception>
    public static IdxFile Read(string path, long maxBytes = DefaultMaxBytes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        path = System.IO.Path.GetFullPath(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"IDX file {path} does not exist.", path);
        using var file = File.OpenRead(path);
        Span<byte> sniff = stackalloc byte[2];
        var sniffed = file.ReadAtLeast(sniff, 2, throwOnEndOfStream: false);
        file.Position = 0;
        var gzip = sniffed == 2 && sniff[0] == 0x1F && sniff[1] == 0x8B;
        using Stream content = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
        try
        {
            return Read(content, path, gzip, maxBytes);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: the gzip stream is corrupt ({e.Message}).", e);
        }
    }

    private static IdxFile Read(Stream content, string path, bool gzip, long maxBytes)
    {
        var kind = gzip ? "gzip-compressed IDX file" : "IDX file";
        InvalidDataException Error(string what) => new($"{path}: {what}");

        var magic = new byte[4];
        var got = content.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        if (got < 4)
            throw Error($"is {got} bytes long; an {kind} starts with a 4-byte magic number.");
        if (magic[0] != 0 || magic[1] != 0)
            throw Error(
                $"does not start with an IDX magic number (first bytes {magic[0]:X2} {magic[1]:X2}, expected 00 00): "
                    + $"not an IDX file{(gzip ? " inside the gzip stream" : "")}."
            );
        if (!Enum.IsDefined((IdxDataType)magic[2]))
            throw Error(
                $"declares element type 0x{magic[2]:X2}, which IDX does not define (0x08 ubyte, 0x09 sbyte, 0x0B int16, "
                    + "0x0C int32, 0x0D float32, 0x0E float64)."
            );
        var type = (IdxDataType)magic[2];
        int rank = magic[3];
        if (rank == 0)
            throw Error("declares 0 dimensions.");

        var header = new byte[4 * rank];
        got = content.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (got < header.Length)
            throw Error($"is truncated in its header: {rank} dimensions need {header.Length} bytes, found {got}.");
        var dimensions = new int[rank];
        long elements = 1;
        for (var i = 0; i < rank; i++)
        {
            dimensions[i] = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4 * i));
            if (dimensions[i] <= 0)
                throw Error($"dimension {i} is {dimensions[i]}; every dimension must be at least 1.");
            elements = checked(elements * dimensions[i]);
        }
        var bytes = elements * ElementSize(type);
        var shapeText = string.Join(" × ", dimensions);
        if (bytes > maxBytes || bytes > Array.MaxLength)
            throw Error(
                $"declares {shapeText} {type} elements ({bytes:N0} bytes), more than the {Math.Min(maxBytes, Array.MaxLength):N0} bytes "
                    + "allowed; pass a larger maxBytes if the file is genuine."
            );

        var data = new byte[bytes];
        got = content.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (got < data.Length)
            throw Error(
                $"is truncated: the header declares {shapeText} {type} elements ({bytes:N0} bytes) "
                    + $"but only {got:N0} bytes follow. Download it again."
            );
        Span<byte> extra = stackalloc byte[1];
        if (content.Read(extra) > 0)
            throw Error($"has data after the {shapeText} elements its header declares: the header or the file is wrong.");
        return new IdxFile(path, type, dimensions, data);
    }

    /// <summary>
    /// The elements as a CPU tensor with the file's dimensions: uint8 for <see cref="IdxDataType.UnsignedByte"/>, int8,
    /// int16, int32, float32 or float64 otherwise (converted from big-endian).
    /// </summary>
    public Tensor ToTensor()
    {
        var shape = Dimensions.Select(d => (long)d).ToArray();
        var count = (int)ElementCount;
        switch (DataType)
        {
            case IdxDataType.UnsignedByte:
                return tensor(data, shape, dtype: ScalarType.Byte);
            case IdxDataType.SignedByte:
                using (var unsigned = tensor(data, shape, dtype: ScalarType.Byte))
                    return unsigned.to(ScalarType.Int8); // two's complement, as the file stores it
            case IdxDataType.Int16:
                var shorts = new short[count];
                for (var i = 0; i < count; i++)
                    shorts[i] = BinaryPrimitives.ReadInt16BigEndian(data.AsSpan(2 * i));
                return tensor(shorts, shape);
            case IdxDataType.Int32:
                var ints = new int[count];
                for (var i = 0; i < count; i++)
                    ints[i] = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4 * i));
                return tensor(ints, shape);
            case IdxDataType.Float32:
                var floats = new float[count];
                for (var i = 0; i < count; i++)
                    floats[i] = BinaryPrimitives.ReadSingleBigEndian(data.AsSpan(4 * i));
                return tensor(floats, shape);
            default:
                var doubles = new double[count];
                for (var i = 0; i < count; i++)
                    doubles[i] = BinaryPrimitives.ReadDoubleBigEndian(data.AsSpan(8 * i));
                return tensor(doubles, shape);
        }
    }

    /// <summary>The elements of an <see cref="IdxDataType.UnsignedByte"/> file, in file order (a copy).</summary>
    /// <exception cref="InvalidDataException">The file holds another element type.</exception>
    public byte[] ToBytes() =>
        DataType == IdxDataType.UnsignedByte
            ? (byte[])data.Clone()
            : throw new InvalidDataException($"{Path}: holds {DataType} elements, not unsigned bytes.");
}
