namespace Workbook.Data;

/// <summary>
/// Synthetic datasets: ports of scikit-learn's <c>make_classification</c> and <c>make_regression</c>. Introduced in chapter 03.
/// </summary>
public static partial class SyntheticData
{
    /// <summary>
    /// A random n-class classification problem: a port of scikit-learn 1.2.1's <c>make_classification</c>, step by
    /// step and in the same order of random draws. Each class is made of <paramref name="clustersPerClass"/> Gaussian
    /// clusters centred on vertices of a hypercube of side 2·<paramref name="classSep"/> in the informative subspace.
    /// </summary>
    /// <param name="samples">Number of samples (rows).</param>
    /// <param name="features">Total number of features: informative, then redundant, then repeated, then useless noise (before
    /// shuffling).</param>
    /// <param name="informative">Features that carry the class signal (each cluster is a Gaussian with a random covariance in this
    /// subspace).</param>
    /// <param name="redundant">Features that are random linear combinations of the informative ones.</param>
    /// <param name="repeated">Features that copy randomly chosen informative or redundant features.</param>
    /// <param name="classes">Number of classes (labels 0 .. classes - 1).</param>
    /// <param name="clustersPerClass">Gaussian clusters per class.</param>
    /// <param name="weights">Proportion of samples per class (length <paramref name="classes"/>, or one less and the last is 1 minus their
    /// sum); null for balanced classes. Label flipping can change the final proportions.</param>
    /// <param name="flipY">Fraction of samples whose label is replaced by a uniformly random class (which may be the same one): label
    /// noise.</param>
    /// <param name="classSep">Half the side of the hypercube: larger values separate the classes more.</param>
    /// <param name="hypercube">True: centroids on the hypercube's vertices; false: on the vertices of a random polytope (each vertex and
    /// each axis scaled by a random factor).</param>
    /// <param name="shift">Added to every feature; null draws one shift per feature uniformly from [-classSep, classSep).</param>
    /// <param name="scale">Multiplies every feature after shifting; null draws one factor per feature uniformly from [1, 101).</param>
    /// <param name="shuffle">Shuffle the rows and the columns (otherwise rows are grouped by cluster and columns ordered as described for
    /// <paramref name="features"/>).</param>
    /// <param name="seed">Seed of the random stream; the same arguments and seed always give the same data.</param>
    /// <returns>Features [samples, features] and labels; feature names <c>x0</c>, <c>x1</c>, … and class names <c>"0"</c>, <c>"1"</c>,
    /// ….</returns>
    /// <remarks>
    /// What differs from scikit-learn is the random stream only (<see cref="SeededRandom"/>: .NET's seeded
    /// <see cref="Random"/> and Box–Muller Gaussians instead of NumPy's generator), so a seed gives different numbers
    /// than in Python while the construction, the validation and the statistics are the same. Two extra checks reject
    /// what scikit-learn would silently mishandle: negative counts or weights, and weights whose per-cluster sample
    /// counts add up to more than <paramref name="samples"/>.
    /// </remarks>
    /// <exception cref="ArgumentException">An argument is out of range; the message names it and the limit.</exception>
    public static TabularDataset MakeClassification(
        int samples = 100,
        int features = 20,
        int informative = 2,
        int redundant = 2,
        int repeated = 0,
        int classes = 2,
        int clustersPerClass = 2,
        double[]? weights = null,
        double flipY = 0.01,
        double classSep = 1.0,
        bool hypercube = true,
        double? shift = 0.0,
        double? scale = 1.0,
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
        if (redundant < 0)
            throw new ArgumentOutOfRangeException(nameof(redundant), redundant, "Cannot be negative.");
        if (repeated < 0)
            throw new ArgumentOutOfRangeException(nameof(repeated), repeated, "Cannot be negative.");
        if (classes < 1)
            throw new ArgumentOutOfRangeException(nameof(classes), classes, "At least one class is needed.");
        if (clustersPerClass < 1)
            throw new ArgumentOutOfRangeException(nameof(clustersPerClass), clustersPerClass, "At least one cluster per class is needed.");
        // scikit-learn's two checks, with its wording extended by the numbers involved.
        if (informative + redundant + repeated > features)
            throw new ArgumentException(
                "Number of informative, redundant and repeated features must sum to at most the number of total features: "
                    + $"{informative} + {redundant} + {repeated} > {features}.",
                nameof(features)
            );
        // log2 as in scikit-learn, so that large informative counts cannot overflow 2^informative.
        if (informative < Math.Log2((double)classes * clustersPerClass))
            throw new ArgumentException(
                $"classes({classes}) * clustersPerClass({clustersPerClass}) "
                    + $"must be smaller or equal 2^informative({informative})={Math.Pow(2, informative)}.",
                nameof(informative)
            );

        double[] classWeights;
        if (weights is not null)
        {
            if (weights.Length != classes && weights.Length != classes - 1)
                throw new ArgumentException(
                    $"Weights specified but incompatible with number of classes: {weights.Length} weights for {classes} classes (give "
                        + $"{classes}, or {classes - 1} and the last is 1 minus their sum).",
                    nameof(weights)
                );
            classWeights = new double[classes];
            Array.Copy(weights, classWeights, weights.Length);
            if (weights.Length == classes - 1)
                classWeights[classes - 1] = 1.0 - weights.Sum();
            for (var k = 0; k < classes; k++)
                if (!(classWeights[k] >= 0))
                    throw new ArgumentException(
                        $"Weight of class {k} is {classWeights[k]}; weights must be non-negative and sum to at most 1.",
                        nameof(weights)
                    );
        }
        else
        {
            classWeights = Enumerable.Repeat(1.0 / classes, classes).ToArray();
        }

        var useless = features - informative - redundant - repeated;
        var clusters = classes * clustersPerClass;

        // Distribute samples among clusters by weight (truncation as Python's int()), then the remainder round-robin.
        var samplesPerCluster = new int[clusters];
        for (var k = 0; k < clusters; k++)
            samplesPerCluster[k] = (int)(samples * classWeights[k % classes] / clustersPerClass);
        var allocated = samplesPerCluster.Sum();
        if (allocated > samples)
            throw new ArgumentException(
                $"Weights sum to {classWeights.Sum()}, which allocates {allocated} samples out of {samples}; they must sum to at most 1.",
                nameof(weights)
            );
        for (var i = 0; i < samples - allocated; i++)
            samplesPerCluster[i % clusters]++;

        var random = new SeededRandom(seed);
        var x = new double[samples, features];
        var y = new int[samples];

        // The polytope whose vertices become cluster centroids.
        var centroids = HypercubeVertices(clusters, informative, random);
        for (var k = 0; k < clusters; k++)
        for (var j = 0; j < informative; j++)
            centroids[k, j] = centroids[k, j] * 2 * classSep - classSep;
        if (!hypercube)
        {
            var perCluster = new double[clusters];
            for (var k = 0; k < clusters; k++)
                perCluster[k] = random.Uniform();
            var perAxis = new double[informative];
            for (var j = 0; j < informative; j++)
                perAxis[j] = random.Uniform();
            for (var k = 0; k < clusters; k++)
            for (var j = 0; j < informative; j++)
                centroids[k, j] *= perCluster[k] * perAxis[j];
        }

        // Informative features start as standard normal draws.
        for (var i = 0; i < samples; i++)
        for (var j = 0; j < informative; j++)
            x[i, j] = random.StandardNormal();

        // Each cluster: a random covariance (X_k := X_k · A, A uniform in [-1, 1)) and a shift to its vertex.
        var stop = 0;
        var row = new double[informative];
        for (var k = 0; k < clusters; k++)
        {
            var start = stop;
            stop += samplesPerCluster[k];
            var a = new double[informative, informative];
            for (var p = 0; p < informative; p++)
            for (var q = 0; q < informative; q++)
                a[p, q] = 2 * random.Uniform() - 1;
            for (var i = start; i < stop; i++)
            {
                y[i] = k % classes;
                for (var j = 0; j < informative; j++)
                    row[j] = x[i, j];
                for (var q = 0; q < informative; q++)
                {
                    var sum = 0.0;
                    for (var p = 0; p < informative; p++)
                        sum += row[p] * a[p, q];
                    x[i, q] = sum + centroids[k, q];
                }
            }
        }

        // Redundant features: random linear combinations of the informative ones.
        if (redundant > 0)
        {
            var b = new double[informative, redundant];
            for (var p = 0; p < informative; p++)
            for (var q = 0; q < redundant; q++)
                b[p, q] = 2 * random.Uniform() - 1;
            for (var i = 0; i < samples; i++)
            for (var q = 0; q < redundant; q++)
            {
                var sum = 0.0;
                for (var p = 0; p < informative; p++)
                    sum += x[i, p] * b[p, q];
                x[i, informative + q] = sum;
            }
        }

        // Repeated features: copies of informative or redundant columns.
        if (repeated > 0)
        {
            var n = informative + redundant;
            var sources = new int[repeated];
            for (var r = 0; r < repeated; r++)
                sources[r] = (int)((n - 1) * random.Uniform() + 0.5);
            for (var i = 0; i < samples; i++)
            for (var r = 0; r < repeated; r++)
                x[i, n + r] = x[i, sources[r]];
        }

        // Useless features: pure noise in the last columns.
        for (var i = 0; i < samples; i++)
        for (var j = features - useless; j < features; j++)
            x[i, j] = random.StandardNormal();

        // Label noise. As in scikit-learn the mask is drawn whenever flipY >= 0, so flipY = 0 still advances the stream.
        if (flipY >= 0.0)
        {
            var flip = new bool[samples];
            for (var i = 0; i < samples; i++)
                flip[i] = random.Uniform() < flipY;
            for (var i = 0; i < samples; i++)
                if (flip[i])
                    y[i] = random.Integer(classes);
        }

        var shifts = new double[features];
        for (var j = 0; j < features; j++)
            shifts[j] = shift ?? (2 * random.Uniform() - 1) * classSep;
        for (var i = 0; i < samples; i++)
        for (var j = 0; j < features; j++)
            x[i, j] += shifts[j];
        var scales = new double[features];
        for (var j = 0; j < features; j++)
            scales[j] = scale ?? 1 + 100 * random.Uniform();
        for (var i = 0; i < samples; i++)
        for (var j = 0; j < features; j++)
            x[i, j] *= scales[j];

        if (shuffle)
            (x, y) = ShuffleRowsThenColumns(x, y, random, out _);

        var featureNames = Enumerable.Range(0, features).Select(j => $"x{j}").ToArray();
        var classNames = Enumerable.Range(0, classes).Select(k => k.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return new TabularDataset("make_classification", x, y, featureNames, classNames);
    }

    /// <summary>
    /// <paramref name="count"/> distinct vertices of the unit hypercube in <paramref name="dimensions"/> dimensions, as 0/1
    /// coordinates (scikit-learn's <c>_generate_hypercube</c>): distinct integers below 2^d, sampled without replacement,
    /// unpacked into bits most significant first; beyond 30 dimensions the leading columns are independent random bits.
    /// </summary>
    private static double[,] HypercubeVertices(int count, int dimensions, SeededRandom random)
    {
        var vertices = new double[count, dimensions];
        var leadingRandomBits = Math.Max(0, dimensions - 30);
        for (var k = 0; k < count; k++)
        for (var j = 0; j < leadingRandomBits; j++)
            vertices[k, j] = random.Integer(2);
        var bits = dimensions - leadingRandomBits;
        var population = 1L << bits;
        var chosen = new HashSet<long>();
        for (var k = 0; k < count; k++)
        {
            long value;
            // Rejection sampling: count <= 2^bits is guaranteed by the caller's check, and clusters are few.
            do value = (long)(random.Uniform() * population);
            while (!chosen.Add(value));
            for (var b = 0; b < bits; b++)
                vertices[k, leadingRandomBits + b] = (value >> (bits - 1 - b)) & 1;
        }
        return vertices;
    }

    /// <summary>Permutes the rows (features and targets together), then the feature columns, as scikit-learn's generators do.</summary>
    private static (double[,] Features, TTargets Targets) ShuffleRowsThenColumns<TTargets>(
        double[,] x,
        TTargets targets,
        SeededRandom random,
        out int[] columnOrder
    )
        where TTargets : class
    {
        int samples = x.GetLength(0),
            features = x.GetLength(1);
        var rowOrder = random.Permutation(samples);
        columnOrder = random.Permutation(features);
        var shuffled = new double[samples, features];
        for (var i = 0; i < samples; i++)
        for (var j = 0; j < features; j++)
            shuffled[i, j] = x[rowOrder[i], columnOrder[j]];
        return (shuffled, ReorderRows(targets, rowOrder));
    }

    private static T ReorderRows<T>(T targets, int[] rowOrder)
        where T : class =>
        targets switch
        {
            int[] labels => (T)(object)rowOrder.Select(i => labels[i]).ToArray(),
            double[,] values => (T)(object)ReorderRows(values, rowOrder),
            _ => throw new NotSupportedException(typeof(T).Name),
        };

    private static double[,] ReorderRows(double[,] values, int[] rowOrder)
    {
        var result = new double[rowOrder.Length, values.GetLength(1)];
        for (var i = 0; i < rowOrder.Length; i++)
        for (var j = 0; j < values.GetLength(1); j++)
            result[i, j] = values[rowOrder[i], j];
        return result;
    }
}
