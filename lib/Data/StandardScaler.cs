using static TorchSharp.torch;

namespace Workbook.Data;

/// <summary>
/// scikit-learn's <c>StandardScaler</c>: learns each feature's mean and population standard deviation (ddof 0)
/// from the training set only, then maps x to (x − mean) / std. Features with (near) zero variance get a scale of 1,
/// as in scikit-learn, so they are centred but not blown up. Fit on the training split, then transform the
/// training, validation and test splits with the same statistics, so no information leaks from the test set.
/// Introduced in chapter 03.
/// </summary>
public sealed class StandardScaler
{
    /// NumPy's float64 eps, 2^-52 (not double.Epsilon, which is the smallest subnormal).
    private const double MachineEpsilon = 2.220446049250313e-16;
    private double[]? mean;
    private double[]? variance;
    private double[]? scale;

    /// <summary>True once <see cref="Fit(double[,])"/> has run.</summary>
    public bool IsFitted => mean is not null;

    /// <summary>Per-feature mean of the fitted data.</summary>
    public IReadOnlyList<double> Mean => mean ?? throw NotFitted();

    /// <summary>Per-feature population variance (ddof 0) of the fitted data.</summary>
    public IReadOnlyList<double> Variance => variance ?? throw NotFitted();

    /// <summary>Per-feature divisor: the standard deviation, or 1 where the feature is constant.</summary>
    public IReadOnlyList<double> Scale => scale ?? throw NotFitted();

    /// <summary>Number of features seen by <see cref="Fit(double[,])"/>.</summary>
    public int FeatureCount => mean?.Length ?? throw NotFitted();

    /// <summary>Number of samples seen by <see cref="Fit(double[,])"/>.</summary>
    public int SamplesSeen { get; private set; }

    /// <summary>Learns mean and scale of each column of <paramref name="features"/> [samples, features]. Returns this scaler.</summary>
    /// <exception cref="ArgumentException">No rows or no columns, or a value is NaN or infinite.</exception>
    public StandardScaler Fit(double[,] features)
    {
        ArgumentNullException.ThrowIfNull(features);
        int n = features.GetLength(0),
            f = features.GetLength(1);
        if (n == 0 || f == 0)
            throw new ArgumentException($"Cannot fit on an empty matrix ({n} rows × {f} columns).", nameof(features));
        var newMean = new double[f];
        var newVariance = new double[f];
        var newScale = new double[f];
        for (var j = 0; j < f; j++)
        {
            var sum = 0.0;
            for (var i = 0; i < n; i++)
            {
                var v = features[i, j];
                if (!double.IsFinite(v))
                    throw new ArgumentException($"Value at row {i}, column {j} is {v}; the scaler needs finite numbers.", nameof(features));
                sum += v;
            }
            var m = sum / n;
            // scikit-learn's corrected two-pass variance: (Σ(x − m)² − (Σ(x − m))² / n) / n.
            double correction = 0,
                squares = 0;
            for (var i = 0; i < n; i++)
            {
                var d = features[i, j] - m;
                correction += d;
                squares += d * d;
            }
            var v2 = (squares - correction * correction / n) / n;
            newMean[j] = m;
            newVariance[j] = v2;
            // Near-constant test from the variance's error bound (scikit-learn's _is_constant_feature).
            var upperBound = n * MachineEpsilon * v2 + Math.Pow(n * m * MachineEpsilon, 2);
            newScale[j] = v2 <= upperBound ? 1.0 : Math.Sqrt(v2);
        }
        (mean, variance, scale, SamplesSeen) = (newMean, newVariance, newScale, n);
        return this;
    }

