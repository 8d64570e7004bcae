namespace Workbook.Data;

public static partial class SyntheticData
{
    /// <summary>
    /// A random linear regression problem: a port of scikit-learn 1.2.1's <c>make_regression</c> in the same order of
    /// random draws. Inputs are standard normal; the targets are a linear model of the first
    /// <paramref name="informative"/> inputs (coefficients uniform in [0, 100)) plus <paramref name="bias"/> plus
    /// Gaussian noise of standard deviation <paramref name="noise"/>.
    /// </summary>
    /// <param name="samples">Number of samples (rows).</param>
    /// <param name="features">Number of input features.</param>
    /// <param name="informative">Features with a non-zero coefficient; more than <paramref name="features"/> is capped to it, as in
    /// scikit-learn.</param>
    /// <param name="targets">Number of regression targets (output columns).</param>
    /// <param name="bias">Constant added to every target.</param>
    /// <param name="effectiveRank">scikit-learn's low-rank input option: not supported; must be null.</param>
    /// <param name="noise">Standard deviation of the Gaussian noise added to the targets; 0 for none.</param>
    /// <param name="shuffle">Shuffle the rows and the feature columns (the coefficients are permuted with the columns).</param>
    /// <param name="seed">Seed of the random stream; the same arguments and seed always give the same data.</param>
    /// <remarks>
    /// The only difference from scikit-learn is the random stream (<see cref="SeededRandom"/>), and
    /// <paramref name="effectiveRank"/> (with its <c>tail_strength</c>) is not ported. The coefficients are always
    /// returned (scikit-learn's <c>coef=True</c>).
    /// </remarks>
    /// <exception cref="ArgumentException">An argument is out of range.</exception>
    /// <exception cref="NotSupportedException"><paramref name="effectiveRank"/> is not null.</exception>
    public static RegressionData MakeRegression(
        int samples = 100,
        int features = 100,
        int informative = 10,
        int targets = 1,
        double bias = 0.0,
        int? effectiveRank = null,
        double noise = 0.0,
        bool shuffle = true,
        int seed = 0
    )
    {
        if (samples < 1)
            throw new ArgumentOutOfRangeException(nameof(samples), samples, "At least one sample is needed.");
        if (features < 1)
            throw new ArgumentOutOfRangeException(nameof(features), features, "At least one feature is needed.");
        if (informative < 0)
            throw new ArgumentOutOfRangeException(nameof(informative), informative, "Cannot be negative.");
        if (targets < 1)
            throw new ArgumentOutOfRangeException(nameof(targets), targets, "At least one target is needed.");
        if (!(noise >= 0))
            throw new ArgumentOutOfRangeException(nameof(noise), noise, "The noise standard deviation must be 0 or positive.");
        if (effectiveRank is not null)
            throw new NotSupportedException(
                $"effectiveRank = {effectiveRank}: the low-rank input matrix of scikit-learn's make_regression is not ported; "
                    + "pass null for well-conditioned standard normal inputs."
            );
        informative = Math.Min(features, informative);

        var random = new SeededRandom(seed);
        var x = new double[samples, features];
        for (var i = 0; i < samples; i++)
        for (var j = 0; j < features; j++)
            x[i, j] = random.StandardNormal();

        // Ground truth: non-zero only for the informative features, so sparse models can find them.
        var coefficients = new double[features, targets];
        for (var j = 0; j < informative; j++)
        for (var t = 0; t < targets; t++)
            coefficients[j, t] = 100 * random.Uniform();

        var y = new double[samples, targets];
        for (var i = 0; i < samples; i++)
        for (var t = 0; t < targets; t++)
        {
            var sum = 0.0;
            for (var j = 0; j < informative; j++)
                sum += x[i, j] * coefficients[j, t];
            y[i, t] = sum + bias;
        }
        if (noise > 0.0)
            for (var i = 0; i < samples; i++)
            for (var t = 0; t < targets; t++)
                y[i, t] += noise * random.StandardNormal();

        if (shuffle)
        {
            (x, y) = ShuffleRowsThenColumns(x, y, random, out var columnOrder);
            coefficients = ReorderRows(coefficients, columnOrder);
        }
        return new RegressionData(x, y, coefficients);
    }
}
