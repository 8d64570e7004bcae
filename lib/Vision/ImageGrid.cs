using System.Net;
using System.Text;
using Workbook.Notebook;
using static TorchSharp.torch;

namespace Workbook.Vision;

/// <summary>
/// Small images in a grid with a caption under each (introduced in chapter 07): samples per class, misclassified test
/// images, learned filters, feature maps. A notebook shows it as HTML with each image an inline PNG, enlarged without
/// smoothing so single pixels stay visible; it needs no script or network, so it also shows in exported HTML.
/// </summary>
[TypeFormatterSource(typeof(HtmlRenderableFormatterSource), PreferredMimeTypes = ["text/html"])]
public sealed class ImageGrid : IHtmlRenderable
{
    /// <summary>One image of the grid: a PNG, its size in pixels and its caption.</summary>
    public sealed record Tile(byte[] Png, int Width, int Height, string Caption);

    /// <summary>A grid of <paramref name="tiles"/>, <paramref name="columns"/> per row, each pixel drawn <paramref name="zoom"/> ×
    /// <paramref name="zoom"/>.</summary>
    public ImageGrid(IReadOnlyList<Tile> tiles, int columns = 10, int zoom = 3, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(tiles);
        if (tiles.Count == 0)
            throw new ArgumentException("An image grid needs at least one image.", nameof(tiles));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(zoom);
        (Tiles, Columns, Zoom, Title) = ([.. tiles], columns, zoom, title);
    }

    /// <summary>The images, in order.</summary>
    public IReadOnlyList<Tile> Tiles { get; }

    /// <summary>Images per row.</summary>
    public int Columns { get; }

    /// <summary>Screen pixels per image pixel, along each axis.</summary>
    public int Zoom { get; }

    /// <summary>Optional title above the grid.</summary>
    public string? Title { get; }

    /// <summary>
    /// A grid of the images in <paramref name="images"/>: [N, H, W], [N, 1, H, W] (grey) or [N, 3, H, W] (colour, with
    /// <see cref="ImageScaling.Unit"/> or <see cref="ImageScaling.PerImage"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The tensor's shape is not one of those, or the captions do not match.</exception>
    public static ImageGrid FromTensor(
        Tensor images,
        IReadOnlyList<string>? captions = null,
        int columns = 10,
        int zoom = 3,
        ImageScaling scaling = ImageScaling.Unit,
        string? title = null
    )
    {
        ArgumentNullException.ThrowIfNull(images);
        var shape = images.shape;
        if (!(shape.Length == 3 || (shape.Length == 4 && (shape[1] == 1 || shape[1] == 3))))
            throw new ArgumentException(
                $"Expected images [N, H, W], [N, 1, H, W] or [N, 3, H, W]; got [{string.Join(", ", shape)}].",
                nameof(images)
            );
        var (n, channels) = ((int)shape[0], shape.Length == 3 ? 1 : (int)shape[1]);
        var (height, width) = ((int)shape[^2], (int)shape[^1]);
        if (channels == 3 && scaling == ImageScaling.Signed)
            throw new ArgumentException("Signed scaling colours one channel; give grey images.", nameof(scaling));
        if (captions is not null && captions.Count != n)
            throw new ArgumentException($"{n} images but {captions.Count} captions.", nameof(captions));
        using var values = images.detach().to(CPU).to(ScalarType.Float32).reshape(n, channels, height, width).contiguous();
        var all = values.data<float>().ToArray();
        var size = channels * height * width;
        var tiles = new List<Tile>(n);
        for (var i = 0; i < n; i++)
        {
            var image = all.AsSpan(i * size, size);
            var pixels = ToPixels(image, channels, height * width, scaling, out var outChannels);
            tiles.Add(new Tile(PngEncoder.Encode(pixels, width, height, outChannels), width, height, captions?[i] ?? ""));
        }
        return new ImageGrid(tiles, columns, zoom, title);
    }

    private static byte[] ToPixels(ReadOnlySpan<float> image, int channels, int area, ImageScaling scaling, out int outChannels)
    {
        static byte Level(double v) => (byte)Math.Round(Math.Clamp(v, 0, 1) * 255);
        if (scaling == ImageScaling.Signed)
        {
            var peak = 0.0;
            foreach (var v in image)
                peak = Math.Max(peak, Math.Abs(v));
            if (peak == 0)
                peak = 1;
            var rgb = new byte[area * 3];
            for (var p = 0; p < area; p++)
            {
                var v = image[p] / peak; // −1 blue … 0 white … +1 red
                var fade = Level(1 - Math.Abs(v));
                (rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2]) = v >= 0 ? ((byte)255, fade, fade) : (fade, fade, (byte)255);
            }
            outChannels = 3;
            return rgb;
        }
        double low = 0,
            high = 1;
        if (scaling == ImageScaling.PerImage)
        {
            (low, high) = (double.MaxValue, double.MinValue);
            foreach (var v in image)
                (low, high) = (Math.Min(low, v), Math.Max(high, v));
            if (high <= low)
                high = low + 1;
        }
        var pixels = new byte[area * channels];
        for (var p = 0; p < area; p++)
        for (var c = 0; c < channels; c++)
            pixels[p * channels + c] = Level((image[c * area + p] - low) / (high - low)); // planar → interleaved
        outChannels = channels;
        return pixels;
    }

    /// <inheritdoc />
    public string ToHtml()
    {
        var html = new StringBuilder("<figure style=\"margin:0\">");
        if (Title is not null)
            html.Append("<figcaption style=\"font-weight:bold;margin-bottom:4px\">")
                .Append(WebUtility.HtmlEncode(Title))
                .Append("</figcaption>");
        var cell = Tiles.Max(t => t.Width) * Zoom;
        html.Append($"<div style=\"display:grid;grid-template-columns:repeat({Columns},{cell + 8}px);gap:4px\">");
        foreach (var tile in Tiles)
        {
            html.Append("<div style=\"text-align:center;font-size:11px;line-height:1.2\">")
                .Append(
                    $"<img alt=\"{WebUtility.HtmlEncode(tile.Caption)}\" width=\"{tile.Width * Zoom}\" height=\"{tile.Height * Zoom}\" "
                        + "style=\"image-rendering:pixelated\" src=\"data:image/png;base64,"
                )
                .Append(Convert.ToBase64String(tile.Png))
                .Append("\"/>");
            if (tile.Caption.Length > 0)
                html.Append("<div>").Append(WebUtility.HtmlEncode(tile.Caption)).Append("</div>");
            html.Append("</div>");
        }
        return html.Append("</div></figure>").ToString();
    }

    /// <summary>A one-line description (plain-text front ends cannot show the images).</summary>
    public override string ToString() =>
        $"{(Title is null ? "" : Title + ": ")}{Tiles.Count} images of {Tiles[0].Width}×{Tiles[0].Height} pixels"
        + (
            Tiles.Any(t => t.Caption.Length > 0)
                ? $" ({string.Join(", ", Tiles.Take(10).Select(t => t.Caption))}{(Tiles.Count > 10 ? ", …" : "")})"
                : ""
        );
}

/// <summary>How <see cref="ImageGrid"/> maps a tensor's values to pixel colours. Introduced in chapter 07.</summary>
public enum ImageScaling
{
    /// <summary>0 is black, 1 is white, values outside are clipped (images scaled to 0..1).</summary>
    Unit,

    /// <summary>Each image's own minimum is black and maximum white (feature maps).</summary>
    PerImage,

    /// <summary>Each image's largest |value| is full blue (negative) or full red (positive), 0 is white (filters).</summary>
    Signed,
}
