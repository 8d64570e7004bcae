using Workbook.Data;
using Workbook.Models;
using static TorchSharp.torch;

namespace Workbook.Deployment;

/// <summary>
/// A loaded model package ready to answer requests: raw feature rows in (the columns of
/// <see cref="FeatureNames"/>, unscaled), class probabilities out. It applies the training scaler, runs the model in
/// eval mode without gradients, and takes the softmax — the steps the classic serving snippet forgets.
/// Safe to call from several threads at once (inference only reads the weights). Introduced with chapter 14.
/// </summary>
public sealed class TabularClassifier : IDisposable
{
    /// <summary>Wraps a model, the scaler fitted on its training data, its input names and its class labels.</summary>
    /// <exception cref="ArgumentException">Counts disagree between model, scaler, feature names and labels.</exception>
    public TabularClassifier(
        SimpleModel model,
        StandardScaler scaler,
        IReadOnlyList<string> featureNames,
        IReadOnlyList<string> labels,
        ModelPackageManifest? manifest = null
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(scaler);
        ArgumentNullException.ThrowIfNull(featureNames);
        ArgumentNullException.ThrowIfNull(labels);
        if (scaler.FeatureCount != model.Options.Inputs)
            throw new ArgumentException(
                $"The scaler has {scaler.FeatureCount} features but the model takes {model.Options.Inputs}.",
                nameof(scaler)
            );
        if (featureNames.Count != model.Options.Inputs)
            throw new ArgumentException(
                $"{featureNames.Count} feature names for a model with {model.Options.Inputs} inputs.",
                nameof(featureNames)
            );
        if (labels.Count != model.Options.Outputs)
            throw new ArgumentException($"{labels.Count} labels for a model with {model.Options.Outputs} outputs.", nameof(labels));
        Model = model;
        Scaler = scaler;
        FeatureNames = [.. featureNames];
        Labels = [.. labels];
        Manifest = manifest;
        model.eval();
    }

    /// <summary>The network (in eval mode).</summary>
    public SimpleModel Model { get; }

    /// <summary>The scaler applied to every row.</summary>
    public StandardScaler Scaler { get; }

    /// <summary>The input columns, in order.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>The class names, in output order.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>The manifest the classifier was loaded from, when it came from a package.</summary>
    public ModelPackageManifest? Manifest { get; }

    /// <summary>Number of features a row must have.</summary>
    public int FeatureCount => FeatureNames.Count;

    /// <summary>Predicts one row.</summary>
    /// <exception cref="ArgumentException">The row has the wrong length, a value that is not usable as a float32 feature
    /// (see <see cref="FeatureProblem"/>), or values so large that the model's output is not finite.</exception>
    public ClassPrediction Predict(IReadOnlyList<double> row) => Predict([row])[0];

    /// <summary>Predicts a batch of rows with one forward pass.</summary>
    /// <exception cref="ArgumentException">No rows; a row has the wrong length or a value that is not usable as a float32
    /// feature (see <see cref="FeatureProblem"/>); or a row's values are so large that the model's output is not finite
    /// (NaN or infinite probabilities). The message names the row and column.</exception>
    public IReadOnlyList<ClassPrediction> Predict(IReadOnlyList<IReadOnlyList<double>> rows)
    {
        var predictions = PredictAllowingNonFiniteOutput(rows);
        for (var i = 0; i < predictions.Count; i++)
            if (!predictions[i].IsFinite)
                throw new ArgumentException(
                    $"Row {i}: the model's output is not finite (probabilities {string.Join(", ", predictions[i].Probabilities)}): "
                        + "its feature values are too large in magnitude for float32 arithmetic in the network.",
                    nameof(rows)
                );
        return predictions;
    }

