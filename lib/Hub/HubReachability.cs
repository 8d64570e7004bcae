namespace Workbook.Hub;

/// <summary>Whether the hub answered, with one line for a notebook to print before it falls back to local files.</summary>
/// <param name="IsReachable">True when the hub answered an HTTP request (with any status).</param>
/// <param name="Endpoint">The address that was tried.</param>
/// <param name="Message">One line: that the hub answered, or why it could not be reached and what to do.</param>
public sealed record HubReachability(bool IsReachable, string Endpoint, string Message)
{
    /// <inheritdoc />
    public override string ToString() => Message;
}
