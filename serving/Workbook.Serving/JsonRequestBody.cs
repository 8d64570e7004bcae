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
    /// <summary>
    /// Reads at most <paramref name="maxBytes"/> bytes of the body, within <paramref name="timeout"/> in all. Run before
    /// the request takes a model slot, so a client that sends its body slowly only holds its own connection.
    /// </summary>
    /// <exception cref="RequestProblemException">415 when the content type is not JSON; 413 when the body is larger than
    /// the limit; 408 when it does not arrive within <paramref name="timeout"/> (or arrives slower than Kestrel's minimum
    /// data rate); 400 for an empty or malformed (e.g. badly chunked) body.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (the client left).</exception>
    public static async Task<byte[]> ReadAsync(HttpRequest request, long maxBytes, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentType is { } type && !type.Contains("json", StringComparison.OrdinalIgnoreCase))
            throw new RequestProblemException(
                415,
                "Unsupported media type",
                $"The body must be JSON (Content-Type: application/json); got '{type}'."
            );
        if (request.ContentLength > maxBytes)
            throw TooLarge(request.ContentLength.Value, maxBytes);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, deadline.Token)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > maxBytes)
                    throw TooLarge(null, maxBytes);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(null, maxBytes);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status408RequestTimeout)
        {
            throw SlowBody(buffer.Length, request.ContentLength, timeout, "it arrived slower than the server's minimum data rate");
        }
        catch (BadHttpRequestException e)
        {
            throw new RequestProblemException(e.StatusCode, "Bad request body", $"The request body could not be read: {e.Message}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw SlowBody(buffer.Length, request.ContentLength, timeout, $"it did not arrive within {timeout.TotalMilliseconds:0} ms");
        }
        if (buffer.Length == 0)
            throw new RequestProblemException(400, "Empty request body", "The request has no body; send a JSON object.");
        return buffer.ToArray();
    }

    private static RequestProblemException SlowBody(long received, long? announced, TimeSpan timeout, string why) =>
        new(
            408,
            "Request body too slow",
            "The request body was not received: "
                + $"{why} ({received} of {(announced is { } n ? $"{n} announced" : "an unannounced number of")} bytes came). "
                + $"Send the whole body at once; the server allows {timeout.TotalMilliseconds:0} ms for it (--body-timeout-ms)."
        );

    /// <summary>
    /// Parses <paramref name="body"/>, which must be one JSON object whose property names and strings are all valid
    /// text and whose objects have no repeated property name (with a repeat, parsers disagree on which value wins).
    /// </summary>
    /// <exception cref="RequestProblemException">400 naming the position and the field where the JSON breaks, a string
    /// that is not valid Unicode (invalid UTF-8 bytes, a lone surrogate escape such as <c>"\ud800"</c>), a repeated
    /// property, or saying that the top level is not an object.</exception>
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
        try
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new RequestProblemException(
                    400,
                    "Malformed JSON",
                    $"The body ($) must be a JSON object; got {Describe(document.RootElement.ValueKind)}.",
                    "$"
                );
            RequireValidText(document.RootElement, "");
        }
        catch
        {
            document.Dispose();
            throw;
        }
        return document;
    }

    /// <summary>Reads every property name and string once, so a value that cannot be decoded is a 400 here rather than a 500 wherever it is
    /// first used.</summary>
    private static void RequireValidText(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var names = new HashSet<string>(StringComparer.Ordinal);
                var index = 0;
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException e)
                    {
                        var where = path.Length == 0 ? "$" : path;
                        throw new RequestProblemException(
                            400,
                            "Invalid text in JSON",
                            $"Property {index + 1} of {where} has a name that is not valid text: {TextProblem(e)}.",
                            where
                        );
                    }
                    var child = path.Length == 0 ? name : $"{path}.{name}";
                    if (!names.Add(name))
                        throw new RequestProblemException(
                            400,
                            "Duplicate JSON property",
                            $"{child} appears more than once; send each field once.",
                            child
                        );
                    RequireValidText(property.Value, child);
                    index++;
                }
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                    RequireValidText(item, $"{path}[{i++}]");
                break;
            case JsonValueKind.String:
                try
                {
                    _ = element.GetString();
                }
                catch (InvalidOperationException e)
                {
                    throw new RequestProblemException(400, "Invalid text in JSON", $"{path} is not valid text: {TextProblem(e)}.", path);
                }
                break;
        }
    }

    private static string TextProblem(InvalidOperationException e) =>
        e.Message.Contains("surrogate", StringComparison.OrdinalIgnoreCase)
            ? "it has a lone surrogate escape (a \\uD800–\\uDFFF code without its pair), which is not a Unicode character"
            : "it has bytes that are not valid UTF-8; send the body encoded as UTF-8";

    /// <summary>"a string", "an array", … for messages.</summary>
    public static string Describe(JsonValueKind kind) =>
        kind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            JsonValueKind.Null => "null",
            _ => "nothing",
        };

    private static RequestProblemException TooLarge(long? length, long maxBytes) =>
        new(
            413,
            "Request body too large",
            (length is { } n ? $"The body has {n} bytes, more than" : "The body is larger than")
                + $" the limit of {maxBytes} bytes; send fewer rows per request (or start the server with a larger --max-body-bytes)."
        );

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
        var rest = Encoding
            .UTF8.GetString(body, (int)failedAt, (int)Math.Min(body.Length - failedAt, 40))
            .TrimStart(' ', '\t', '\r', '\n', ',', ':');
        var position =
            original.LineNumber is { } line && original.BytePositionInLine is { } column ? $" (line {line + 1}, byte {column + 1})" : "";
        if (
            rest.StartsWith("NaN", StringComparison.Ordinal)
            || rest.StartsWith("Infinity", StringComparison.Ordinal)
            || rest.StartsWith("-Infinity", StringComparison.Ordinal)
        )
            return new RequestProblemException(
                400,
                "Malformed JSON",
                $"{field} is {rest.Split(',', ']', '}', ' ')[0]}, which is not a JSON number{position}: "
                    + "features must be finite numbers (Python's json.dumps writes NaN unless allow_nan=False).",
                field
            );
        return new RequestProblemException(
            400,
            "Malformed JSON",
            $"The body is not valid JSON at {field}{position}: {original.Message.Split(" Path:")[0].Split(" LineNumber:")[0]}",
            field
        );
    }

    private static void CountValue(List<(bool IsArray, int Count, string? Property)> path)
    {
        if (path.Count > 0 && path[^1].IsArray)
            path[^1] = path[^1] with { Count = path[^1].Count + 1 };
    }

    private static string Render(List<(bool IsArray, int Count, string? Property)> path)
    {
        var text = new StringBuilder();
        foreach (var (isArray, count, property) in path)
        {
            if (isArray)
                text.Append('[').Append(count).Append(']');
            else if (property is not null)
                text.Append(text.Length == 0 ? "" : ".").Append(property);
        }
        return text.Length == 0 ? "$" : text.ToString();
    }
}
