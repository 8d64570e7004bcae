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
        if (Directory.Exists(_folder))
            Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void Round_trip_gives_the_same_probabilities_as_model_plus_scaler()
    {
        var (_, model, scaler, data) = DeploymentFixtures.ExportBreastCancerPackage(_folder);
        using var loaded = ModelPackage.Load(_folder);
        Assert.Equal(data.FeatureNames, loaded.FeatureNames);
        Assert.Equal(["malignant", "benign"], loaded.Labels);

        var rows = Enumerable
            .Range(0, 20)
            .Select(i => (IReadOnlyList<double>)Enumerable.Range(0, data.FeatureCount).Select(j => data.Features[i * 7, j]).ToArray())
            .ToList();
        var predictions = loaded.Predict(rows);
        // The reference: the original model, in eval mode, on features scaled by the original scaler.
        model.eval();
        using var scope = NewDisposeScope();
        var raw = new double[rows.Count, data.FeatureCount];
        for (var i = 0; i < rows.Count; i++)
        for (var j = 0; j < data.FeatureCount; j++)
            raw[i, j] = rows[i][j];
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
        // no temporary files left
        Assert.Equal(["manifest.json", "model.safetensors"], Directory.GetFiles(_folder).Select(Path.GetFileName).Order());
        Assert.Equal(data.ClassNames, manifest.Labels);
    }

    [Fact]
    public void A_changed_weights_file_is_refused_naming_the_file_and_both_checksums()
    {
        DeploymentFixtures.ExportBreastCancerPackage(_folder);
        var recorded = ModelPackage.ReadManifest(_folder).Weights.Sha256;
        var weights = Path.Combine(_folder, "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        bytes[^3] ^= 0x40; // one bit of one weight
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

        // Each edit is re-checksummed, as a deliberate forgery would be, so what is tested is the field check.
        string Refusal(Action<JsonObject> edit)
        {
            DeploymentFixtures.EditManifest(_folder, edit, original);
            return Assert.Throws<ModelPackageException>(() => ModelPackage.Load(_folder)).Message;
        }

        Assert.Contains("featureScaling", Refusal(j => j.Remove("featureScaling")));
        Assert.Contains("sha256", Refusal(j => j["weights"]!.AsObject().Remove("sha256")));
        Assert.Contains("formatVersion is 3", Refusal(j => j["formatVersion"] = 3));
        Assert.Contains("formatVersion is 1", Refusal(j => j["formatVersion"] = 1));
        Assert.Contains("labels has 3 entries", Refusal(j => j["labels"] = new JsonArray("a", "b", "c")));
        Assert.Contains("featureScaling.scale[4]", Refusal(j => j["featureScaling"]!["scale"]![4] = 0.0));
        Assert.Contains("inputSchema.featureNames has 29", Refusal(j => j["inputSchema"]!["featureNames"]!.RemoveLastItem()));
        // Same checksum, different architecture: the weights do not fit, and the message says which tensors.
        var shape = Refusal(j => j["architecture"]!["options"]!["hiddenWidths"] = new JsonArray(8));
        Assert.Contains("does not fit the architecture", shape);
        Assert.Contains("layers.fc1.weight", shape);
        File.WriteAllText(path, "{ not json");
        Assert.Contains(
            "manifest.json is not a valid manifest",
            Assert.Throws<ModelPackageException>(() => ModelPackage.Load(_folder)).Message
        );
        File.Delete(path);
        Assert.Contains("manifest.json is missing", Assert.Throws<ModelPackageException>(() => ModelPackage.Load(_folder)).Message);
    }

    [Fact]
    public void An_edited_manifest_is_refused_naming_the_file()
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

        // Valid manifests that would silently change every prediction.
        var swapped = Refusal(j => j["labels"] = new JsonArray("benign", "malignant"));
        Assert.Contains(_folder, swapped);
        Assert.Contains("manifest.json was changed after export", swapped);
        Assert.Contains(
            "manifest.json was changed after export",
            Refusal(j => j["featureScaling"]!["mean"]![0] = j["featureScaling"]!["mean"]![0]!.GetValue<double>() + 1)
        );
        Assert.Contains("manifest.json was changed after export", Refusal(j => j["inputSchema"]!["featureNames"]![0] = "radius"));
        Assert.Contains("has no manifestSha256", Refusal(j => j.Remove("manifestSha256")));
        // Spacing is not content: the same values written differently still load.
        File.WriteAllText(path, JsonNode.Parse(original)!.ToJsonString());
        using var loaded = ModelPackage.Load(_folder);
        Assert.Equal(["malignant", "benign"], loaded.Labels);
    }

    public static TheoryData<string, string[]> AbsurdManifests() =>
        new()
        {
            // 30 → 40 000 000 → 2 is 1.32 billion parameters (5.3 GB): before, the process was killed for memory.
            {
                """{"hiddenWidths": [40000000]}""",
                ["architecture.options.hiddenWidths is invalid", "1,320,000,002 parameters", "4.92 GiB"]
            },
            // 2^31 − 1 units: before, libtorch aborted the process (rc 134) with C++ frames.
            { """{"hiddenWidths": [2147483647]}""", ["architecture.options.hiddenWidths is invalid", "GiB"] },
            { """{"hiddenWidths": [16, 0]}""", ["architecture.options.hiddenWidths is invalid", "Hidden layer 2 has width 0"] },
            { """{"inputs": -1}""", ["architecture.options.inputs is invalid"] },
            { """{"labels": ["malignant", null]}""", ["labels[1] is null"] },
            { """{"labels": ["malignant", " "]}""", ["labels[1] is empty"] },
        };

    [Theory]
    [MemberData(nameof(AbsurdManifests))]
    public void Absurd_sizes_and_null_labels_are_refused_in_one_line_naming_the_field(string edit, string[] expected)
    {
        DeploymentFixtures.ExportBreastCancerPackage(_folder);
        var change = JsonNode.Parse(edit)!.AsObject();
        DeploymentFixtures.EditManifest(
            _folder,
            j =>
            {
                foreach (var (key, value) in change)
                    if (key == "labels")
                        j["labels"] = value!.DeepClone();
                    else
                        j["architecture"]!["options"]![key] = value!.DeepClone();
            }
        );
        var message = Assert.Throws<ModelPackageException>(() => ModelPackage.Load(_folder)).Message;
        Assert.Contains("manifest.json", message);
        foreach (var part in expected)
            Assert.Contains(part, message);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public void Load_compares_the_weights_header_with_the_architecture_before_building_and_draws_no_random_numbers()
    {
        DeploymentFixtures.ExportBreastCancerPackage(_folder);
        float[] NextRandom()
        {
            using var r = rand(4);
            return r.data<float>().ToArray();
        }
        manual_seed(11);
        var expected = NextRandom();

        // A loaded model's weights come from the file: nothing is drawn for a random initialisation first.
        manual_seed(11);
        using (ModelPackage.Load(_folder)) { }
        Assert.Equal(expected, NextRandom());

        // 30 → 100 000 → 2 (3.2 million parameters) against 30 → 16 → 2 weights: refused from the header, nothing built.
        DeploymentFixtures.EditManifest(_folder, j => j["architecture"]!["options"]!["hiddenWidths"] = new JsonArray(100_000));
        manual_seed(11);
        var error = Assert.Throws<ModelPackageException>(() => ModelPackage.Load(_folder));
        Assert.Equal(expected, NextRandom());
        Assert.Contains("does not fit the architecture 30 → 100000 → 2", error.Message);
        Assert.Contains("layers.fc1.weight (expected [100000, 30], found [16, 30])", error.Message);
        Assert.Contains("layers.out.weight (expected [2, 100000], found [2, 16])", error.Message);
    }

    [Fact]
    public void A_model_built_without_initialisation_draws_nothing_and_a_meta_model_allocates_nothing()
    {
        var options = new SimpleModelOptions(Inputs: 3, HiddenWidths: [5], Normalization: Normalization.LayerNorm);
        manual_seed(3);
        using (var a = rand(2)) { }
        using var afterOne = rand(2);
        manual_seed(3);
        using (var model = new SimpleModel(options, initialize: false))
            Assert.Equal(
                [
                    "layers.fc1.weight",
                    "layers.fc1.bias",
                    "layers.norm1.weight",
                    "layers.norm1.bias",
                    "layers.out.weight",
                    "layers.out.bias",
                ],
                model.named_parameters().Select(p => p.name)
            );
        using (var a = rand(2)) { }
        using var again = rand(2);
        Assert.Equal(afterOne.data<float>().ToArray(), again.data<float>().ToArray());
        using var meta = new SimpleModel(options with { HiddenWidths = [1_000_000] }, META, initialize: false);
        Assert.All(meta.parameters(), p => Assert.Equal(TorchSharp.DeviceType.META, p.device_type));
        Assert.Equal([1_000_000L, 3], meta.named_parameters().First().parameter.shape);
    }

    [Fact]
    public void Export_refuses_what_would_make_a_package_that_predicts_wrongly()
    {
        var model = new SimpleModel(new SimpleModelOptions(Inputs: 3, HiddenWidths: [4]));
        var scaler = new StandardScaler().Fit(
            new double[,]
            {
                { 1, 2, 3 },
                { 4, 5, 7 },
            }
        );
        Assert.Contains(
            "not fitted",
            Assert
                .Throws<ArgumentException>(() => ModelPackage.Export(_folder, model, new StandardScaler(), ["a", "b", "c"], ["x", "y"]))
                .Message
        );
        Assert.Contains(
            "4 feature names were given but the model takes 3",
            Assert.Throws<ArgumentException>(() => ModelPackage.Export(_folder, model, scaler, ["a", "b", "c", "d"], ["x", "y"])).Message
        );
        Assert.Contains(
            "one label per class",
            Assert.Throws<ArgumentException>(() => ModelPackage.Export(_folder, model, scaler, ["a", "b", "c"], ["x"])).Message
        );
        var wide = new StandardScaler().Fit(
            new double[,]
            {
                { 1, 2 },
                { 3, 4 },
            }
        );
        Assert.Contains(
            "fitted on 2 features",
            Assert.Throws<ArgumentException>(() => ModelPackage.Export(_folder, model, wide, ["a", "b", "c"], ["x", "y"])).Message
        );
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
        // Finite as a double, infinite as the float32 the model computes in: before, the probabilities came back NaN.
        row[2] = 1e308;
        Assert.Contains(
            "feature 2 (mean perimeter) is 1E+308, outside float32's range",
            Assert.Throws<ArgumentException>(() => loaded.Predict(row)).Message
        );
        Assert.Null(loaded.FeatureProblem(2, 3e38)); // mean perimeter: scale ≈ 24, so 3e38 / 24 fits in float32
        // mean smoothness: scale ≈ 0.014, so it does not
        Assert.Contains("standardised with the training " + "scaler", loaded.FeatureProblem(4, 3e38));
    }

    [Fact]
    public void A_row_whose_output_overflows_float32_is_refused_or_marked()
    {
        var options = new SimpleModelOptions(Inputs: 3, HiddenWidths: [4], Outputs: 2);
        using var model = new SimpleModel(options);
        using (no_grad())
            foreach (var p in model.parameters())
                p.fill_(1.0f);
        using var classifier = new TabularClassifier(
            model,
            StandardScaler.FromStatistics([0, 0, 0], [1, 1, 1]),
            ["a", "b", "c"],
            ["x", "y"]
        );
        IReadOnlyList<double> huge = [3e38, 3e38, 3e38],
            small = [1, 2, 3];
        Assert.Null(classifier.FeatureProblem(0, 3e38)); // each value fits in float32; their weighted sum does not
        Assert.Contains(
            "Row 1: the model's output is not finite",
            Assert.Throws<ArgumentException>(() => classifier.Predict([small, huge])).Message
        );
        var marked = classifier.PredictAllowingNonFiniteOutput([small, huge]);
        Assert.True(marked[0].IsFinite);
        Assert.False(marked[1].IsFinite);
        Assert.Equal(0.5, marked[0].Probabilities[0], 6); // equal weights: equal logits
    }
}

internal static class JsonNodeTestExtensions
{
    public static void RemoveLastItem(this JsonNode node) => node.AsArray().RemoveAt(node.AsArray().Count - 1);
}
