using System.Security.Cryptography;
using System.Text.Json;
using TorchSharp;
using Workbook.Data;
using Workbook.IO;
using Workbook.Models;
using Workbook.Safetensors;
using static TorchSharp.torch;

namespace Workbook.Deployment;

/// <summary>
/// A trained tabular classifier as a folder a server can load: <c>model.safetensors</c> (the weights, tensors only —
/// nothing executable, unlike a pickled <c>torch.save</c> file) and <c>manifest.json</c> (architecture, input schema,
/// feature scaling, labels, versions, SHA-256 of the weights). Each file is written atomically and the manifest last,
/// so a reader sees a complete package or a checksum mismatch, never a silently mixed one.
/// </summary>
public static class ModelPackage
{
    /// <summary>The weights file's name inside a package.</summary>
    public const string WeightsFileName = "model.safetensors";

    /// <summary>
    /// Writes <paramref name="model"/>'s parameters and buffers, with the scaler fitted on its training data and the
    /// names of its inputs and outputs, to <paramref name="folder"/> (created if needed; an existing package is replaced).
    /// </summary>
    /// <returns>The manifest written.</returns>
    /// <exception cref="ArgumentException">The scaler is not fitted, or the feature names, scaler and model inputs
    /// disagree in count, or the labels do not match the model's outputs; the message says which.</exception>
    public static ModelPackageManifest Export(string folder, SimpleModel model, StandardScaler scaler,
        IReadOnlyList<string> featureNames, IReadOnlyList<string> labels, string? description = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(scaler);
        ArgumentNullException.ThrowIfNull(featureNames);
        ArgumentNullException.ThrowIfNull(labels);
        if (!scaler.IsFitted) throw new ArgumentException("The scaler is not fitted: fit it on the training features before exporting, so the server scales requests the same way.", nameof(scaler));
        var options = model.Options with { HiddenWidths = [.. model.Options.Widths] };
        if (scaler.FeatureCount != options.Inputs)
            throw new ArgumentException($"The scaler was fitted on {scaler.FeatureCount} features but the model takes {options.Inputs}.", nameof(scaler));
        if (featureNames.Count != options.Inputs)
            throw new ArgumentException($"{featureNames.Count} feature names were given but the model takes {options.Inputs} features.", nameof(featureNames));
        if (labels.Count != options.Outputs)
            throw new ArgumentException($"{labels.Count} labels were given but the model has {options.Outputs} outputs (one label per class logit).", nameof(labels));

        folder = Path.GetFullPath(folder);
        Directory.CreateDirectory(folder);
        var weightsPath = Path.Combine(folder, WeightsFileName);
        var state = model.state_dict();
        SafetensorsWriter.Save(weightsPath, state, new Dictionary<string, string> { ["format"] = "pt", ["producer"] = "Workbook.Deployment" });
        var (bytes, sha256) = HashFile(weightsPath);
        var manifest = new ModelPackageManifest(
            ModelPackageManifest.CurrentFormatVersion,
            ModelPackageManifest.TabularClassifierKind,
            new ManifestArchitecture(nameof(SimpleModel), options),
            new ManifestInputSchema(options.Inputs, [.. featureNames]),
            new ManifestFeatureScaling(ManifestFeatureScaling.StandardMethod, [.. scaler.Mean], [.. scaler.Scale]),
            [.. labels],
            new ManifestWeightsFile(WeightsFileName, "safetensors", bytes, sha256),
            CurrentVersions(),
            DateTimeOffset.UtcNow,
            description).Validate();
        AtomicFile.WriteAllText(Path.Combine(folder, ModelPackageManifest.FileName), manifest.ToJson());
        return manifest;
    }