    /// <summary>
    /// As <see cref="Predict(IReadOnlyList{IReadOnlyList{double}})"/>, but a row whose output is not finite keeps its NaN
    /// or infinite probabilities (<see cref="ClassPrediction.IsFinite"/> is false) instead of failing the call. For a
    /// server that batches rows from many clients into one forward pass and must refuse only the client that sent them.
    /// </summary>
    /// <exception cref="ArgumentException">No rows, or a row has the wrong length or a value that is not usable as a float32
    /// feature.</exception>
    public IReadOnlyList<ClassPrediction> PredictAllowingNonFiniteOutput(IReadOnlyList<IReadOnlyList<double>> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
            throw new ArgumentException("Give at least one row to predict.", nameof(rows));
        var n = rows.Count;
        var f = FeatureCount;
        var flat = new float[checked(n * f)];
        for (var i = 0; i < n; i++)
        {
            var row = rows[i] ?? throw new ArgumentException($"Row {i} is null.", nameof(rows));
            if (row.Count != f)
                throw new ArgumentException(
                    $"Row {i} has {row.Count} values but the model takes {f} features ({FeatureNames[0]} … {FeatureNames[^1]}).",
                    nameof(rows)
                );
            for (var j = 0; j < f; j++)
            {
                if (FeatureProblem(j, row[j]) is { } problem)
                    throw new ArgumentException($"Row {i}, feature {j} ({FeatureNames[j]}) {problem}.", nameof(rows));
                flat[i * f + j] = Scaled(j, row[j]);
            }
        }
        float[] probabilities;
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            var device = Model.parameters().First().device;
            var input = tensor(flat, [n, f], device: device);
            probabilities = Model.call(input).softmax(1).to(CPU).data<float>().ToArray();
        }
        var k = Labels.Count;
        var result = new ClassPrediction[n];
        for (var i = 0; i < n; i++)
        {
            var p = new double[k];
            var best = 0;
            for (var c = 0; c < k; c++)
            {
                p[c] = probabilities[i * k + c];
                if (p[c] > p[best])
                    best = c;
            }
            result[i] = new ClassPrediction(Labels[best], best, p);
        }
        return result;
    }

    /// <summary>
    /// Why <paramref name="value"/> cannot be feature <paramref name="feature"/>, or null when it can: the model computes
    /// in float32, so a value must be finite, within float32's range (|x| ≤ 3.4028235e38; 1e308 would become infinity),
    /// and stay finite once standardised with the training scaler.
    /// </summary>
    /// <returns>A phrase that completes "feature j …", e.g. "is 1E+308, outside float32's range (±3.4028235E+38)".</returns>
    public string? FeatureProblem(int feature, double value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(feature);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(feature, FeatureCount);
        var text = value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        if (!double.IsFinite(value))
            return $"is {text}; features must be finite numbers";
        if (Math.Abs(value) > float.MaxValue)
            return $"is {text}, outside float32's range "
                + $"(±{float.MaxValue.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}), in which the model computes";
        if (!float.IsFinite(Scaled(feature, value)))
            return $"is {text}, which standardised with the training scaler ((x − {Scaler.Mean[feature]}) "
                + $"/ {Scaler.Scale[feature]}) is beyond float32's range";
        return null;
    }

    private float Scaled(int feature, double value) => (float)((value - Scaler.Mean[feature]) / Scaler.Scale[feature]);

    /// <summary>Releases the model's tensors.</summary>
    public void Dispose() => Model.Dispose();
}

/// <summary>One row's prediction: the most probable class and the probability of every class. Introduced with chapter 14.</summary>
/// <param name="Label">The most probable class's name.</param>
/// <param name="LabelIndex">Its output index.</param>
/// <param name="Probabilities">Softmax probability of each class, in label order (they sum to 1).</param>
public sealed record ClassPrediction(string Label, int LabelIndex, IReadOnlyList<double> Probabilities)
{
    /// <summary>False when a probability is NaN or infinite: the row's values overflowed float32 inside the network.</summary>
    public bool IsFinite => Probabilities.All(double.IsFinite);
}
