using System.Globalization;

namespace Workbook.Tuning;

/// <summary>
/// One configuration of a <see cref="ParameterGrid"/>: hyper-parameter names and values, in the grid's order. Introduced in chapter 05.
/// </summary>
public sealed class HyperParameters
{
    private readonly List<KeyValuePair<string, object>> _values;

    /// <summary>A configuration from (name, value) pairs; names must be distinct.</summary>
    /// <exception cref="ArgumentException">A name repeats or is empty.</exception>
    public HyperParameters(IEnumerable<KeyValuePair<string, object>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _values = [.. values];
        var seen = new HashSet<string>();
        foreach (var (name, value) in _values)
        {
            if (string.IsNullOrWhiteSpace(name))
                throw new ArgumentException("A hyper-parameter needs a name.", nameof(values));
            if (!seen.Add(name))
                throw new ArgumentException($"Hyper-parameter '{name}' appears twice.", nameof(values));
            if (value is null)
                throw new ArgumentException($"Hyper-parameter '{name}' has no value.", nameof(values));
        }
    }

    /// <summary>The names and values in order.</summary>
    public IReadOnlyList<KeyValuePair<string, object>> Values => _values;

    /// <summary>The names in order.</summary>
    public IEnumerable<string> Names => _values.Select(v => v.Key);

    /// <summary>The value of <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such name; the message lists the names there are.</exception>
    public object this[string name] =>
        _values.FirstOrDefault(v => v.Key == name) is { Key: not null } pair
            ? pair.Value
            : throw new KeyNotFoundException($"No hyper-parameter '{name}' in this configuration; it has {string.Join(", ", Names)}.");

    /// <summary>The value of <paramref name="name"/> as <typeparamref name="T"/>, converting between numeric types (an int grid value read
    /// as double).</summary>
    /// <exception cref="InvalidCastException">The value cannot be converted; the message names it.</exception>
    public T Get<T>(string name)
    {
        var value = this[name];
        if (value is T typed)
            return typed;
        try
        {
            return (T)Convert.ChangeType(value, typeof(T), CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException)
        {
            throw new InvalidCastException(
                $"Hyper-parameter '{name}' is {value} ({value.GetType().Name}), which is not convertible to {typeof(T).Name}.",
                e
            );
        }
    }

    /// <summary>The value of <paramref name="name"/>, or <paramref name="fallback"/> when the grid does not vary it.</summary>
    public T GetOrDefault<T>(string name, T fallback) => Names.Contains(name) ? Get<T>(name) : fallback;

    /// <summary>Formats a value the way tables show it (invariant culture, round-trip doubles).</summary>
    public static string Format(object value) =>
        value switch
        {
            double d => d.ToString("G", CultureInfo.InvariantCulture),
            float f => f.ToString("G", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };

    /// <summary><c>name=value</c> pairs, e.g. <c>lr=0.01, batch_size=32</c>.</summary>
    public override string ToString() => string.Join(", ", _values.Select(v => $"{v.Key}={Format(v.Value)}"));
}
