using System.Text.Json;

namespace Workbook.IO;

/// <summary>
/// How the shipped models' <c>provenance.json</c> files are written and read: indented JSON with snake_case names (the
/// Hugging Face folders' own style), non-ASCII text kept readable, and a clear error for a file that is not the expected record.
/// <see cref="LanguageModels.SmallGptProvenance"/> and <see cref="Encoders.SmallBertProvenance"/> use it. Introduced in
/// chapter 09.
/// </summary>
public static class ProvenanceJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The record as indented snake_case JSON, ending in a newline.</summary>
    public static string Serialize<T>(T record)
        where T : class => JsonSerializer.Serialize(record ?? throw new ArgumentNullException(nameof(record)), Options) + "\n";

    /// <summary>Reads a <c>provenance.json</c>: the file, or the model folder holding it.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">The file is larger than <see cref="JsonConfig.MaxBytes"/> or not a <typeparamref name="T"/>;
    /// the message names the file.</exception>
    public static T Load<T>(string path)
        where T : class
    {
        (path, var text) = JsonConfig.ReadText(path, "provenance.json"); // size-capped, like every JSON file the library reads
        try
        {
            return JsonSerializer.Deserialize<T>(text, Options)
                ?? throw new InvalidDataException($"{path} holds null, not a provenance record.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a provenance record: {e.Message}", e);
        }
    }
}