    /// <summary>
    /// A fitted scaler from saved statistics (a model package's manifest): per-feature <paramref name="mean"/> and
    /// <paramref name="scale"/> (the divisor; its square is taken as the variance).
    /// </summary>
    /// <exception cref="ArgumentException">The lists are empty or of different lengths, a mean is not finite, or a scale is not a finite
    /// number above 0; the message names the feature.</exception>
    public static StandardScaler FromStatistics(IReadOnlyList<double> mean, IReadOnlyList<double> scale, int samplesSeen = 0)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(scale);
        if (mean.Count == 0)
            throw new ArgumentException("A scaler needs at least one feature; the mean list is empty.", nameof(mean));
        if (mean.Count != scale.Count)
            throw new ArgumentException(
                $"The mean has {mean.Count} features but the scale has {scale.Count}; they must describe the same columns.",
                nameof(scale)
            );
        if (samplesSeen < 0)
            throw new ArgumentOutOfRangeException(nameof(samplesSeen), samplesSeen, "A sample count cannot be negative.");
        for (var j = 0; j < mean.Count; j++)
        {
            if (!double.IsFinite(mean[j]))
                throw new ArgumentException($"The mean of feature {j} is {mean[j]}; it must be a finite number.", nameof(mean));
            if (!double.IsFinite(scale[j]) || scale[j] <= 0)
                throw new ArgumentException($"The scale of feature {j} is {scale[j]}; it must be a finite number above 0.", nameof(scale));
        }
        return new StandardScaler
        {
            mean = [.. mean],
            scale = [.. scale],
            variance = [.. scale.Select(s => s * s)],
            SamplesSeen = samplesSeen,
        };
    }

    /// <summary>Learns mean and scale from a 2-D tensor [samples, features] (any floating dtype, any device; statistics in
    /// float64).</summary>
    public StandardScaler Fit(Tensor features) => Fit(ToArray(features, nameof(features)));

    /// <summary>(x − mean) / scale, column by column, as a new matrix.</summary>
    /// <exception cref="ArgumentException">The column count differs from the fitted one.</exception>
    public double[,] Transform(double[,] features)
    {
        ArgumentNullException.ThrowIfNull(features);
        CheckFeatureCount(features.GetLength(1), nameof(features));
        var result = new double[features.GetLength(0), features.GetLength(1)];
        for (var i = 0; i < result.GetLength(0); i++)
        for (var j = 0; j < result.GetLength(1); j++)
            result[i, j] = (features[i, j] - mean![j]) / scale![j];
        return result;
    }

    /// <summary>(x − mean) / scale on a tensor [samples, features], in the tensor's own dtype and device; returns a new tensor.</summary>
    public Tensor Transform(Tensor features)
    {
        var (m, s) = StatisticsLike(features, nameof(features));
        using (m)
        using (s)
        using (var centred = features - m)
            return centred / s;
    }

    /// <summary>Fits on <paramref name="features"/> and returns them transformed.</summary>
    public double[,] FitTransform(double[,] features) => Fit(features).Transform(features);

    /// <summary>Fits on a tensor and returns it transformed.</summary>
    public Tensor FitTransform(Tensor features) => Fit(features).Transform(features);

    /// <summary>x · scale + mean: undoes <see cref="Transform(double[,])"/>.</summary>
    public double[,] InverseTransform(double[,] scaled)
    {
        ArgumentNullException.ThrowIfNull(scaled);
        CheckFeatureCount(scaled.GetLength(1), nameof(scaled));
        var result = new double[scaled.GetLength(0), scaled.GetLength(1)];
        for (var i = 0; i < result.GetLength(0); i++)
        for (var j = 0; j < result.GetLength(1); j++)
            result[i, j] = scaled[i, j] * scale![j] + mean![j];
        return result;
    }

    /// <summary>x · scale + mean on a tensor; returns a new tensor.</summary>
    public Tensor InverseTransform(Tensor scaled)
    {
        var (m, s) = StatisticsLike(scaled, nameof(scaled));
        using (m)
        using (s)
        using (var stretched = scaled * s)
            return stretched + m;
    }

    private (Tensor Mean, Tensor Scale) StatisticsLike(Tensor features, string argumentName)
    {
        ArgumentNullException.ThrowIfNull(features, argumentName);
        if (features.dim() != 2)
            throw new ArgumentException(
                $"Expected a 2-D tensor [samples, features]; got shape [{string.Join(", ", features.shape)}].",
                argumentName
            );
        if (!features.is_floating_point())
            throw new ArgumentException(
                $"Expected a floating-point tensor; got {features.dtype}. Convert it first, e.g. x.to(ScalarType.Float32).",
                argumentName
            );
        CheckFeatureCount((int)features.shape[1], argumentName);
        return (
            tensor(mean!, dtype: features.dtype, device: features.device),
            tensor(scale!, dtype: features.dtype, device: features.device)
        );
    }

    private void CheckFeatureCount(int columns, string argumentName)
    {
        if (mean is null)
            throw NotFitted();
        if (columns != mean.Length)
            throw new ArgumentException(
                $"The scaler was fitted on {mean.Length} features but this input has {columns}; "
                    + "transform data with the same columns as the training set.",
                argumentName
            );
    }

    private static double[,] ToArray(Tensor features, string argumentName)
    {
        ArgumentNullException.ThrowIfNull(features, argumentName);
        if (features.dim() != 2)
            throw new ArgumentException(
                $"Expected a 2-D tensor [samples, features]; got shape [{string.Join(", ", features.shape)}].",
                argumentName
            );
        using var cpu = features.to(ScalarType.Float64, CPU).contiguous();
        int n = (int)features.shape[0],
            f = (int)features.shape[1];
        var flat = cpu.data<double>().ToArray();
        var result = new double[n, f];
        for (var i = 0; i < n; i++)
        for (var j = 0; j < f; j++)
            result[i, j] = flat[i * f + j];
        return result;
    }

    private static InvalidOperationException NotFitted() =>
        new("The scaler is not fitted yet: call Fit (or FitTransform) on the training data first.");
}
