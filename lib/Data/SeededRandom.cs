namespace Workbook.Data;

/// <summary>
/// The one random stream every generator and splitter in <c>Workbook.Data</c> draws from: <see cref="Random"/>
/// constructed with a seed, plus Gaussians by the Box–Muller transform.
/// Introduced with chapter 01.
/// </summary>
/// <remarks>
/// <see cref="Random(int)"/> keeps the same legacy (Knuth subtractive) algorithm for a given seed across .NET
/// versions and platforms, so a seed reproduces the same data everywhere. It is not NumPy's Mersenne Twister / PCG64:
/// the numbers differ from scikit-learn's for the same seed, while the algorithms that consume them follow
/// scikit-learn step by step.
/// </remarks>
public sealed class SeededRandom
{
    private readonly Random random;
    private double? spareGaussian;

    /// <summary>Creates a stream; the same seed always yields the same sequence.</summary>
    public SeededRandom(int seed) => random = new Random(seed);

    /// <summary>A uniform double in [0, 1).</summary>
    public double Uniform() => random.NextDouble();

    /// <summary>A uniform integer in [0, <paramref name="exclusiveMax"/>).</summary>
    public int Integer(int exclusiveMax) => random.Next(exclusiveMax);

    /// <summary>A standard normal draw (mean 0, variance 1), Box–Muller; the second value of each pair is kept for the next call.</summary>
    public double StandardNormal()
    {
        if (spareGaussian is double spare)
        {
            spareGaussian = null;
            return spare;
        }
        // 1 - U lies in (0, 1], so the logarithm is finite.
        var radius = Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble()));
        var angle = 2.0 * Math.PI * random.NextDouble();
        spareGaussian = radius * Math.Sin(angle);
        return radius * Math.Cos(angle);
    }

    /// <summary>Shuffles <paramref name="items"/> in place (Fisher–Yates).</summary>
    public void Shuffle<T>(T[] items)
    {
        ArgumentNullException.ThrowIfNull(items);
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A random permutation of 0 .. <paramref name="count"/> - 1.</summary>
    public int[] Permutation(int count)
    {
        var indices = Enumerable.Range(0, count).ToArray();
        Shuffle(indices);
        return indices;
    }
}
