using System.Globalization;
using System.Net;
using System.Text;

namespace Workbook.Notebook;

/// <summary>
/// A progress bar with the latest values, as one immutable snapshot. To update a single notebook output in place
/// (instead of printing a line per epoch), display the first snapshot and update that display with each new one:
/// <code>
/// var shown = new ProgressBar("training", 0, epochs).Display();              // .NET Interactive's Display()
/// ... shown.Update(new ProgressBar("training", epoch, epochs, values));
/// </code>
/// Introduced in chapter 03.
/// </summary>
/// <param name="Label">What is progressing.</param>
/// <param name="Done">Units done, 0 to <paramref name="Total"/>.</param>
/// <param name="Total">Units in all (epochs, batches).</param>
/// <param name="Values">Latest named values (loss, accuracy), shown under the bar in this order.</param>
[TypeFormatterSource(typeof(HtmlRenderableFormatterSource), PreferredMimeTypes = ["text/html"])]
public sealed record ProgressBar(string Label, int Done, int Total, IReadOnlyList<(string Name, double Value)>? Values = null)
    : IHtmlRenderable
{
    /// <summary>The fraction done, 0 to 1.</summary>
    public double Fraction => Total <= 0 ? 0 : Math.Clamp((double)Done / Total, 0, 1);

    /// <inheritdoc />
    public string ToHtml()
    {
        Validate();
        var html = new StringBuilder("<div>");
        html.Append(CultureInfo.InvariantCulture, $"<div><b>{WebUtility.HtmlEncode(Label)}</b> {Done}/{Total} ");
        html.Append(
            CultureInfo.InvariantCulture,
            $"<progress value=\"{Done}\" max=\"{Total}\" style=\"width: 20em\"></progress> {Fraction:P0}</div>"
        );
        if (Values is { Count: > 0 })
            html.Append(
                new Table(
                    [.. Values.Select(v => v.Name)],
                    [
                        [.. Values.Select(v => Format(v.Value))],
                    ]
                ).ToHtml()
            );
        return html.Append("</div>").ToString();
    }

    /// <summary>One line: label, count, a text bar and the values.</summary>
    public override string ToString()
    {
        Validate();
        const int width = 20;
        var filled = (int)Math.Round(Fraction * width);
        var values = Values is { Count: > 0 } ? "  " + string.Join("  ", Values.Select(v => $"{v.Name} {Format(v.Value)}")) : "";
        return $"{Label} {Done}/{Total} [{new string('#', filled)}{new string('.', width - filled)}]{values}";
    }

    private static string Format(double value) => value.ToString("G4", CultureInfo.InvariantCulture);

    private void Validate()
    {
        if (Total < 0 || Done < 0 || Done > Total)
            throw new ArgumentOutOfRangeException(nameof(Done), $"Progress {Done}/{Total} is impossible: need 0 ≤ done ≤ total.");
    }
}
