namespace Workbook.Vision;

/// <summary>How <see cref="ImageGrid"/> maps a tensor's values to pixel colours.</summary>
public enum ImageScaling
{
    /// <summary>0 is black, 1 is white, values outside are clipped (images scaled to 0..1).</summary>
    Unit,
    /// <summary>Each image's own minimum is black and maximum white (feature maps).</summary>
    PerImage,
    /// <summary>Each image's largest |value| is full blue (negative) or full red (positive), 0 is white (filters).</summary>
    Signed,
}
