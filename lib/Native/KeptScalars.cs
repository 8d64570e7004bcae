using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Native;

/// <summary>
/// Scalars that live as long as the process, and range helpers built on them, for TorchSharp calls that take a
/// <c>Scalar</c>. TorchSharp 0.107 turns a number passed where a Scalar is expected — the implicit alpha of
/// <c>a + b</c>, the 0.5 of <c>x * 0.5</c>, the bounds of <c>arange</c> — into a Scalar object that nothing references
/// while libtorch reads it: a garbage collection at that moment finalises it under the native call, and libtorch fails
/// (<c>ExternalException … toFloat (c10/core/Scalar.h)</c>) or reads garbage. A Scalar held in a static field, or in a
/// <c>using</c> variable that outlives the call, cannot be collected. The models of chapters 07 (GPT-2) and 08
/// (wav2vec2) and the compression modules of chapter 10 compute through these.
/// </summary>
public static class KeptScalars
{
    /// <summary>0 (an int64 scalar; libtorch converts it to the tensor's type).</summary>
    public static Scalar Zero { get; } = 0L.ToScalar();

    /// <summary>1 (the alpha of a plain sum, the step of a range).</summary>
    public static Scalar One { get; } = 1L.ToScalar();

    /// <summary>False, for boolean masks.</summary>
    public static Scalar False { get; } = false.ToScalar();

    /// <summary>Negative infinity, for masking scores.</summary>
    public static Scalar NegativeInfinity { get; } = double.NegativeInfinity.ToScalar();

    /// <summary><paramref name="a"/> + <paramref name="b"/> with a kept alpha (what <c>a + b</c> computes).</summary>
    public static Tensor Plus(this Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        return a.add(b, One);
    }

    /// <summary>int64 [start, start + 1, …, stop − 1] on <paramref name="device"/>, as <c>arange(start, stop)</c> with kept
    /// bounds.</summary>
    public static Tensor Range(long start, long stop, Device? device = null)
    {
        using var first = start.ToScalar();
        using var end = stop.ToScalar();
        return arange(first, end, One, ScalarType.Int64, device);
    }
}
