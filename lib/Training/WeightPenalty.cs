using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Training;

/// <summary>L1 and L2 penalties on a model's weight matrices, the classic explicit regularizers. Introduced with chapter 03.</summary>
public static class WeightPenalty
{
    /// <summary>
    /// l1 · Σ|w| + l2 · Σw² over the parameters with two or more dimensions (weight matrices and kernels). Biases and
    /// normalization gains are left out: penalising them does not reduce overfitting and can hurt.
    /// </summary>
    /// <returns>A scalar tensor on the parameters' device (zero when both coefficients are zero).</returns>
    public static Tensor Compute(nn.Module model, double l1, double l2)
    {
        ArgumentNullException.ThrowIfNull(model);
        var weights = model.parameters().Where(p => p.requires_grad && p.dim() >= 2).ToList();
        var device = weights.FirstOrDefault()?.device ?? CPU;
        var penalty = zeros(1, device: device).squeeze();
        // Scalars held in locals until the end, not implicit conversions: a GC could finalise those during the native call.
        using var l1Scalar = l1.ToScalar();
        using var l2Scalar = l2.ToScalar();
        foreach (var w in weights)
        {
            if (l1 > 0)
                penalty = penalty.add(w.abs().sum(), l1Scalar);
            if (l2 > 0)
                penalty = penalty.add(w.mul(w).sum(), l2Scalar); // not square(): TorchSharp makes it pow(2), an implicit Scalar
        }
        return penalty;
    }
}
