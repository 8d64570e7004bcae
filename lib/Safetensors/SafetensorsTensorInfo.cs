namespace Workbook.Safetensors;

/// <summary>One entry of a safetensors header: a tensor's name, dtype, shape and byte range in the data section. Introduced with chapter
/// 08.</summary>
/// <param name="Name">The tensor's name, e.g. "h.0.attn.c_attn.weight".</param>
/// <param name="Dtype">The format's dtype name, e.g. "F32" (see <see cref="SafetensorsDtypes"/>).</param>
/// <param name="Shape">The shape; empty for a scalar.</param>
/// <param name="Begin">First byte, relative to the start of the data section (just after the header).</param>
/// <param name="End">One past the last byte, relative to the start of the data section.</param>
public sealed record SafetensorsTensorInfo(string Name, string Dtype, long[] Shape, long Begin, long End)
{
    /// <summary>Number of elements (1 for a scalar).</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Bytes the tensor occupies: <c>End − Begin</c>.</summary>
    public long ByteLength => End - Begin;

    /// <summary>The shape written as [a, b, c].</summary>
    public string ShapeText => $"[{string.Join(", ", Shape)}]";

    /// <inheritdoc/>
    public override string ToString() => $"{Name} {Dtype} {ShapeText}";
}
