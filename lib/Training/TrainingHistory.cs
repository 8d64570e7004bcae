using System.Globalization;
using System.Text.Json;
using Plotly.NET;
using Workbook.Notebook;

namespace Workbook.Training;

/// <summary>
/// Loss and metrics per epoch, for training and validation data — Keras' <c>History</c>. Renders as a table in a
/// notebook; <see cref="Plot"/> draws a value and its validation twin over the epochs. Introduced in chapter 03.
/// </summary>
[TypeFormatterSource(typeof(HtmlRenderableFormatterSource), PreferredMimeTypes = ["text/html"])]
public sealed class TrainingHistory : IHtmlRenderable
{
    private readonly List<EpochRecord> _epochs = [];

    /// <summary>The epochs in order.</summary>
    public IReadOnlyList<EpochRecord> Epochs => _epochs;

    /// <summary>The epoch whose weights the model holds after early stopping restored the best ones; null otherwise.</summary>
    public int? RestoredEpoch { get; internal set; }

    /// <summary>The epoch after which early stopping ended training; null when every epoch ran.</summary>
    public int? StoppedEpoch { get; internal set; }

    /// <summary>Names of the recorded values, in the order of the first epoch.</summary>
    public IReadOnlyList<string> Names => _epochs.Count == 0 ? [] : [.. _epochs[0].Values.Select(v => v.Key)];

    internal void Add(EpochRecord record) => _epochs.Add(record);

    /// <summary>The value <paramref name="name"/> of every epoch, e.g. <c>Series("val_loss")</c>.</summary>
    /// <exception cref="KeyNotFoundException">No epoch recorded that name.</exception>
    public double[] Series(string name) => [.. _epochs.Select(e => e[name])];

    /// <summary>The epoch with the best <paramref name="name"/> (lowest for losses and errors, highest otherwise, unless told).</summary>
    /// <exception cref="InvalidOperationException">The history is empty.</exception>
    public EpochRecord Best(string name, bool? higherIsBetter = null)
    {
        if (_epochs.Count == 0)
            throw new InvalidOperationException("The history is empty: train at least one epoch first.");
        var criterion = new EarlyStopping(name, HigherIsBetter: higherIsBetter);
        return _epochs.Aggregate((best, e) => criterion.IsImprovement(e[name], best[name]) ? e : best);
    }

    /// <summary>
    /// A line chart of <paramref name="name"/> and, when recorded, <c>val_</c><paramref name="name"/> over the epochs,
    /// titled <paramref name="title"/> or "<paramref name="name"/> per epoch".
    /// </summary>
    public GenericChart Plot(string name = "loss", string? title = null)
    {
        var series = new List<(string, IReadOnlyList<double>)> { ($"train {name}", Series(name)) };
        var withValidation = Names.Contains($"val_{name}");
        if (withValidation)
            series.Add(($"validation {name}", Series($"val_{name}")));
        return Charts.Curves(
            series,
            "epoch",
            name,
            title: title ?? $"{name} per epoch{(withValidation ? ", training and validation" : "")}",
            startAt: _epochs.Count == 0 ? 1 : _epochs[0].Epoch
        );
    }

    /// <summary>One row per epoch.</summary>
    public Table ToTable()
    {
        var caption = StoppedEpoch is { } stopped
            ? $"Stopped early after epoch {stopped}" + (RestoredEpoch is { } restored ? $"; weights of epoch {restored} restored" : "")
            : null;
        return new Table(
            ["epoch", .. Names, "seconds"],
            _epochs.Select(e =>
                (IReadOnlyList<string>)
                    [
                        e.Epoch.ToString(CultureInfo.InvariantCulture),
                        .. Names.Select(n => e.TryGet(n, out var v) ? v.ToString("F4", CultureInfo.InvariantCulture) : ""),
                        e.Seconds.ToString("F2", CultureInfo.InvariantCulture),
                    ]
            ),
            caption
        );
    }

    /// <inheritdoc />
    public string ToHtml() => ToTable().ToHtml();

    /// <inheritdoc />
    public override string ToString() => ToTable().ToString();

    private sealed record Stored(List<StoredEpoch> Epochs, int? RestoredEpoch, int? StoppedEpoch);

    private sealed record StoredEpoch(int Epoch, List<string> Names, List<double> Values, double Seconds);

    /// <summary>The history as JSON (checkpoints store it).</summary>
    public string ToJson() =>
        JsonSerializer.Serialize(
            new Stored(
                [
                    .. _epochs.Select(e => new StoredEpoch(
                        e.Epoch,
                        [.. e.Values.Select(v => v.Key)],
                        [.. e.Values.Select(v => v.Value)],
                        e.Seconds
                    )),
                ],
                RestoredEpoch,
                StoppedEpoch
            ),
            JsonOptions
        );

    /// <summary>Reads a history written by <see cref="ToJson"/>.</summary>
    /// <exception cref="FormatException">The text is not a stored history.</exception>
    public static TrainingHistory FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        Stored? stored;
        try
        {
            stored = JsonSerializer.Deserialize<Stored>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new FormatException($"Not a stored training history: {e.Message}", e);
        }
        if (stored?.Epochs is null)
            throw new FormatException("Not a stored training history: no epochs.");
        var history = new TrainingHistory { RestoredEpoch = stored.RestoredEpoch, StoppedEpoch = stored.StoppedEpoch };
        foreach (var e in stored.Epochs)
        {
            if (e.Names is null || e.Values is null || e.Names.Count != e.Values.Count)
                throw new FormatException($"Stored epoch {e.Epoch} has {e.Names?.Count ?? 0} names for {e.Values?.Count ?? 0} values.");
            history.Add(new EpochRecord(e.Epoch, [.. e.Names.Zip(e.Values, (n, v) => new KeyValuePair<string, double>(n, v))], e.Seconds));
        }
        return history;
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
