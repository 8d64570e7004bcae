using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Workbook.IO;

/// <summary>
/// A configuration file in Hugging Face's JSON layout (<c>config.json</c>, <c>preprocessor_config.json</c>,
/// <c>adapter_config.json</c>): a record whose properties carry <see cref="JsonPropertyNameAttribute"/>, read by
/// <see cref="JsonConfig"/> and then checked by <see cref="Validate"/>. Introduced with GPT-2 in chapter 10.
/// </summary>
/// <typeparam name="TSelf">The config record itself.</typeparam>
public interface IJsonConfig<TSelf>
    where TSelf : class, IJsonConfig<TSelf>
{
    /// <summary>The file's name inside a model folder, used when a folder is given instead of a file.</summary>
    static abstract string FileName { get; }

    /// <summary>
    /// Runs on the raw JSON before the typed read: refuses what the implementation does not support (another
    /// <c>model_type</c>, an option it lacks) and rewrites what older files spell differently. Throw
    /// <see cref="InvalidDataException"/> naming <paramref name="source"/> and the field.
    /// </summary>
    static virtual void Prepare(JsonObject root, string source) { }

    /// <summary>Checks the values fit together; returns the config. The message names <paramref name="source"/> and the field.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    TSelf Validate(string source);
}

/// <summary>
/// The one way the library reads and writes Hugging Face JSON configs: at most <see cref="MaxBytes"/> read, System.Text.Json
/// with the names the record declares, missing <see cref="JsonRequiredAttribute"/> fields and wrong types reported as
/// "<c>{file}: field '{name}' must be an integer, found "big"</c>", then <see cref="IJsonConfig{TSelf}.Validate"/>;
/// written indented and atomically. Introduced with GPT-2 in chapter 10.
/// </summary>
public static class JsonConfig
{
    /// <summary>The largest config file read (1 MiB): a real one is a few kilobytes.</summary>
    public const long MaxBytes = 1 << 20;

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.Strict,
        AllowTrailingCommas = false,
        ReadCommentHandling = JsonCommentHandling.Disallow,
    };

    /// <summary>Reads and validates a config (a path to the file, or to the folder that holds
    /// <see cref="IJsonConfig{TSelf}.FileName"/>).</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Too large, not JSON, a required field missing or a field of the wrong type; the message names
    /// the file and the field.</exception>
    /// <exception cref="ArgumentException">The values do not fit together (see <see cref="IJsonConfig{TSelf}.Validate"/>); the message
    /// names the file.</exception>
    public static T FromFile<T>(string path)
        where T : class, IJsonConfig<T>
    {
        var (file, text) = ReadText(path, T.FileName);
        return FromJson<T>(text, file);
    }

    /// <summary>
    /// The text of a config file of at most <see cref="MaxBytes"/> (a path to the file, or to the folder that holds
    /// <paramref name="fileName"/>), with the path read: for formats that need their own reader, such as PEFT's
    /// <c>adapter_config.json</c>, whose <c>target_modules</c> is a list or a regular expression.
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">The file is larger than <see cref="MaxBytes"/>.</exception>
    public static (string Path, string Text) ReadText(string path, string fileName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        if (Directory.Exists(path))
            path = Path.Combine(path, fileName);
        if (!File.Exists(path))
            throw new FileNotFoundException($"No {fileName} at '{path}'.", path);
        var length = new FileInfo(path).Length;
        if (length > MaxBytes)
            throw new InvalidDataException($"{path}: {length:N0} bytes is too large for a {fileName} (limit {MaxBytes:N0}).");
        return (path, File.ReadAllText(path));
    }

    /// <summary>Parses and validates the text of a config; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">As for <see cref="FromFile{T}"/>.</exception>
    /// <exception cref="ArgumentException">As for <see cref="FromFile{T}"/>.</exception>
    public static T FromJson<T>(string json, string source)
        where T : class, IJsonConfig<T>
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentException.ThrowIfNullOrEmpty(source);
        if (json.Length > MaxBytes)
            throw new InvalidDataException($"{source}: {json.Length:N0} characters is too large for a {T.FileName} (limit {MaxBytes:N0}).");
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"{source}: expected a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON ({e.Message}).", e);
        }
        T.Prepare(root, source);
        var properties = JsonProperties(typeof(T));
        foreach (var (name, property) in properties)
            if (property.IsDefined(typeof(JsonRequiredAttribute)) && root[name] is null)
                throw new InvalidDataException($"{source}: field '{name}' is missing.");
        T config;
        try
        {
            config = root.Deserialize<T>(Options) ?? throw new InvalidDataException($"{source}: expected a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException(Describe(e, root, properties, source), e);
        }
        return config.Validate(source);
    }

    /// <summary>The config as indented JSON text, properties in the order the record declares them, ending in a newline.</summary>
    public static string ToJson<T>(T config)
        where T : class, IJsonConfig<T>
    {
        ArgumentNullException.ThrowIfNull(config);
        return JsonSerializer.Serialize(config, Options) + "\n";
    }

    /// <summary>Writes <see cref="ToJson{T}"/> to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    public static void Save<T>(T config, string path)
        where T : class, IJsonConfig<T>
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.WriteAllText(path, ToJson(config));
    }

    /// <summary>The JSON names of the properties a record declares, with the property.</summary>
    private static Dictionary<string, PropertyInfo> JsonProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
            .Select(p => (Name: p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name, Property: p))
            .Where(p => p.Name is not null)
            .ToDictionary(p => p.Name!, p => p.Property);

    /// <summary>"field 'n_embd' must be an integer, found "big"" from System.Text.Json's path (<c>$.conv_dim[1]</c>) and the raw
    /// value.</summary>
    private static string Describe(JsonException e, JsonObject root, Dictionary<string, PropertyInfo> properties, string source)
    {
        var path = e.Path ?? "$";
        if (!path.StartsWith("$.", StringComparison.Ordinal))
            return $"{source}: {e.Message}";
        var rest = path[2..];
        var bracket = rest.IndexOf('[', StringComparison.Ordinal);
        var field = bracket < 0 ? rest : rest[..bracket];
        int? entry = bracket >= 0 && int.TryParse(rest[(bracket + 1)..rest.IndexOf(']', bracket)], out var i) ? i : null;
        if (!properties.TryGetValue(field, out var property))
            return $"{source}: field '{field}': {e.Message}";
        var type = property.PropertyType;
        var node = root[field];
        if (entry is { } index && node is JsonArray array && index < array.Count)
            return $"{source}: field '{field}' entry {index} must be {Expected(ElementType(type))}, "
                + $"found {array[index]?.ToJsonString() ?? "null"}.";
        return $"{source}: field '{field}' must be {Expected(type)}, found {node?.ToJsonString() ?? "null"}.";
    }

    private static Type ElementType(Type type) =>
        type.IsArray ? type.GetElementType()!
        : type.IsGenericType ? type.GetGenericArguments()[0]
        : typeof(object);

    private static string Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(int) || type == typeof(long))
            return "an integer";
        if (type == typeof(double) || type == typeof(float))
            return "a number";
        if (type == typeof(bool))
            return "true or false";
        if (type == typeof(string))
            return "a string";
        if (type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type))
        {
            var element = ElementType(type);
            return element == typeof(int) || element == typeof(long) ? "an array of integers"
                : element == typeof(string) ? "an array of strings"
                : element == typeof(double) || element == typeof(float) ? "an array of numbers"
                : "an array";
        }
        return "an object";
    }
}
