using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Data;

/// <summary>
/// Principal component analysis (introduced in chapter 12, to draw image and caption embeddings in one 2-D picture): the
/// directions along which centred data varies most, found by a singular value decomposition, and the projection of rows
/// onto them. Computed in float64; the same numbers as scikit-learn's <c>PCA(n_components=k, svd_solver="full")</c>,
/// signs included (each component is flipped so the largest entry of its column of U is positive, as scikit-learn does).
/// </summary>
/// <example><code>
/// var pca = PrincipalComponents.Fit(embeddings, components: 2);
/// var points = pca.Transform(embeddings);      // [n, 2]
/// </code></example>
public sealed class PrincipalComponents
{
    private PrincipalComponents(double[] mean, double[,] axes, double[] variance, double[] ratio) =>
        (Mean, Axes, ExplainedVariance, ExplainedVarianceRatio) = (mean, axes, variance, ratio);

    /// <summary>The mean of the fitted rows, subtracted before projecting [features].</summary>
    public IReadOnlyList<double> Mean { get; }

    /// <summary>The components, one per row, unit length, [components, features].</summary>
    public double[,] Axes { get; }

    /// <summary>The variance of the data along each component (the unbiased estimate, divided by rows − 1).</summary>
    public IReadOnlyList<double> ExplainedVariance { get; }

    /// <summary>The share of the data's total variance along each component.</summary>
    public IReadOnlyList<double> ExplainedVarianceRatio { get; }

    /// <summary>The number of components.</summary>
    public int Count => Axes.GetLength(0);

    /// <summary>Fits <paramref name="components"/> components to the rows of <paramref name="data"/> [rows, features].</summary>
    /// <exception cref="ArgumentException">The data is not a 2-D float tensor of at least two rows, holds NaN or infinity, or asks for more
    /// components than min(rows, features).</exception>
    public static PrincipalComponents Fit(Tensor data, int components = 2)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.dim() != 2 || data.shape[0] < 2 || !data.is_floating_point())
            throw new ArgumentException(
                $"PCA needs float data [rows, features] with at least two rows; got {data.dtype} [{string.Join(", ", data.shape)}].",
                nameof(data)
            );
        var (rows, features) = (data.shape[0], data.shape[1]);
        if (components < 1 || components > Math.Min(rows, features))
            throw new ArgumentOutOfRangeException(
                nameof(components),
                components,
                $"Data [{rows}, {features}] has at most {Math.Min(rows, features)} components."
            );
        using var scope = NewDisposeScope();
        var x = data.detach().to(CPU).to(ScalarType.Float64);
        if (!x.isfinite().all().item<bool>())
            throw new ArgumentException($"The data [{rows}, {features}] holds NaN or infinite values.", nameof(data));
        var mean = x.mean([0]);
        var centred = x.sub(mean);
        var (u, s, vt) = linalg.svd(centred, fullMatrices: false);
        // scikit-learn's svd_flip: the largest |entry| of each column of U is made positive, and its row of Vᵀ flipped with it.
        var strongest = u.abs().argmax(0);
        var signs = u.gather(0, strongest.unsqueeze(0)).squeeze(0).sign();
        var axes = vt.narrow(0, 0, components).mul(signs.narrow(0, 0, components).unsqueeze(1));
        var squares = s.square();
        using var degrees = ((double)(rows - 1)).ToScalar();
        var variance = squares.narrow(0, 0, components).div(degrees);
        var varianceValues = variance.data<double>().ToArray();
        var ratio = squares.narrow(0, 0, components).div(squares.sum()).data<double>().ToArray();
        var axisValues = axes.contiguous().data<double>().ToArray();
        var grid = new double[components, features];
        for (var c = 0; c < components; c++)
        for (var f = 0; f < features; f++)
            grid[c, f] = axisValues[c * features + f];
        return new PrincipalComponents(mean.data<double>().ToArray(), grid, varianceValues, ratio);
    }

    /// <summary>The coordinates of the rows of <paramref name="data"/> along the components, float64 [rows, components].</summary>
    /// <exception cref="ArgumentException">The data is not float [rows, features] with the fitted number of features.</exception>
    public Tensor Transform(Tensor data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.dim() != 2 || data.shape[1] != Mean.Count || !data.is_floating_point())
            throw new ArgumentException(
                $"Expected float data [rows, {Mean.Count}] (the features PCA was fitted on); "
                    + $"got {data.dtype} [{string.Join(", ", data.shape)}].",
                nameof(data)
            );
        using var scope = NewDisposeScope();
        var axes = tensor(Axes, ScalarType.Float64);
        var x = data.detach().to(CPU).to(ScalarType.Float64);
        return x.sub(tensor(Mean.ToArray(), ScalarType.Float64)).matmul(axes.t()).MoveToOuterDisposeScope();
    }
}
