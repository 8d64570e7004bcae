using System.Text.Json;
using System.Text.Json.Serialization;
using Workbook.Models;

namespace Workbook.Deployment;

/// <summary>
/// The <c>manifest.json</c> of a model package: everything a server needs besides the weights to turn a request into
/// the same prediction the notebook made — the architecture to rebuild, the input columns in order, the feature
/// scaling fitted on the training data, the class labels, the versions that wrote it and the SHA-256 of the weights.
/// <see cref="ManifestSha256"/> covers the manifest itself, so an edited label or scaler is refused instead of silently
/// changing every prediction.
/// Introduced with chapter 14.
/// </summary>
/// <param name="FormatVersion">The manifest format; this library reads and writes <see cref="CurrentFormatVersion"/>.</param>
/// <param name="Kind">What the package holds; <see cref="TabularClassifierKind"/> for now.</param>
/// <param name="Architecture">The network to rebuild before loading the weights.</param>
/// <param name="InputSchema">The feature columns a request must send, in order.</param>
/// <param name="FeatureScaling">The standardisation applied to every row before the model sees it.</param>
/// <param name="Labels">Class names, one per model output, in output order.</param>
/// <param name="Weights">The weights file and its checksum.</param>
/// <param name="Versions">Library and TorchSharp versions that exported the package.</param>
/// <param name="CreatedAt">When the package was exported (UTC).</param>
/// <param name="Description">Free text: data set, metrics, who trained it.</param>
/// <param name="ManifestSha256">SHA-256 of every other field (<see cref="ContentSha256"/>), written by
/// <c>ModelPackage.Export</c>; null only while the manifest is being built.</param>
public sealed record ModelPackageManifest(
    int FormatVersion,
    string Kind,
    ManifestArchitecture Architecture,
    ManifestInputSchema InputSchema,
    ManifestFeatureScaling FeatureScaling,
    IReadOnlyList<string> Labels,
    ManifestWeightsFile Weights,
    ManifestVersions Versions,
    DateTimeOffset CreatedAt,
    string? Description = null,
    string? ManifestSha256 = null
)
{
    /// <summary>The manifest format this library writes and reads.</summary>
    /// <remarks>Format 2 added <see cref="ManifestSha256"/>.</remarks>
    public const int CurrentFormatVersion = 2;

    /// <summary>The <see cref="Kind"/> of a tabular classifier package.</summary>
    public const string TabularClassifierKind = "tabular-classifier";

    /// <summary>The manifest's file name inside a package folder.</summary>
    public const string FileName = "manifest.json";

    /// <summary>How manifests are written and read: camelCase names, enums as names, indented; required fields must be present.</summary>
    public static JsonSerializerOptions JsonOptions { get; } =
        new(JsonSerializerDefaults.Web)
        {
            WriteIndented = true,
            Converters = { new JsonStringEnumConverter() },
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
        };

    private static readonly JsonSerializerOptions CanonicalOptions = new(JsonOptions) { WriteIndented = false };

    /// <summary>The manifest as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>
    /// SHA-256 (lowercase hex) of the manifest's content without <see cref="ManifestSha256"/>: the compact JSON this
    /// library writes for the values read. It depends on the values, not on the file's spacing, so it changes exactly
    /// when a field that matters changes — a label, a mean, a scale, a width, the weights' checksum.
    /// </summary>
    public string ContentSha256() =>
        Convert.ToHexStringLower(
            System.Security.Cryptography.SHA256.HashData(
                JsonSerializer.SerializeToUtf8Bytes(this with { ManifestSha256 = null }, CanonicalOptions)
            )
        );

    /// <summary>
    /// Checks that the parts agree with each other (feature count = names = scaling = model inputs; labels = outputs;
    /// finite statistics) and throws naming the first field that does not.
    /// </summary>
    /// <exception cref="InvalidDataException">A field is out of range or disagrees with another; the message names both.</exception>
    public ModelPackageManifest Validate()
    {
        if (FormatVersion != CurrentFormatVersion)
            throw new InvalidDataException(
                $"formatVersion is {FormatVersion}, but this library reads format {CurrentFormatVersion}; "
                    + "export the package again with this version of the workbook."
            );
        if (Kind != TabularClassifierKind)
            throw new InvalidDataException($"kind is '{Kind}', but only '{TabularClassifierKind}' packages can be loaded.");
        if (Architecture.Model != nameof(SimpleModel))
            throw new InvalidDataException(
                $"architecture.model is '{Architecture.Model}', but only '{nameof(SimpleModel)}' can be rebuilt."
            );
        try
        {
            Architecture.Options.Validate();
        }
        catch (ArgumentException e)
        {
            // One line naming the JSON field: the exception's own message adds "(Parameter 'X')" and "Actual value was" lines.
            var field = e.ParamName is { Length: > 0 } name
                ? $"architecture.options.{JsonNamingPolicy.CamelCase.ConvertName(name)}"
                : "architecture.options";
            var reason = e.Message.Split(" (Parameter '")[0].Split('\n')[0];
            throw new InvalidDataException($"{field} is invalid: {reason}", e);
        }
        var inputs = Architecture.Options.Inputs;
        if (InputSchema.FeatureCount != inputs)
            throw new InvalidDataException(
                $"inputSchema.featureCount is {InputSchema.FeatureCount} but architecture.options.inputs is {inputs}."
            );
        if (InputSchema.FeatureNames.Count != inputs)
            throw new InvalidDataException(
                $"inputSchema.featureNames has {InputSchema.FeatureNames.Count} names but the model takes {inputs} features."
            );
        RequireNames(InputSchema.FeatureNames, "inputSchema.featureNames");
        if (FeatureScaling.Method != ManifestFeatureScaling.StandardMethod)
            throw new InvalidDataException(
                $"featureScaling.method is '{FeatureScaling.Method}', but only '{ManifestFeatureScaling.StandardMethod}' is supported."
            );
        if (FeatureScaling.Mean.Count != inputs || FeatureScaling.Scale.Count != inputs)
            throw new InvalidDataException(
                $"featureScaling has {FeatureScaling.Mean.Count} means and {FeatureScaling.Scale.Count} scales, "
                    + $"but the model takes {inputs} features."
            );
        for (var j = 0; j < inputs; j++)
        {
            if (!double.IsFinite(FeatureScaling.Mean[j]))
                throw new InvalidDataException($"featureScaling.mean[{j}] ({InputSchema.FeatureNames[j]}) is not a finite number.");
            if (!(FeatureScaling.Scale[j] > 0) || !double.IsFinite(FeatureScaling.Scale[j]))
                throw new InvalidDataException(
                    $"featureScaling.scale[{j}] ({InputSchema.FeatureNames[j]}) is {FeatureScaling.Scale[j]}; "
                        + "it must be a finite number above 0."
                );
        }
        if (Labels.Count != Architecture.Options.Outputs)
            throw new InvalidDataException(
                $"labels has {Labels.Count} entries but the model has {Architecture.Options.Outputs} outputs (one label per output)."
            );
        RequireNames(Labels, "labels");
        if (Labels.Count < 2)
            throw new InvalidDataException("A classifier package needs at least two labels (one per class logit).");
        if (Labels.Distinct(StringComparer.Ordinal).Count() != Labels.Count)
            throw new InvalidDataException($"labels must be distinct; got {string.Join(", ", Labels)}.");
        if (string.IsNullOrWhiteSpace(Weights.File) || Weights.File != Path.GetFileName(Weights.File))
            throw new InvalidDataException($"weights.file must be a plain file name inside the package folder; got '{Weights.File}'.");
        if (Weights.Sha256.Length != 64 || !Weights.Sha256.All(char.IsAsciiHexDigitLower))
            throw new InvalidDataException($"weights.sha256 must be 64 lowercase hex digits; got '{Weights.Sha256}'.");
        if (Weights.Bytes <= 0)
            throw new InvalidDataException($"weights.bytes is {Weights.Bytes}; a weights file has at least one byte.");
        return this;
    }

    private static void RequireNames(IReadOnlyList<string> names, string field)
    {
        for (var i = 0; i < names.Count; i++)
            if (string.IsNullOrWhiteSpace(names[i]))
                throw new InvalidDataException(
                    $"{field}[{i}] is {(names[i] is null ? "null" : "empty")}; every entry must be a non-empty name."
                );
    }
}

