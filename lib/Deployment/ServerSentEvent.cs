namespace Workbook.Deployment;

/// <summary>One server-sent event: its type (the <c>event:</c> field, "message" when absent) and its data lines joined by newlines.</summary>
/// <param name="Event">The event type.</param>
/// <param name="Data">The data.</param>
public sealed record ServerSentEvent(string Event, string Data);
