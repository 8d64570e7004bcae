using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using TorchSharp;
using Workbook.Vision;
using static TorchSharp.torch;

namespace Workbook.Tests.Vision;

public sealed class ImageGridTests
{
    static ImageGridTests() => torch.InitializeDeviceType(DeviceType.CPU);

    /// <summary>Decodes what <see cref="PngEncoder"/> writes (filter 0 rows), checking signature, chunk CRCs and IHDR.</summary>
    private static (int Width, int Height, int ColourType, byte[] Pixels) Decode(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        var position = 8;
        int width = 0,
            height = 0,
            colour = 0;
        var idat = new MemoryStream();
        while (position < png.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(position));
            var type = Encoding.ASCII.GetString(png, position + 4, 4);
            var typed = png.AsSpan(position + 4, 4 + length);
            Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(position + 8 + length)), PngEncoder.Crc32(typed));
            var data = png.AsSpan(position + 8, length);
            if (type == "IHDR")
                (width, height, colour) = (
                    BinaryPrimitives.ReadInt32BigEndian(data),
                    BinaryPrimitives.ReadInt32BigEndian(data[4..]),
                    data[9]
                );
            if (type == "IDAT")
                idat.Write(data);
            position += 12 + length;
        }
        var channels = colour == 2 ? 3 : 1;
        using var zlib = new ZLibStream(new MemoryStream(idat.ToArray()), CompressionMode.Decompress);
        var raw = new MemoryStream();
        zlib.CopyTo(raw);
        var rows = raw.ToArray();
        var pixels = new byte[width * height * channels];
        for (var y = 0; y < height; y++)
        {
            Assert.Equal(0, rows[y * (width * channels + 1)]);
            Array.Copy(rows, y * (width * channels + 1) + 1, pixels, y * width * channels, width * channels);
        }
        return (width, height, colour, pixels);
    }

    [Fact]
    public void Crc32_of_the_standard_check_string()
    {
        Assert.Equal(0xCBF43926u, PngEncoder.Crc32(Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public void Png_round_trips_grey_and_rgb_pixels()
    {
        byte[] grey = [0, 50, 100, 150, 200, 250];
        var decoded = Decode(PngEncoder.Encode(grey, 3, 2));
        Assert.Equal((3, 2, 0), (decoded.Width, decoded.Height, decoded.ColourType));
        Assert.Equal(grey, decoded.Pixels);
        byte[] rgb = [.. Enumerable.Range(0, 2 * 2 * 3).Select(i => (byte)(i * 20))];
        var colour = Decode(PngEncoder.Encode(rgb, 2, 2, channels: 3));
        Assert.Equal(2, colour.ColourType);
        Assert.Equal(rgb, colour.Pixels);
        Assert.Throws<ArgumentException>(() => PngEncoder.Encode(grey, 2, 2));
    }

    [Fact]
    public void Grid_scales_values_to_grey_levels_and_signed_values_to_red_and_blue()
    {
        using var images = tensor(new float[] { 0f, 0.5f, 1f, 2f, -1f, 0f, 0.5f, 1f }, [2, 1, 2, 2]);
        var unit = ImageGrid.FromTensor(images, ["first", "second"]);
        Assert.Equal(new byte[] { 0, 128, 255, 255 }, Decode(unit.Tiles[0].Png).Pixels); // clipped above 1
        var perImage = ImageGrid.FromTensor(images, scaling: ImageScaling.PerImage);
        Assert.Equal(new byte[] { 0, 128, 191, 255 }, Decode(perImage.Tiles[1].Png).Pixels); // −1 … 1 → 0 … 255
        var signed = ImageGrid.FromTensor(images, scaling: ImageScaling.Signed);
        var filter = Decode(signed.Tiles[1].Png).Pixels; // −1, 0, 0.5, 1 scaled by 1
        Assert.Equal(new byte[] { 0, 0, 255, 255, 255, 255, 255, 128, 128, 255, 0, 0 }, filter);
        var html = unit.ToHtml();
        Assert.Equal(2, html.Split("data:image/png;base64,").Length - 1);
        Assert.Contains(">second<", html);
        Assert.DoesNotContain("<script", html);
        Assert.Throws<ArgumentException>(() => ImageGrid.FromTensor(images, ["only one"]));
        Assert.Throws<ArgumentException>(() => ImageGrid.FromTensor(zeros(2, 2, 4, 4)));
    }
}
