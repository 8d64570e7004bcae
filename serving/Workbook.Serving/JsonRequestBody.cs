using System.Text;
using System.Text.Json;

namespace Workbook.Serving;

/// <summary>
/// Reads a request body under a size limit and parses it as JSON. When parsing fails it says where: the JSON path of
/// the value being read (e.g. <c>features[3]</c>) and, for the bare <c>NaN</c> / <c>Infinity</c> that Python's
/// <c>json.dumps</c> writes by default, that these are not JSON numbers.
/// </summary>
public static class JsonRequestBody
{
    /// <summary>Reads at most <paramref name="maxBytes"/> bytes of the body.</summary>
    /// <exception cref="RequestProblemException">415 when the content type is not JSON; 413 when the body is larger than the limit.</exception>
    public static async Task<byte[]> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentType is { } type && !type.Contains("json", StringComparison.OrdinalIgnoreCase))
            throw new RequestProblemException(415, "Unsupported media type", $"The body must be JSON (Content-Type: application/json); got '{type}'.");
        if (request.ContentLength > maxBytes) throw TooLarge(request.ContentLength.Value, maxBytes);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > maxBytes) throw TooLarge(null, maxBytes);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(null, maxBytes);
        }
        if (buffer.Length == 0) throw new RequestProblemException(400, "Empty request body", "The request has no body; send a JSON object.");
        return buffer.ToArray();
    }

    /// <summary>Parses <paramref name="body"/>, which must be one JSON object.</summary>
    /// <exception cref="RequestProblemException">400 naming the position and the field where the JSON breaks, or saying that the top level is not an object.</exception>
    public static JsonDocument ParseObject(byte[] body)
    {
        ArgumentNullException.ThrowIfNull(body);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw Malformed(body, e);
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = document.RootElement.ValueKind;
            document.Dispose();
            throw new RequestProblemException(400, "Malformed JSON", $"The body ($) must be a JSON object; got {Describe(kind)}.", "$");
        }
        return document;
    }

    /// <summary>"a string", "an array", … for messages.</summary>
    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static RequestProblemException TooLarge(long? length, long maxBytes) => new(413, "Request body too large",
        (length is { } n ? $"The body has {n} bytes, more than" : "The body is larger than") +
        $" the limit of {maxBytes} bytes; send fewer rows per request (or start the server with a larger --max-body-bytes).");

    /// <summary>Re-reads the body token by token to find the JSON path and position where parsing fails.</summary>
    private static RequestProblemException Malformed(byte[] body, JsonException original)
    {
        var path = new List<(bool IsArray, int Count, string? Property)>();
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 16 });
        long failedAt = 0;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        path[^1] = path[^1] with { Property = reader.GetString() };
                        break;
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        path.Add((reader.TokenType == JsonTokenType.StartArray, 0, null));
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        path.RemoveAt(path.Count - 1);
                        CountValue(path);
                        break;
                    default:
                        CountValue(path);
                        break;
                }
            }
        }
        catch (JsonException)
        {
            failedAt = reader.BytesConsumed;
        }
        var field = Render(path);
        var rest = Encoding.UTF8.GetString(body, (int)failedAt, (int)Math.Min(body.Length - failedAt, 40)).TrimStart(' ', '\t', '\r', '\n', ',', ':');
        var position = original.LineNumber is { } line && original.BytePositionInLine is { } column ? $" (line {line + 1}, byte {column + 1})" : "";
        if (rest.StartsWith("NaN", StringComparison.Ordinal) || rest.StartsWith("Infinity", StringComparison.Ordinal) || rest.StartsWith("-Infinity", StringComparison.Ordinal))
            return new RequestProblemException(400, "Malformed JSON",
                $"{field} is {rest.Split(',', ']', '}', ' ')[0]}, which is not a JSON number{position}: features must be finite numbers (Python's json.dumps writes NaN unless allow_nan=False).",
                field);
        return new RequestProblemException(400, "Malformed JSON",
            $"The body is not valid JSON at {field}{position}: {original.Message.Split(" Path:")[0].Split(" LineNumber:")[0]}", field);
    }

    private static void CountValue(List<(bool IsArray, int Count, string? Property)> path)
    {
        if (path.Count > 0 && path[^1].IsArray) path[^1] = path[^1] with { Count = path[^1].Count + 1 };
    }

    private static string Render(List<(bool IsArray, int Count, string? Property)> path)
    {
        var text = new StringBuilder();
        foreach (var (isArray, count, property) in path)
        {
            if (isArray) text.Append('[').Append(count).Append(']');
            else if (property is not null) text.Append(text.Length == 0 ? "" : ".").Append(property);
        }
        return text.Length == 0 ? "$" : text.ToString();
    }
}
