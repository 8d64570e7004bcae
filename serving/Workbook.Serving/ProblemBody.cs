namespace Workbook.Serving;

/// <summary>An RFC 7807 problem body.</summary>
/// <param name="Type">A URI identifying the problem type.</param>
/// <param name="Title">Short summary of the type.</param>
/// <param name="Status">HTTP status.</param>
/// <param name="Detail">This occurrence, explained.</param>
/// <param name="Instance">The request path.</param>
/// <param name="Errors">Field → messages, when a field is at fault (the ASP.NET Core validation-problem convention).</param>
public sealed record ProblemBody(
    string Type,
    string Title,
    int Status,
    string Detail,
    string Instance,
    IReadOnlyDictionary<string, string[]>? Errors
);
