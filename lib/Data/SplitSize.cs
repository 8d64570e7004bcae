using System.Globalization;

namespace Workbook.Data;

/// <summary>
/// The size of one side of a split, as scikit-learn reads <c>test_size</c>: a fraction of the samples (a double in
/// (0, 1), rounded up) or an absolute count (an int). Both convert implicitly, so <c>testSize: 0.2</c> and
/// <c>testSize: 30</c> read as in Python. Beware C#'s conditional expression: <c>flag ? 30 : 0.2</c> is a double
/// (30.0, then rejected as a fraction); write <c>flag ? SplitSize.OfCount(30) : SplitSize.OfFraction(0.2)</c>.
/// Introduced with chapter 01.
/// </summary>
public readonly record struct SplitSize
{
    private SplitSize(double? fraction, int? count)
    {
        Fraction = fraction;
        Count = count;
    }

    /// <summary>The fraction, when the size was given as one.</summary>
    public double? Fraction { get; }

    /// <summary>The count, when the size was given as one.</summary>
    public int? Count { get; }

    /// <summary>A fraction of the samples, strictly between 0 and 1.</summary>
    public static SplitSize OfFraction(double fraction) => new(fraction, null);

    /// <summary>An absolute number of samples.</summary>
    public static SplitSize OfCount(int count) => new(null, count);

    /// <summary>A fraction of the samples.</summary>
    public static implicit operator SplitSize(double fraction) => OfFraction(fraction);

    /// <summary>An absolute number of samples.</summary>
    public static implicit operator SplitSize(int count) => OfCount(count);

    /// <summary>The number of samples out of <paramref name="samples"/>: ceil(fraction · samples) as scikit-learn, or the count.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The fraction is not in (0, 1) or the count not in 1 .. samples - 1.</exception>
    public int Resolve(int samples, string argumentName)
    {
        if (Fraction is double fraction)
        {
            if (!(fraction > 0 && fraction < 1))
                throw new ArgumentOutOfRangeException(
                    argumentName,
                    fraction,
                    "A fractional size must be strictly between 0 and 1 (give an int for a count of samples)."
                );
            return (int)Math.Ceiling(fraction * samples);
        }
        var count = Count ?? 0;
        if (count < 1 || count >= samples)
            throw new ArgumentOutOfRangeException(
                argumentName,
                count,
                $"A size given as a count must be between 1 and {samples - 1} for {samples} samples."
            );
        return count;
    }

    /// <inheritdoc />
    public override string ToString() =>
        Fraction is double f ? f.ToString(CultureInfo.InvariantCulture) : (Count ?? 0).ToString(CultureInfo.InvariantCulture);
}
