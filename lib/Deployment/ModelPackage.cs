using System.Security.Cryptography;
using System.Text.Json;
using TorchSharp;
using Workbook.Data;
using Workbook.IO;
using Workbook.Models;
using Workbook.Runtime;
using Workbook.Safetensors;
using static TorchSharp.torch;

namespace Workbook.Deployment;

/// <summary>
/// A trained tabular classifier as a folder a server can load: <c>model.safetensors</c> (the weights, tensors only —
/// nothing executable, unlike a pickled <c>torch.save</c> file) and <c>manifest.json</c> (architecture, input schema,
/// feature scaling, labels, versions, SHA-256 of the weights). Each file is written atomically and the manifest last,
/// so a reader sees a complete package or a checksum mismatch, never a silently mixed one. Introduced in chapter 14.
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
    public static ModelPackageManifest Export(
        string folder,
        SimpleModel model,
        StandardScaler scaler,
        IReadOnlyList<string> featureNames,
        IReadOnlyList<string> labels,
        string? description = null
    )
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(scaler);
        ArgumentNullException.ThrowIfNull(featureNames);
        ArgumentNullException.ThrowIfNull(labels);
        if (!scaler.IsFitted)
            throw new ArgumentException(
                "The scaler is not fitted: fit it on the training features before exporting, so the server scales requests the same way.",
                nameof(scaler)
            );
        var options = model.Options with { HiddenWidths = [.. model.Options.Widths] };
        if (scaler.FeatureCount != options.Inputs)
            throw new ArgumentException(
                $"The scaler was fitted on {scaler.FeatureCount} features but the model takes {options.Inputs}.",
                nameof(scaler)
            );
        if (featureNames.Count != options.Inputs)
            throw new ArgumentException(
                $"{featureNames.Count} feature names were given but the model takes {options.Inputs} features.",
                nameof(featureNames)
            );
        if (labels.Count != options.Outputs)
            throw new ArgumentException(
                $"{labels.Count} labels were given but the model has {options.Outputs} outputs (one label per class logit).",
                nameof(labels)
            );

        folder = Path.GetFullPath(folder);
        Directory.CreateDirectory(folder);
        var weightsPath = Path.Combine(folder, WeightsFileName);
        var state = model.state_dict();
        SafetensorsWriter.Save(
            weightsPath,
            state,
            new Dictionary<string, string> { ["format"] = "pt", ["producer"] = "Workbook.Deployment" }
        );
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
            description
        ).Validate();
        manifest = manifest with { ManifestSha256 = manifest.ContentSha256() };
        AtomicFile.WriteAllText(Path.Combine(folder, ModelPackageManifest.FileName), manifest.ToJson());
        return manifest;
    }

    /// <summary>
    /// Reads and checks <c>manifest.json</c> of the package in <paramref name="folder"/>: its fields, its own checksum
    /// (<see cref="ModelPackageManifest.ManifestSha256"/>), and the weights file's length and SHA-256, without loading any tensor.
    /// </summary>
    /// <exception cref="ModelPackageException">The folder, manifest or weights file is missing; the manifest is not valid
    /// JSON, lacks a field, is inconsistent or was edited after export; or the weights file differs from the one the
    /// manifest describes.</exception>
    public static ModelPackageManifest ReadManifest(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        folder = Path.GetFullPath(folder);
        if (!Directory.Exists(folder))
            throw new ModelPackageException(folder, "the folder does not exist. Export a package with ModelPackage.Export first.");
        var manifestPath = Path.Combine(folder, ModelPackageManifest.FileName);
        if (!File.Exists(manifestPath))
            throw new ModelPackageException(folder, $"{ModelPackageManifest.FileName} is missing (the folder has: {Listing(folder)}).");
        ModelPackageManifest manifest;
        try
        {
            manifest =
                JsonSerializer.Deserialize<ModelPackageManifest>(File.ReadAllBytes(manifestPath), ModelPackageManifest.JsonOptions)
                ?? throw new InvalidDataException("it holds null");
            manifest.Validate();
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or NotSupportedException)
        {
            throw new ModelPackageException(folder, $"{ModelPackageManifest.FileName} is not a valid manifest: {e.Message}", e);
        }
        var content = manifest.ContentSha256();
        if (manifest.ManifestSha256 is null)
            throw new ModelPackageException(
                folder,
                $"{ModelPackageManifest.FileName} has no manifestSha256, the checksum that ModelPackage.Export writes over the other "
                    + "fields; export the package again."
            );
        if (manifest.ManifestSha256 != content)
            throw new ModelPackageException(
                folder,
                $"{ModelPackageManifest.FileName} was changed after export: its fields hash to SHA-256 {content}, "
                    + $"but its manifestSha256 records {manifest.ManifestSha256} "
                    + "(the checksum covers labels, feature scaling, input schema, architecture and the weights' checksum). Export the "
                    + "package again rather than editing its files."
            );
        var weightsPath = Path.Combine(folder, manifest.Weights.File);
        if (!File.Exists(weightsPath))
            throw new ModelPackageException(
                folder,
                $"the weights file {manifest.Weights.File} named in {ModelPackageManifest.FileName} is missing (the "
                    + $"folder has: {Listing(folder)})."
            );
        var (bytes, sha256) = HashFile(weightsPath);
        if (bytes != manifest.Weights.Bytes || sha256 != manifest.Weights.Sha256)
            throw new ModelPackageException(
                folder,
                $"{manifest.Weights.File} has {bytes} bytes and SHA-256 {sha256}, "
                    + $"but {ModelPackageManifest.FileName} records {manifest.Weights.Bytes} bytes and {manifest.Weights.Sha256}: "
                    + "the weights were changed or damaged after export. Export the package again rather than editing its files."
            );
        return manifest;
    }

    /// <summary>
    /// Loads the package in <paramref name="folder"/> as a ready classifier: manifest and checksums verified
    /// (<see cref="ReadManifest"/>); every tensor name and shape in the weights file's header compared with the
    /// architecture before any model memory is allocated; the model built without random initialisation and filled
    /// from the file; eval mode.
    /// </summary>
    /// <exception cref="ModelPackageException">Anything <see cref="ReadManifest"/> rejects, weights whose names or shapes
    /// do not fit the architecture, or a model larger than the memory this process may use.</exception>
    public static TabularClassifier Load(string folder, Device? device = null)
    {
        var manifest = ReadManifest(folder);
        folder = Path.GetFullPath(folder);
        torch.InitializeDeviceType((device ?? CPU).type);
        var options = manifest.Architecture.Options;
        var weightsPath = Path.Combine(folder, manifest.Weights.File);
        SimpleModel? model = null;
        try
        {
            using var checkpoint = SafetensorsCheckpoint.Open(weightsPath);
            using (var shapesOnly = new SimpleModel(options, META, initialize: false))
                RequireSameTensors(shapesOnly, checkpoint);
            var bytes = options.ParameterCount * sizeof(float);
            var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
            if (bytes > available)
                throw new ModelPackageException(
                    folder,
                    $"the architecture {options} in {ModelPackageManifest.FileName} needs "
                        + $"{bytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} bytes for its float32 weights, "
                        + "more than the "
                        + $"{available.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} bytes this process may use."
                );
            model = new SimpleModel(options, initialize: false);
            SafetensorsLoader.LoadInto(model, checkpoint);
        }
        catch (Exception e) when (e is CheckpointMismatchException or SafetensorsException)
        {
            model?.Dispose();
            throw new ModelPackageException(
                folder,
                $"{manifest.Weights.File} does not fit the architecture {options} in {ModelPackageManifest.FileName}: {e.Message}",
                e
            );
        }
        if (device is not null)
            model.to(device);
        model.eval();
        var scaler = StandardScaler.FromStatistics(manifest.FeatureScaling.Mean, manifest.FeatureScaling.Scale);
        return new TabularClassifier(model, scaler, manifest.InputSchema.FeatureNames, manifest.Labels, manifest);
    }

    /// <summary>Compares a model's parameter and buffer shapes (a <c>META</c> model: no memory) with a checkpoint's header.</summary>
    private static void RequireSameTensors(SimpleModel shapes, SafetensorsCheckpoint checkpoint)
    {
        var expected = shapes
            .named_parameters()
            .Select(p => (p.name, p.parameter.shape))
            .Concat(shapes.named_buffers().Select(b => (b.name, b.buffer.shape)))
            .ToDictionary(t => t.name, t => t.shape, StringComparer.Ordinal);
        var missing = expected.Keys.Where(name => !checkpoint.Contains(name)).Order(StringComparer.Ordinal).ToList();
        var unexpected = checkpoint.Names.Where(name => !expected.ContainsKey(name)).Order(StringComparer.Ordinal).ToList();
        var misshaped = expected
            .Where(e => checkpoint.Contains(e.Key) && !checkpoint.Info(e.Key).Shape.SequenceEqual(e.Value))
            .Select(e => new TensorShapeMismatch(e.Key, e.Value, checkpoint.Info(e.Key).Shape))
            .OrderBy(m => m.Name, StringComparer.Ordinal)
            .ToList();
        if (missing.Count > 0 || unexpected.Count > 0 || misshaped.Count > 0)
            throw new CheckpointMismatchException(checkpoint.Path, missing, unexpected, misshaped);
    }

    /// <summary>The versions recorded in a manifest written now.</summary>
    public static ManifestVersions CurrentVersions() =>
        new(
            typeof(ModelPackage).Assembly.GetName().Version?.ToString() ?? "unknown",
            PackageVersions.Of("TorchSharp"),
            PackageVersions.Of("libtorch-cpu-linux-x64"),
            System.Environment.Version.ToString()
        );

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

/// <summary>
/// A model package cannot be loaded: a file is missing, the manifest is invalid, or the weights do not match it. Introduced in chapter 14.
/// </summary>
public sealed class ModelPackageException : Exception
{
    /// <summary>Creates the exception for the package in <paramref name="folder"/>.</summary>
    public ModelPackageException(string folder, string message, Exception? inner = null)
        : base($"Model package {folder}: {message}", inner) => Folder = folder;

    /// <summary>The package folder.</summary>
    public string Folder { get; }
}
