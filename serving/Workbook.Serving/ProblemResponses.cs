using System.Text.Json;
using System.Text.Json.Serialization;

namespace Workbook.Serving;

/// <summary>Writes RFC 7807 (<c>application/problem+json</c>) bodies: type, title, status, detail, instance, and for a field error
/// <c>errors: {field: [message]}</c>.</summary>
public static class ProblemResponses
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The problem body for <paramref name="problem"/> at <paramref name="instance"/>.</summary>
    public static ProblemBody Body(RequestProblemException problem, string instance)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return new ProblemBody(
            TypeFor(problem.Status),
            problem.Title,
            problem.Status,
            problem.Detail,
            instance,
            problem.Field is null ? null : new Dictionary<string, string[]> { [problem.Field] = [problem.Detail] }
        );
    }

    /// <summary>Writes the problem as the response (unless the response has already started, when nothing can be written).</summary>
    public static async Task WriteAsync(HttpContext context, RequestProblemException problem)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Response.HasStarted)
            return;
        context.Response.StatusCode = problem.Status;
        if (problem.RetryAfterSeconds is { } seconds)
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.ContentType = "application/problem+json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(Body(problem, context.Request.Path), Json), context.RequestAborted);
    }

    /// <summary>The problem as a minimal-API result.</summary>
    public static IResult Result(RequestProblemException problem, HttpContext context) =>
        Results.Json(Body(problem, context.Request.Path), Json, "application/problem+json", problem.Status);

    private static string TypeFor(int status) =>
        status switch
        {
            400 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.1",
            404 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.5",
            405 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.6",
            408 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.9",
            413 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.14",
            415 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.16",
            429 => "https://www.rfc-editor.org/rfc/rfc6585#section-4",
            500 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.6.1",
            503 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.6.4",
            504 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.6.5",
            _ => "about:blank",
        };
}
