using TorchSharp;
using Workbook.Native;
using static TorchSharp.torch;

namespace Workbook.Training;

/// <summary>
/// The part of an Adam step that Adam and AdamW share (PyTorch's <c>_single_tensor_adam</c> after the weight decay):
/// the two moving averages, AMSGrad's running maximum, the bias corrections and the parameter update. Every Scalar it
/// passes to libtorch is a <c>using</c> local that outlives the call (see <see cref="KeptScalars"/>).
/// </summary>
internal static class AdamMoments
{
    /// <summary>
    /// Updates <paramref name="expAvg"/>, <paramref name="expAvgSq"/> (and <paramref name="maxExpAvgSq"/> when not
    /// null) with <paramref name="grad"/>, then moves <paramref name="param"/> by −lr · m̂ / (√v̂ + eps) for step
    /// number <paramref name="step"/> (1 for the first). The operations, and their order, are PyTorch's and
    /// TorchSharp's, so the results are the same to the bit.
    /// </summary>
    public static void Step(
        Tensor param,
        Tensor grad,
        Tensor expAvg,
        Tensor expAvgSq,
        Tensor? maxExpAvgSq,
        long step,
        double lr,
        double beta1,
        double beta2,
        double eps
    )
    {
        var biasCorrection1 = 1 - Math.Pow(beta1, step);
        var biasCorrection2 = 1 - Math.Pow(beta2, step);
        using var decay1 = beta1.ToScalar();
        using var weight1 = (1 - beta1).ToScalar();
        using var decay2 = beta2.ToScalar();
        using var weight2 = (1 - beta2).ToScalar();
        using var correction2Root = Math.Sqrt(biasCorrection2).ToScalar();
        using var epsilon = eps.ToScalar();
        using var stepSize = (-(lr / biasCorrection1)).ToScalar();

        expAvg.mul_(decay1).add_(grad, weight1);
        expAvgSq.mul_(decay2).addcmul_(grad, grad.conj(), weight2);
        var second = expAvgSq;
        if (maxExpAvgSq is not null)
        {
            using var larger = maximum(maxExpAvgSq, expAvgSq);
            maxExpAvgSq.copy_(larger);
            second = maxExpAvgSq;
        }
        using var denominator = second.sqrt().div_(correction2Root).add_(epsilon, KeptScalars.One);
        param.addcdiv_(expAvg, denominator, stepSize);
    }
}
