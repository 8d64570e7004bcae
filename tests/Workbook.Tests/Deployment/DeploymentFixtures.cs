using System.Text.Json;
using System.Text.Json.Nodes;
using Workbook.Data;
using Workbook.Deployment;
using Workbook.Gpt2;
using Workbook.Models;
using Workbook.Tests.Text;
using static TorchSharp.torch;

namespace Workbook.Tests.Deployment;

/// <summary>Small real artefacts the deployment tests share: a breast-cancer classifier package and a tiny GPT-2 folder.</summary>
internal static class DeploymentFixtures
{
    /// <summary>A 30 → 16 → 2 classifier with a scaler fitted on the breast-cancer features, exported to a fresh folder.</summary>
    public static (string Folder, SimpleModel Model, StandardScaler Scaler, TabularDataset Data) ExportBreastCancerPackage(string folder)
    {
        var data = Datasets.LoadBreastCancer(Path.Combine(Repository.Root, "data", "breast-cancer", "breast_cancer.csv"));
        var scaler = new StandardScaler().Fit(data.Features);
        manual_seed(7);
        var model = new SimpleModel(new SimpleModelOptions(Inputs: data.FeatureCount, HiddenWidths: [16], Outputs: 2));
        ModelPackage.Export(folder, model, scaler, data.FeatureNames, data.ClassNames, "test package");
        return (folder, model, scaler, data);
    }

    /// <summary>A tiny random GPT-2 (GPT-2's real vocabulary, 1 layer, width 32, context 64 unless asked) saved with its tokenizer
    /// files.</summary>
    public static string SaveTinyGpt2(string folder, int contextLength = 64, int embeddingSize = 32, int layerCount = 1)
    {
        manual_seed(0);
        using var model = new Gpt2LMHeadModel(
            Gpt2Config.Gpt2 with
            {
                EmbeddingSize = embeddingSize,
                LayerCount = layerCount,
                HeadCount = 2,
                ContextLength = contextLength,
            }
        );
        model.SavePretrained(folder);
        File.Copy(Path.Combine(Gpt2Files.Folder, "vocab.json"), Path.Combine(folder, "vocab.json"), overwrite: true);
        File.Copy(Path.Combine(Gpt2Files.Folder, "merges.txt"), Path.Combine(folder, "merges.txt"), overwrite: true);
        return folder;
    }

    /// <summary>
    /// Edits a package's manifest.json (starting from <paramref name="original"/> when given, else the file) and writes it
    /// with a recomputed manifestSha256, as someone forging a package would: the fields, not the checksum, are then on trial.
    /// </summary>
    public static void EditManifest(string folder, Action<JsonObject> edit, string? original = null)
    {
        var path = Path.Combine(folder, ModelPackageManifest.FileName);
        var json = JsonNode.Parse(original ?? File.ReadAllText(path))!.AsObject();
        edit(json);
        try
        {
            var parsed = JsonSerializer.Deserialize<ModelPackageManifest>(json.ToJsonString(), ModelPackageManifest.JsonOptions)!;
            json["manifestSha256"] = parsed.ContentSha256();
        }
        catch (JsonException)
        {
            // Not a readable manifest at all: the loader refuses it before any checksum.
        }
        File.WriteAllText(path, json.ToJsonString());
    }

    /// <summary>A fresh temporary folder path (not created).</summary>
    public static string TemporaryFolder(string name) => Path.Combine(Path.GetTempPath(), $"workbook-tests-{name}-{Guid.NewGuid():N}");
}
