using TorchSharp;
using Workbook.Native;
using static TorchSharp.torch;

namespace Workbook.Training;

/// <summary>Metrics a <see cref="Trainer"/> computes from a whole epoch's outputs and targets. Introduced in chapter 03.</summary>
public static class EpochMetrics
{
    /// <summary>
    /// Fraction of correct class predictions. Works for both classifier heads: with one logit per class
    /// (outputs [n, classes], targets int64 [n]) the prediction is the arg-max; with a single logit
    /// (outputs [n] or [n, 1], targets 0/1) it is <c>logit &gt; 0</c>, i.e. probability &gt; 0.5.
    /// </summary>
    /// <exception cref="ArgumentException">Outputs and targets do not pair up.</exception>
    public static double Accuracy(Tensor outputs, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(targets);
        using var scope = NewDisposeScope();
        var predicted = PredictedClasses(outputs);
        var truth = targets.flatten().to(ScalarType.Int64);
        if (predicted.shape[0] != truth.shape[0])
            throw new ArgumentException(
                $"Accuracy needs one target per output row: outputs [{string.Join(", ", outputs.shape)}], "
                    + $"targets [{string.Join(", ", targets.shape)}]."
            );
        return predicted.eq(truth).to(ScalarType.Float64).mean().item<double>();
    }

    /// <summary>The predicted class of each row: arg-max of per-class logits, or <c>logit &gt; 0</c> for a single logit.</summary>
    public static Tensor PredictedClasses(Tensor outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        return outputs.dim() == 2 && outputs.shape[1] > 1 ? outputs.argmax(1) : outputs.flatten().gt(KeptScalars.Zero).to(ScalarType.Int64);
    }

    /// <summary>
    /// The probability of the positive class (label 1) of each row: softmax column 1 of two logits, or the sigmoid of a
    /// single logit — the score ROC and PR curves need.
    /// </summary>
    /// <exception cref="ArgumentException">The outputs are neither [n, 2] nor [n] / [n, 1].</exception>
    public static double[] PositiveClassProbabilities(Tensor outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        using var scope = NewDisposeScope();
        var probabilities =
            outputs.dim() == 2 && outputs.shape[1] == 2 ? nn.functional.softmax(outputs.to(ScalarType.Float64), 1)[.., 1]
            : outputs.dim() == 1 || (outputs.dim() == 2 && outputs.shape[1] == 1) ? outputs.to(ScalarType.Float64).flatten().sigmoid()
            : throw new ArgumentException(
                $"Positive-class probabilities need two logits or one per row; got outputs [{string.Join(", ", outputs.shape)}].",
                nameof(outputs)
            );
        return probabilities.cpu().data<double>().ToArray();
    }
}