/// <summary>The columns a request sends, in the order the model expects them. Introduced with chapter 14.</summary>
/// <param name="FeatureCount">How many numbers one row has.</param>
/// <param name="FeatureNames">The name of each, in order.</param>
public sealed record ManifestInputSchema(int FeatureCount, IReadOnlyList<string> FeatureNames);

/// <summary>The network a package's weights belong to. Introduced with chapter 14.</summary>
/// <param name="Model">The class to build; <c>SimpleModel</c>.</param>
/// <param name="Options">Its constructor options (inputs, hidden widths, outputs, dropout, normalization, activation).</param>
public sealed record ManifestArchitecture(string Model, SimpleModelOptions Options);

/// <summary>What wrote the package, for reproducing and debugging it. Introduced with chapter 14.</summary>
/// <param name="Workbook">Version of this library.</param>
/// <param name="TorchSharp">The TorchSharp package version.</param>
/// <param name="LibTorch">The libtorch version it pairs with.</param>
/// <param name="DotNet">The .NET runtime version.</param>
public sealed record ManifestVersions(string Workbook, string TorchSharp, string LibTorch, string DotNet);

/// <summary>The weights file of a package. Introduced with chapter 14.</summary>
/// <param name="File">File name inside the package folder (<c>model.safetensors</c>).</param>
/// <param name="Format">"safetensors".</param>
/// <param name="Bytes">File length.</param>
/// <param name="Sha256">SHA-256 of the whole file, lowercase hex.</param>
public sealed record ManifestWeightsFile(string File, string Format, long Bytes, string Sha256);

/// <summary>Standardisation fitted on the training split: x → (x − mean) / scale, per feature. Introduced with chapter 14.</summary>
/// <param name="Method">"standard" (scikit-learn's <c>StandardScaler</c>).</param>
/// <param name="Mean">Per-feature mean.</param>
/// <param name="Scale">Per-feature divisor (standard deviation, or 1 for a constant feature).</param>
public sealed record ManifestFeatureScaling(string Method, IReadOnlyList<double> Mean, IReadOnlyList<double> Scale)
{
    /// <summary>The only method so far.</summary>
    public const string StandardMethod = "standard";
}
