namespace Workbook.Notebook;

/// <summary>
/// A value shown by <see cref="ConsoleDisplay"/>, as the handle a notebook's <c>.Display()</c> returns: <see cref="Update"/>
/// replaces what it shows (in place while nothing else was written since). Introduced with the apps of chapter 00.
/// </summary>
public sealed class ConsoleDisplayedValue
{
    private readonly ConsoleDisplay _display;

    internal ConsoleDisplayedValue(ConsoleDisplay display) => _display = display;

    /// <summary>Shows <paramref name="value"/> instead of what this handle showed.</summary>
    public void Update(object? value) => _display.Write(this, value);
}
