namespace Workbook.Compression;

/// <summary>How many of a parameter's weights are exactly zero.</summary>
/// <param name="Name">The parameter's name, e.g. <c>layers.fc1.weight</c>.</param>
/// <param name="Shape">Its shape.</param>
/// <param name="Count">Number of weights.</param>
/// <param name="Zeros">Number of weights that are exactly zero.</param>
public sealed record LayerSparsity(string Name, long[] Shape, long Count, long Zeros)
{
    /// <summary>Zeros / Count (0 for an empty parameter).</summary>
    public double Sparsity => Count == 0 ? 0 : (double)Zeros / Count;
}
