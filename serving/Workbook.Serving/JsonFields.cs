using System.Text.Json;

namespace Workbook.Serving;

/// <summary>Typed reads of a request object's fields; each failure is a 400 naming the field and what was expected.</summary>
public static class JsonFields
{
    /// <summary>Refuses properties outside <paramref name="allowed"/> (a misspelt field would otherwise be silently ignored).</summary>
    public static void RequireOnly(JsonElement body, IReadOnlyCollection<string> allowed)
    {
        foreach (var property in body.EnumerateObject())
            if (!allowed.Contains(property.Name))
                throw RequestProblemException.InvalidField(
                    property.Name,
                    $"Unknown field '{property.Name}'. Allowed fields: {string.Join(", ", allowed)}."
                );
    }

    /// <summary>A finite number at <paramref name="field"/>.</summary>
    public static double FiniteNumber(JsonElement value, string field)
    {
        if (value.ValueKind != JsonValueKind.Number)
            throw RequestProblemException.InvalidField(
                field,
                $"{field} must be a number; got {JsonRequestBody.Describe(value.ValueKind)}."
            );
        if (!value.TryGetDouble(out var number) || !double.IsFinite(number))
            throw RequestProblemException.InvalidField(field, $"{field} is {value.GetRawText()}, outside the range of a finite double.");
        return number;
    }

    /// <summary>An optional number within [<paramref name="min"/>, <paramref name="max"/>] (with open ends when asked);
    /// <paramref name="hint"/> is added to the refusal.</summary>
    public static double Number(
        JsonElement body,
        string field,
        double fallback,
        double min,
        double max,
        bool minExclusive = false,
        string hint = ""
    )
    {
        if (!body.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
            return fallback;
        var number = FiniteNumber(value, field);
        if (number < min || number > max || (minExclusive && number == min))
            throw RequestProblemException.InvalidField(
                field,
                $"{field} must be {(minExclusive ? "above" : "at least")} {min} and at most {max}; got {number}.{hint}"
            );
        return number;
    }

    /// <summary>An optional whole number within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static long Integer(JsonElement body, string field, long fallback, long min, long max)
    {
        if (!body.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
            return fallback;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
            throw RequestProblemException.InvalidField(
                field,
                $"{field} must be a whole number; "
                    + $"got {(value.ValueKind == JsonValueKind.Number ? value.GetRawText() : JsonRequestBody.Describe(value.ValueKind))}."
            );
        if (number < min || number > max)
            throw RequestProblemException.InvalidField(field, $"{field} must be between {min} and {max}; got {number}.");
        return number;
    }

    /// <summary>An optional boolean.</summary>
    public static bool Boolean(JsonElement body, string field, bool fallback)
    {
        if (!body.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
            return fallback;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw RequestProblemException.InvalidField(
                field,
                $"{field} must be true or false; got {JsonRequestBody.Describe(value.ValueKind)}."
            ),
        };
    }
}
