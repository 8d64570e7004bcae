using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Workbook.Data;
using Workbook.Deployment;
using Workbook.Models;
using static TorchSharp.torch;

namespace Workbook.Tests.Deployment;

public sealed class ModelPackageTests : IDisposable
{
    private readonly string _folder = DeploymentFixtures.TemporaryFolder("package");

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void Round_trip_gives_the_same_probabilities_as_model_plus_scaler()
    {
        var (_, model, scaler, data) = DeploymentFixtures.ExportBreastCancerPackage(_folder);
        using var loaded = ModelPackage.Load(_folder);
        Assert.Equal(data.FeatureNames, loaded.FeatureNames);
        Assert.Equal(["malignant", "benign"], loaded.Labels);

        var rows = Enumerable.Range(0, 20).Select(i => (IReadOnlyList<double>)Enumerable.Range(0, data.FeatureCount).Select(j => data.Features[i * 7, j]).ToArray()).ToList();
        var predictions = loaded.Predict(rows);
        // The reference: the original model, in eval mode, on features scaled by the original scaler.
        model.eval();
        using var scope = NewDisposeScope();
        var raw = new double[rows.Count, data.FeatureCount];
        for (var i = 0; i < rows.Count; i++) for (var j = 0; j < data.FeatureCount; j++) raw[i, j] = rows[i][j];
        var expected = model.call(tensor(scaler.Transform(raw)).to(float32)).softmax(1).data<float>().ToArray();
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(expected[2 * i], predictions[i].Probabilities[0], 5);
            Assert.Equal(expected[2 * i + 1], predictions[i].Probabilities[1], 5);
            Assert.Equal(1.0, predictions[i].Probabilities.Sum(), 5);
            Assert.Equal(predictions[i].Probabilities[1] > predictions[i].Probabilities[0] ? "benign" : "malignant", predictions[i].Label);
        }
    }

    [Fact]
    public void Manifest_records_schema_scaling_versions_and_the_weights_checksum()
    {
        var (_, _, scaler, data) = DeploymentFixtures.ExportBreastCancerPackage(_folder);
        var manifest = ModelPackage.ReadManifest(_folder);
        Assert.Equal(ModelPackageManifest.CurrentFormatVersion, manifest.FormatVersion);
        Assert.Equal(30, manifest.InputSchema.FeatureCount);
        Assert.Equal("mean radius", manifest.InputSchema.FeatureNames[0]);
        Assert.Equal(scaler.Mean, manifest.FeatureScaling.Mean);
        Assert.Equal(scaler.Scale, manifest.FeatureScaling.Scale);
        Assert.Equal([16], manifest.Architecture.Options.Widths);
        Assert.Equal("0.107.0", manifest.Versions.TorchSharp);
        var weights = Path.Combine(_folder, "model.safetensors");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(weights))), manifest.Weights.Sha256);
        Assert.Equal(new FileInfo(weights).Length, manifest.Weights.Bytes);
        Assert.True((DateTimeOffset.UtcNow - manifest.CreatedAt).Duration() < TimeSpan.FromMinutes(5));
        Assert.Equal(["manifest.json", "model.safetensors"], Directory.GetFiles(_folder).Select(Path.GetFileName).Order());   // no temporary files left
        Assert.Equal(data.ClassNames, manifest.Labels);
    }

    [Fact]
    public void A_changed_weights_file_is_refused_naming_the_file_and_both_checksums()
    {
        DeploymentFixtures.ExportBreastCancerPackage(_folder);
        var recorded = ModelPackage.ReadManifest(_folder).Weights.Sha256;
        var weights = Path.Combine(_folder, "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        bytes[^3] ^= 0x40;                                                   // one bit of one weight
        File.WriteAllBytes(weights, bytes);
        var error = Assert.Throws<ModelPackageException>(() => ModelPackage.Load(_folder));
        Assert.Contains("model.safetensors", error.Message);
        Assert.Contains("SHA-256", error.Message);
        Assert.Contains(recorded, error.Message);
    }

    [Fact]
    public void Missing_or_inconsistent_manifest_fields_are_named()
    {
        DeploymentFixtures.ExportBreastCancerPackage(_folder);
        var path = Path.Combine(_folder, "manifest.json");
        var original = File.ReadAllText(path);

        string Refusal(Action<JsonObject> edit)
        {
            var json = JsonNode.Parse(original)!.AsObject();
            edit(json);
            File.WriteAllText(path, json.ToJsonString());
            return Assert.Throws<ModelPackageException>(() => ModelPackage.Load(_folder)).Message;
        }

        Assert.Contains("featureScaling", Refusal(j => j.Remove("featureScaling")));
        Assert.Contains("sha256", Refusal(j => j["weights"]!.AsObject().Remove("sha256")));
        Assert.Contains("formatVersion is 2", Refusal(j => j["formatVersion"] = 2));
        Assert.Contains("labels has 3 entries", Refusal(j => j["labels"] = new JsonArray("a", "b", "c")));
        Assert.Contains("featureScaling.scale[4]", Refusal(j => j["featureScaling"]!["scale"]![4] = 0.0));
        Assert.Contains("inputSchema.featureNames has 29", Refusal(j => j["inputSchema"]!["featureNames"]!.RemoveLastItem()));
        // Same checksum, different architecture: the weights do not fit, and the message says which tensors.
        var shape = Refusal(j => j["architecture"]!["options"]!["hiddenWidths"] = new JsonArray(8));
        Assert.Contains("does not fit the architecture", shape);
        Assert.Contains("layers.fc1.weight", shape);
        File.WriteAllText(path, "{ not json");
        Assert.Contains("manifest.json is not a valid manifest", Assert.Throws<ModelPackageException>(() => ModelPackage.Load(_folder)).Message);
        File.Delete(path);
        Assert.Contains("manifest.json is missing", Assert.Throws<ModelPackageException>(() => ModelPackage.Load(_folder)).Message);
    }

    [Fact]
    public void Export_refuses_what_would_make_a_package_that_predicts_wrongly()
    {
        var model = new SimpleModel(new SimpleModelOptions(Inputs: 3, HiddenWidths: [4]));
        var scaler = new StandardScaler().Fit(new double[,] { { 1, 2, 3 }, { 4, 5, 7 } });
        Assert.Contains("not fitted", Assert.Throws<ArgumentException>(() => ModelPackage.Export(_folder, model, new StandardScaler(), ["a", "b", "c"], ["x", "y"])).Message);
        Assert.Contains("4 feature names were given but the model takes 3", Assert.Throws<ArgumentException>(() => ModelPackage.Export(_folder, model, scaler, ["a", "b", "c", "d"], ["x", "y"])).Message);
        Assert.Contains("one label per class", Assert.Throws<ArgumentException>(() => ModelPackage.Export(_folder, model, scaler, ["a", "b", "c"], ["x"])).Message);
        var wide = new StandardScaler().Fit(new double[,] { { 1, 2 }, { 3, 4 } });
        Assert.Contains("fitted on 2 features", Assert.Throws<ArgumentException>(() => ModelPackage.Export(_folder, model, wide, ["a", "b", "c"], ["x", "y"])).Message);
        Assert.False(Directory.Exists(_folder));
    }

    [Fact]
    public void Predict_names_the_row_and_feature_of_bad_input()
    {
        DeploymentFixtures.ExportBreastCancerPackage(_folder);
        using var loaded = ModelPackage.Load(_folder);
        var row = new double[30];
        Assert.Contains("Row 0 has 29 values", Assert.Throws<ArgumentException>(() => loaded.Predict(row[..29])).Message);
        row[2] = double.NaN;
        Assert.Contains("feature 2 (mean perimeter) is NaN", Assert.Throws<ArgumentException>(() => loaded.Predict(row)).Message);
    }
}

internal static class JsonNodeTestExtensions
{
    public static void RemoveLastItem(this JsonNode node) => node.AsArray().RemoveAt(node.AsArray().Count - 1);
}
