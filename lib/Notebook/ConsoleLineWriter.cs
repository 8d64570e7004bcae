using System.Text;

namespace Workbook.Notebook;

/// <summary>
/// The console of a chapter run as an app (introduced with the apps of chapter 00): a writer in front of the real
/// standard output that lets one displayed value own the last line and change it in place, as a notebook updates an
/// output. A progress bar is redrawn on its line with <c>\r</c>; text that only grows (streamed tokens) gets just
/// its new characters; any other output first ends that line, so nothing is written over, and a block of several
/// lines is set off from what follows by a blank line.
/// </summary>
/// <remarks>Thread-safe: a chapter may write from a callback (a download's progress, a server's log) while it computes.</remarks>
public sealed class ConsoleLineWriter(TextWriter inner) : TextWriter
{
    private readonly TextWriter _inner = inner ?? throw new ArgumentNullException(nameof(inner));
    private readonly Lock _gate = new();
    private object? _owner;
    private string _shown = "";

    /// <inheritdoc />
    public override Encoding Encoding => _inner.Encoding;

    /// <summary>
    /// Shows <paramref name="text"/> as <paramref name="owner"/>'s output. If <paramref name="owner"/> wrote last, its
    /// output changes in place: only the added characters when the new text extends the old, else the line is
    /// redrawn when old and new are one line each; otherwise the text starts on a fresh line.
    /// </summary>
    public void Show(object owner, string text)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(text);
        lock (_gate)
        {
            if (ReferenceEquals(owner, _owner) && text.StartsWith(_shown, StringComparison.Ordinal))
                _inner.Write(text.AsSpan(_shown.Length));
            else if (ReferenceEquals(owner, _owner) && !_shown.Contains('\n') && !text.Contains('\n'))
                // Spaces blank out what a shorter line would leave of the longer one.
                _inner.Write("\r" + text + new string(' ', Math.Max(0, _shown.Length - text.Length)));
            else
            {
                EndOwnedLine();
                _inner.Write(text);
            }
            _owner = owner;
            _shown = text;
            _inner.Flush();
        }
    }

    /// <summary>Ends the line a displayed value owns, if any, so that what follows starts on its own line.</summary>
    public void EndLine()
    {
        lock (_gate)
            EndOwnedLine();
    }

    private void EndOwnedLine()
    {
        if (_owner is null)
            return;
        if (!_shown.EndsWith('\n'))
            _inner.Write('\n');
        // A block of several lines (a table, a chart's path) is followed by a blank line, as notebook outputs stand apart.
        if (_shown.TrimEnd('\n').Contains('\n'))
            _inner.Write('\n');
        _owner = null;
        _shown = "";
    }

    /// <inheritdoc />
    public override void Write(char value)
    {
        lock (_gate)
        {
            EndOwnedLine();
            _inner.Write(value);
        }
    }

    /// <inheritdoc />
    public override void Write(string? value)
    {
        lock (_gate)
        {
            EndOwnedLine();
            _inner.Write(value);
        }
    }

    /// <inheritdoc />
    public override void Write(char[] buffer, int index, int count)
    {
        lock (_gate)
        {
            EndOwnedLine();
            _inner.Write(buffer, index, count);
        }
    }

    /// <inheritdoc />
    public override void WriteLine(string? value)
    {
        lock (_gate)
        {
            EndOwnedLine();
            _inner.WriteLine(value);
        }
    }

    /// <inheritdoc />
    public override void Flush() => _inner.Flush();
}
