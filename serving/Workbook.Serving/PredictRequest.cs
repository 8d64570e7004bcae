using System.Text.Json;
using Workbook.Deployment;

namespace Workbook.Serving;

/// <summary>
/// A parsed <c>POST /v1/predict</c> body: either <c>{"features": [x1, …, xF]}</c> (one row; the answer is one
/// prediction) or <c>{"instances": [[…], […]]}</c> (several rows; the answer is <c>{"predictions": […]}</c>).
/// </summary>
/// <param name="Rows">The rows, each with the model's feature count.</param>
/// <param name="IsBatch">True when the request used <c>instances</c>.</param>
public sealed record PredictRequest(IReadOnlyList<double[]> Rows, bool IsBatch)
{
    private static readonly string[] Fields = ["features", "instances"];

    /// <summary>Validates and converts the body.</summary>
    /// <exception cref="RequestProblemException">400 naming the field: missing or both fields, a non-array, a row of the
    /// wrong length, a value that is not a finite number or that the model cannot take in float32
    /// (<see cref="TabularClassifier.FeatureProblem"/>), or more rows than allowed.</exception>
    public static PredictRequest Parse(JsonElement body, TabularClassifier classifier, int maxRows)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        var featureCount = classifier.FeatureCount;
        JsonFields.RequireOnly(body, Fields);
        var hasFeatures = body.TryGetProperty("features", out var features);
        var hasInstances = body.TryGetProperty("instances", out var instances);
        if (hasFeatures == hasInstances)
            throw RequestProblemException.InvalidField(
                hasFeatures ? "instances" : "features",
                hasFeatures
                    ? "Send either features (one row) or instances (several rows), not both."
                    : $"The body needs a field 'features' (an array of {featureCount} numbers) or 'instances' (an array of such arrays)."
            );
        if (hasFeatures)
            return new PredictRequest([Row(features, "features", classifier)], IsBatch: false);
        if (instances.ValueKind != JsonValueKind.Array)
            throw RequestProblemException.InvalidField(
                "instances",
                $"instances must be an array of rows; got {JsonRequestBody.Describe(instances.ValueKind)}."
            );
        var count = instances.GetArrayLength();
        if (count == 0)
            throw RequestProblemException.InvalidField("instances", "instances is empty; send at least one row.");
        if (count > maxRows)
            throw RequestProblemException.InvalidField(
                "instances",
                $"instances has {count} rows; at most {maxRows} are allowed per request."
            );
        var rows = new double[count][];
        var i = 0;
        foreach (var row in instances.EnumerateArray())
            rows[i] = Row(row, $"instances[{i++}]", classifier);
        return new PredictRequest(rows, IsBatch: true);
    }

    /// <summary>The field name of row <paramref name="index"/> in a request (for a refusal about that row).</summary>
    public string RowField(int index) => IsBatch ? $"instances[{index}]" : "features";

    private static double[] Row(JsonElement row, string field, TabularClassifier classifier)
    {
        var featureCount = classifier.FeatureCount;
        if (row.ValueKind != JsonValueKind.Array)
            throw RequestProblemException.InvalidField(
                field,
                $"{field} must be an array of {featureCount} numbers; got {JsonRequestBody.Describe(row.ValueKind)}."
            );
        var length = row.GetArrayLength();
        if (length != featureCount)
            throw RequestProblemException.InvalidField(
                field,
                $"{field} has {length} values; "
                    + $"the model takes exactly {featureCount} features ({(length > featureCount ? "too many" : "too few")})."
            );
        var values = new double[featureCount];
        var j = 0;
        foreach (var value in row.EnumerateArray())
        {
            var number = JsonFields.FiniteNumber(value, $"{field}[{j}]");
            if (classifier.FeatureProblem(j, number) is { } problem)
                throw RequestProblemException.InvalidField($"{field}[{j}]", $"{field}[{j}] ({classifier.FeatureNames[j]}) {problem}.");
            values[j] = number;
            j++;
        }
        return values;
    }
}
