using System.Collections;

namespace Workbook.Tuning;

/// <summary>
/// The cartesian product of candidate values per hyper-parameter, as scikit-learn's <c>ParameterGrid</c>: enumerating
/// it yields every combination, the last-named parameter varying fastest.
/// Introduced in chapter 05.
/// </summary>
/// <example><code>
/// var grid = new ParameterGrid { { "lr", 0.001, 0.01, 0.1 }, { "batch_size", 16, 64 } };   // 6 configurations
/// </code></example>
public sealed class ParameterGrid : IEnumerable<HyperParameters>
{
    private readonly List<(string Name, object[] Values)> _axes = [];

    /// <summary>Adds a hyper-parameter and its candidate values.</summary>
    /// <exception cref="ArgumentException">The name is empty or already in the grid, or no values are given.</exception>
    public void Add(string name, params object[] values)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(values);
        if (_axes.Any(a => a.Name == name))
            throw new ArgumentException($"The grid already has a hyper-parameter '{name}'.", nameof(name));
        if (values.Length == 0)
            throw new ArgumentException($"Hyper-parameter '{name}' needs at least one candidate value.", nameof(values));
        if (values.Any(v => v is null))
            throw new ArgumentException($"Hyper-parameter '{name}' has a null candidate value.", nameof(values));
        _axes.Add((name, [.. values]));
    }

    /// <summary>The hyper-parameter names in order.</summary>
    public IReadOnlyList<string> Names => [.. _axes.Select(a => a.Name)];

    /// <summary>The candidate values of <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">The grid has no such hyper-parameter.</exception>
    public IReadOnlyList<object> ValuesOf(string name) =>
        _axes.FirstOrDefault(a => a.Name == name).Values
        ?? throw new KeyNotFoundException($"The grid has no hyper-parameter '{name}'; it has {string.Join(", ", Names)}.");

    /// <summary>Number of configurations (the product of the value counts; 0 for an empty grid).</summary>
    public int Count => _axes.Count == 0 ? 0 : _axes.Aggregate(1, (n, a) => checked(n * a.Values.Length));

    /// <inheritdoc />
    public IEnumerator<HyperParameters> GetEnumerator()
    {
        if (_axes.Count == 0)
            yield break;
        var index = new int[_axes.Count];
        while (true)
        {
            yield return new HyperParameters(_axes.Select((a, i) => new KeyValuePair<string, object>(a.Name, a.Values[index[i]])));
            var axis = _axes.Count - 1;
            while (axis >= 0 && ++index[axis] == _axes[axis].Values.Length)
                index[axis--] = 0;
            if (axis < 0)
                yield break;
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
