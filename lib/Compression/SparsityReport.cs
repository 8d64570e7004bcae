using System.Globalization;
using Workbook.Notebook;
using static TorchSharp.torch;

namespace Workbook.Compression;

/// <summary>
/// Exact zeros per parameter and overall: what pruning actually achieved, measured on the weights themselves. Introduced in chapter 15.
/// </summary>
public sealed class SparsityReport
{
    private SparsityReport(IReadOnlyList<LayerSparsity> layers) => Layers = layers;

    /// <summary>One row per counted parameter, in the model's order.</summary>
    public IReadOnlyList<LayerSparsity> Layers { get; }

    /// <summary>Weights counted.</summary>
    public long Count => Layers.Sum(l => l.Count);

    /// <summary>Weights exactly zero.</summary>
    public long Zeros => Layers.Sum(l => l.Zeros);

    /// <summary>Zeros / Count over all counted parameters.</summary>
    public double Overall => Count == 0 ? 0 : (double)Zeros / Count;

    /// <summary>Counts exact zeros in the parameters of <paramref name="model"/> chosen by <paramref name="select"/> (weight matrices when
    /// null).</summary>
    /// <exception cref="ArgumentException">No parameter is selected.</exception>
    public static SparsityReport Of(nn.Module model, Func<string, Tensor, bool>? select = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        select ??= MagnitudePruning.WeightMatrices;
        using var noGrad = no_grad();
        var rows = model
            .named_parameters()
            .Where(p => select(p.name, p.parameter))
            .Select(p => new LayerSparsity(
                p.name,
                p.parameter.shape,
                p.parameter.numel(),
                p.parameter.numel() - p.parameter.count_nonzero().item<long>()
            ))
            .ToList();
        if (rows.Count == 0)
            throw new ArgumentException(
                "No parameter was selected; the model's parameters are: "
                    + $"{string.Join(", ", model.named_parameters().Select(p => p.name))}.",
                nameof(select)
            );
        return new SparsityReport(rows);
    }

    /// <summary>The report as a table: parameter, shape, weights, zeros, sparsity, and a total row.</summary>
    public Table ToTable(string? caption = null)
    {
        static string Percent(double v) => v.ToString("P1", CultureInfo.InvariantCulture);
        var rows = Layers
            .Select(l =>
                (IReadOnlyList<string>)
                    [
                        l.Name,
                        $"[{string.Join(", ", l.Shape)}]",
                        l.Count.ToString("N0", CultureInfo.InvariantCulture),
                        l.Zeros.ToString("N0", CultureInfo.InvariantCulture),
                        Percent(l.Sparsity),
                    ]
            )
            .Append([
                "total",
                "",
                Count.ToString("N0", CultureInfo.InvariantCulture),
                Zeros.ToString("N0", CultureInfo.InvariantCulture),
                Percent(Overall),
            ]);
        return new Table(["parameter", "shape", "weights", "zeros", "sparsity"], rows, caption);
    }

    /// <inheritdoc />
    public override string ToString() => ToTable().ToString();
}

/// <summary>How many of a parameter's weights are exactly zero. Introduced with chapter 15.</summary>
/// <param name="Name">The parameter's name, e.g. <c>layers.fc1.weight</c>.</param>
/// <param name="Shape">Its shape.</param>
/// <param name="Count">Number of weights.</param>
/// <param name="Zeros">Number of weights that are exactly zero.</param>
public sealed record LayerSparsity(string Name, long[] Shape, long Count, long Zeros)
{
    /// <summary>Zeros / Count (0 for an empty parameter).</summary>
    public double Sparsity => Count == 0 ? 0 : (double)Zeros / Count;
}
