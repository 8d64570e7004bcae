using System.Runtime.CompilerServices;
using System.Text;

namespace Workbook.Deployment;

/// <summary>
/// Reads a <c>text/event-stream</c> response as it arrives (the WHATWG format: <c>event:</c> and <c>data:</c> fields,
/// an empty line ends an event, lines starting with ':' are comments), so a client can show streamed tokens at once.
/// Introduced in chapter 14.
/// </summary>
public static class ServerSentEventReader
{
    /// <summary>Yields each event as soon as its terminating empty line has arrived.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    public static async IAsyncEnumerable<ServerSentEvent> ReadAsync(
        Stream stream,
        [EnumeratorCancellation] CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        string? type = null;
        var data = new StringBuilder();
        var hasData = false;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                if (hasData)
                    yield return new ServerSentEvent(type ?? "message", data.ToString());
                (type, hasData) = (null, false);
                data.Clear();
                continue;
            }
            if (line[0] == ':')
                continue;
            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..];
            if (value.StartsWith(' '))
                value = value[1..];
            switch (field)
            {
                case "event":
                    type = value;
                    break;
                case "data":
                    if (hasData)
                        data.Append('\n');
                    data.Append(value);
                    hasData = true;
                    break;
            }
        }
        // An event without its terminating empty line is incomplete (the connection broke): dropped, as the standard says.
    }
}

/// <summary>One server-sent event: its type (the <c>event:</c> field, "message" when absent) and its data lines joined by newlines.
/// Introduced with chapter 14.</summary>
/// <param name="Event">The event type.</param>
/// <param name="Data">The data.</param>
public sealed record ServerSentEvent(string Event, string Data);