    /// <summary>
    /// Reads and checks <c>manifest.json</c> of the package in <paramref name="folder"/>, and the weights file's length
    /// and SHA-256 against it, without loading any tensor.
    /// </summary>
    /// <exception cref="ModelPackageException">The folder, manifest or weights file is missing; the manifest is not valid
    /// JSON, lacks a field or is inconsistent; or the weights file differs from the one the manifest describes.</exception>
    public static ModelPackageManifest ReadManifest(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        folder = Path.GetFullPath(folder);
        if (!Directory.Exists(folder)) throw new ModelPackageException(folder, "the folder does not exist. Export a package with ModelPackage.Export first.");
        var manifestPath = Path.Combine(folder, ModelPackageManifest.FileName);
        if (!File.Exists(manifestPath))
            throw new ModelPackageException(folder, $"{ModelPackageManifest.FileName} is missing (the folder has: {Listing(folder)}).");
        ModelPackageManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ModelPackageManifest>(File.ReadAllBytes(manifestPath), ModelPackageManifest.JsonOptions)
                ?? throw new InvalidDataException("it holds null");
            manifest.Validate();
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or NotSupportedException)
        {
            throw new ModelPackageException(folder, $"{ModelPackageManifest.FileName} is not a valid manifest: {e.Message}", e);
        }
        var weightsPath = Path.Combine(folder, manifest.Weights.File);
        if (!File.Exists(weightsPath))
            throw new ModelPackageException(folder, $"the weights file {manifest.Weights.File} named in {ModelPackageManifest.FileName} is missing (the folder has: {Listing(folder)}).");
        var (bytes, sha256) = HashFile(weightsPath);
        if (bytes != manifest.Weights.Bytes || sha256 != manifest.Weights.Sha256)
            throw new ModelPackageException(folder,
                $"{manifest.Weights.File} has {bytes} bytes and SHA-256 {sha256}, but {ModelPackageManifest.FileName} records {manifest.Weights.Bytes} bytes and {manifest.Weights.Sha256}: " +
                "the weights were changed or damaged after export. Export the package again rather than editing its files.");
        return manifest;
    }

    /// <summary>
    /// Loads the package in <paramref name="folder"/> as a ready classifier: manifest and checksum verified
    /// (<see cref="ReadManifest"/>), model rebuilt from the manifest, every tensor name and shape checked, eval mode.
    /// </summary>
    /// <exception cref="ModelPackageException">Anything <see cref="ReadManifest"/> rejects, or weights whose names or shapes do not fit the architecture.</exception>
    public static TabularClassifier Load(string folder, Device? device = null)
    {
        var manifest = ReadManifest(folder);
        folder = Path.GetFullPath(folder);
        torch.InitializeDeviceType((device ?? CPU).type);
        var model = new SimpleModel(manifest.Architecture.Options);
        try
        {
            using var checkpoint = SafetensorsCheckpoint.Open(Path.Combine(folder, manifest.Weights.File));
            SafetensorsLoader.LoadInto(model, checkpoint);
        }
        catch (Exception e) when (e is CheckpointMismatchException or SafetensorsException)
        {
            model.Dispose();
            throw new ModelPackageException(folder, $"{manifest.Weights.File} does not fit the architecture {manifest.Architecture.Options} in {ModelPackageManifest.FileName}: {e.Message}", e);
        }
        if (device is not null) model.to(device);
        model.eval();
        var scaler = StandardScaler.FromStatistics(manifest.FeatureScaling.Mean, manifest.FeatureScaling.Scale);
        return new TabularClassifier(model, scaler, manifest.InputSchema.FeatureNames, manifest.Labels, manifest);
    }

    /// <summary>The versions recorded in a manifest written now.</summary>
    public static ManifestVersions CurrentVersions() => new(
        typeof(ModelPackage).Assembly.GetName().Version?.ToString() ?? "unknown",
        PackageVersions.Of("TorchSharp"),
        PackageVersions.Of("libtorch-cpu-linux-x64"),
        System.Environment.Version.ToString());

    private static (long Bytes, string Sha256) HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        var hash = SHA256.HashData(stream);
        return (stream.Length, Convert.ToHexStringLower(hash));
    }

    private static string Listing(string folder)
    {
        var names = Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        return names.Length == 0 ? "nothing" : string.Join(", ", names);
    }
}
