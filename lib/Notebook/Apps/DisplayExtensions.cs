namespace Workbook.Notebook.Apps;

/// <summary>
/// <c>.Display()</c> for a chapter run as an app (introduced with the apps of chapter 00): the same call a notebook
/// makes, shown by <see cref="ConsoleDisplay"/>. Only the generated apps import this namespace; notebooks import
/// Microsoft.DotNet.Interactive, whose <c>Display()</c> renders rich output. Neither sees the other's, so the same
/// cell source compiles in both and no call is ambiguous.
/// </summary>
public static class DisplayExtensions
{
    /// <summary>Shows <paramref name="value"/> on the console and returns a handle whose <c>Update</c> replaces it.</summary>
    /// <exception cref="InvalidOperationException">The app's first cell (<see cref="AppSetup.Load"/>) has not run.</exception>
    public static ConsoleDisplayedValue Display(this object? value) =>
        (
            ConsoleDisplay.Current
            ?? throw new InvalidOperationException("Display() needs the app's first cell, Workbook.Notebook.AppSetup.Load(), to have run.")
        ).Show(value);
}
