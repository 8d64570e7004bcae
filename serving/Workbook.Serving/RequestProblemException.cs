namespace Workbook.Serving;

/// <summary>
/// A request the server refuses, with everything its RFC 7807 problem body needs: the status, a short title, a
/// detail sentence and the field at fault (a JSON path such as <c>features[3]</c>), when there is one.
/// </summary>
public sealed class RequestProblemException(int status, string title, string detail, string? field = null) : Exception(detail)
{
    /// <summary>HTTP status code.</summary>
    public int Status { get; } = status;

    /// <summary>Short, fixed summary of the problem type.</summary>
    public string Title { get; } = title;

    /// <summary>What is wrong with this request, in words a client developer can act on.</summary>
    public string Detail { get; } = detail;

    /// <summary>The JSON path of the offending field, e.g. <c>features[3]</c>; null when the problem is not one field's.</summary>
    public string? Field { get; } = field;

    /// <summary>Seconds after which a retry may succeed (sent as <c>Retry-After</c>); null when retrying will not help.</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>400: the field <paramref name="field"/> is invalid.</summary>
    public static RequestProblemException InvalidField(string field, string detail) => new(400, "Invalid request field", detail, field);
}
