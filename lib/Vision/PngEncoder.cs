using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Workbook.Vision;

/// <summary>
/// Writes 8-bit grey-scale or RGB PNG images (introduced in chapter 07 for the image grids): signature, IHDR, one zlib
/// IDAT with filter type 0 on every row, IEND, each chunk with its CRC-32 (ISO 3309, as the PNG specification requires).
/// </summary>
public static class PngEncoder
{
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>Encodes <paramref name="pixels"/> (row-major; <paramref name="channels"/> 1 = grey, 3 = RGB, interleaved).</summary>
    /// <exception cref="ArgumentException">The pixel count does not match the size, or the channel count is not 1 or 3.</exception>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, int channels = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (channels is not (1 or 3))
            throw new ArgumentException($"PNG images here are grey (1 channel) or RGB (3); got {channels} channels.", nameof(channels));
        var rowBytes = width * channels;
        if (pixels.Length != rowBytes * height)
            throw new ArgumentException(
                $"A {width}×{height} image with {channels} channel(s) has {rowBytes * height} bytes; got {pixels.Length}.",
                nameof(pixels)
            );

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (var y = 0; y < height; y++)
            {
                zlib.WriteByte(0); // filter type 0: the row as it is
                zlib.Write(pixels.Slice(y * rowBytes, rowBytes));
            }
        }
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bits per sample
        header[9] = channels == 1 ? (byte)0 : (byte)2; // colour type: grey or truecolour
        WriteChunk(png, "IHDR", header); // compression, filter, interlace: 0
        WriteChunk(png, "IDAT", compressed.ToArray());
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>The CRC-32 of <paramref name="data"/> (polynomial 0xEDB88320, as PNG and zip use).</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc ^ 0xFFFFFFFFu;
    }

    private static void WriteChunk(Stream png, string type, byte[] data)
    {
        var typed = new byte[4 + data.Length];
        Encoding.ASCII.GetBytes(type, typed);
        data.CopyTo(typed, 4);
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, data.Length);
        png.Write(number);
        png.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(number, Crc32(typed));
        png.Write(number);
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
