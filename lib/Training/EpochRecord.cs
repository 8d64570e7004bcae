using System.Globalization;
using Workbook.Notebook;

namespace Workbook.Training;

/// <summary>What one epoch produced: training loss and metrics, the same on validation data (prefixed <c>val_</c>), and its time.
/// Introduced in chapter 06.</summary>
/// <param name="Epoch">1-based epoch number, counted across resumed runs.</param>
/// <param name="Values">Named values in insertion order: <c>loss</c>, metrics, <c>val_loss</c>, <c>val_</c> metrics.</param>
/// <param name="Seconds">Wall-clock seconds the epoch took, evaluation included.</param>
[TypeFormatterSource(typeof(HtmlRenderableFormatterSource), PreferredMimeTypes = ["text/html"])]
public sealed record EpochRecord(int Epoch, IReadOnlyList<KeyValuePair<string, double>> Values, double Seconds) : IHtmlRenderable
{
    /// <summary>The epoch as a one-row table.</summary>
    public Table ToTable() =>
        new(
            ["epoch", .. Values.Select(v => v.Key), "seconds"],
            [
                [
                    Epoch.ToString(CultureInfo.InvariantCulture),
                    .. Values.Select(v => v.Value.ToString("F4", CultureInfo.InvariantCulture)),
                    Seconds.ToString("F2", CultureInfo.InvariantCulture),
                ],
            ]
        );

    /// <inheritdoc />
    public string ToHtml() => ToTable().ToHtml();

    /// <summary>The value named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">The epoch has no such value; the message lists those it has.</exception>
    public double this[string name] =>
        TryGet(name, out var value)
            ? value
            : throw new KeyNotFoundException(
                $"Epoch {Epoch} has no value '{name}'; it has {string.Join(", ", Values.Select(v => v.Key))}."
            );

    /// <summary>Looks up a value by name.</summary>
    public bool TryGet(string name, out double value)
    {
        foreach (var (key, v) in Values)
            if (key == name)
            {
                value = v;
                return true;
            }
        value = double.NaN;
        return false;
    }

    /// <summary>A progress snapshot of this epoch out of <paramref name="totalEpochs"/>, for an in-place notebook display.</summary>
    public ProgressBar ToProgressBar(int totalEpochs, string label = "training") =>
        new(label, Math.Min(Epoch, totalEpochs), totalEpochs, [.. Values.Select(v => (v.Key, v.Value))]);

    /// <inheritdoc />
    public override string ToString() =>
        $"epoch {Epoch}: "
        + string.Join("  ", Values.Select(v => $"{v.Key} {v.Value.ToString("G4", CultureInfo.InvariantCulture)}"))
        + string.Create(CultureInfo.InvariantCulture, $"  ({Seconds:F2} s)");
}
