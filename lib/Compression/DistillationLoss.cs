using TorchSharp;
using Workbook.Native;
using static TorchSharp.torch;

namespace Workbook.Compression;

/// <summary>
/// Hinton et al.'s knowledge-distillation loss:
/// α·T²·KL(softmax(teacher/T) ‖ softmax(student/T)) + (1 − α)·CE(student, labels),
/// the KL divergence averaged over the batch ("batchmean", the true KL per sample) and the cross-entropy the usual
/// mean over the batch at temperature 1. The T² keeps the soft term's gradients the same size whatever T is (they
/// scale as 1/T² otherwise), so α means the same thing at every temperature.
/// Introduced in chapter 16 (knowledge distillation).
/// </summary>
/// <remarks>
/// Rows whose label is <see cref="Unlabelled"/> (−1) have teacher logits but no label — a transfer set of unlabelled
/// inputs: they add to the KL term only. The KL term is averaged over all rows of the batch, the cross-entropy over the
/// labelled rows only (PyTorch's <c>F.cross_entropy(s, y, ignore_index=-1)</c>), so with every row labelled the loss is
/// exactly the formula above; a batch without any labelled row has no hard term (where PyTorch would return NaN).
/// </remarks>
public sealed class DistillationLoss
{
    /// <summary>A loss with temperature <paramref name="temperature"/> and soft-target weight <paramref name="alpha"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">T is not a finite number &gt; 0, or α is outside [0, 1].</exception>
    public DistillationLoss(double temperature, double alpha)
    {
        if (!(temperature > 0) || double.IsInfinity(temperature))
            throw new ArgumentOutOfRangeException(
                nameof(temperature),
                temperature,
                "The temperature T divides the logits: it must be a finite number > 0 (1 is plain softmax; 2 to 8 is usual)."
            );
        if (!(alpha >= 0 && alpha <= 1))
            throw new ArgumentOutOfRangeException(
                nameof(alpha),
                alpha,
                "α weighs the soft (teacher) term against the hard-label term: it must be in [0, 1]."
            );
        Temperature = temperature;
        Alpha = alpha;
    }

    /// <summary>The label that marks a row as unlabelled: it contributes to the soft (teacher) term only.</summary>
    public const long Unlabelled = -1;

    /// <summary>The temperature T.</summary>
    public double Temperature { get; }

    /// <summary>The weight α of the soft-target term (1 − α goes to the hard labels).</summary>
    public double Alpha { get; }

    /// <summary>The loss for a batch.</summary>
    /// <param name="studentLogits">[batch, classes], with gradients.</param>
    /// <param name="teacherLogits">[batch, classes]; used without gradients.</param>
    /// <param name="labels">Integer [batch], each in 0..classes−1, or <see cref="Unlabelled"/> (−1) for a row that has teacher logits but
    /// no label.</param>
    /// <returns>A scalar tensor.</returns>
    /// <exception cref="ArgumentException">Shapes do not match, the labels are not integers, or a label is neither a class index nor
    /// <see cref="Unlabelled"/>.</exception>
    public Tensor Compute(Tensor studentLogits, Tensor teacherLogits, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(studentLogits);
        ArgumentNullException.ThrowIfNull(teacherLogits);
        ArgumentNullException.ThrowIfNull(labels);
        if (studentLogits.dim() != 2 || studentLogits.shape[0] == 0)
            throw new ArgumentException(
                $"Student logits must be [batch, classes] with at least one row; got [{string.Join(", ", studentLogits.shape)}].",
                nameof(studentLogits)
            );
        if (!teacherLogits.shape.SequenceEqual(studentLogits.shape))
            throw new ArgumentException(
                $"Teacher logits [{string.Join(", ", teacherLogits.shape)}] must have the student's shape "
                    + $"[{string.Join(", ", studentLogits.shape)}]: same batch, same classes.",
                nameof(teacherLogits)
            );
        if (labels.dim() != 1 || labels.shape[0] != studentLogits.shape[0])
            throw new ArgumentException(
                $"Labels must be [batch] = [{studentLogits.shape[0]}], one class index per row; got [{string.Join(", ", labels.shape)}].",
                nameof(labels)
            );
        if (labels.is_floating_point() || labels.dtype == ScalarType.Bool)
            throw new ArgumentException($"Labels must be integer class indices; got {labels.dtype}.", nameof(labels));
        var classes = studentLogits.shape[1];
        using var scope = NewDisposeScope();
        var y = labels.to(ScalarType.Int64);
        // Every number below goes to libtorch as a Scalar held in a using variable (see KeptScalars).
        using var unlabelled = ((long)Unlabelled).ToScalar();
        using var classCount = classes.ToScalar();
        if (y.lt(unlabelled).any().item<bool>() || y.ge(classCount).any().item<bool>())
            throw new ArgumentException(
                $"Every label must be a class index in 0..{classes - 1}, or {Unlabelled} for an unlabelled row; "
                    + $"got values from {y.min().item<long>()} to {y.max().item<long>()}.",
                nameof(labels)
            );

        using var t = Temperature.ToScalar();
        using var softWeight = (Alpha * Temperature * Temperature).ToScalar();
        using var hardWeight = (1 - Alpha).ToScalar();
        var studentLog = nn.functional.log_softmax(studentLogits.div(t), 1); // log q: log_softmax, never log(softmax()) (underflow)
        var teacherLog = nn.functional.log_softmax(teacherLogits.detach().div(t), 1);
        var teacherP = teacherLog.exp();
        // KL(p ‖ q) = Σ p·(log p − log q); where p underflows to 0 the term is 0 (0·log 0 = 0), not NaN.
        var pointwise = where(teacherP.gt(KeptScalars.Zero), teacherP.mul(teacherLog.sub(studentLog)), zeros_like(teacherP));
        var kl = pointwise.sum(1).mean();
        var labelled = y.ne(unlabelled);
        var labelledCount = labelled.sum().item<long>();
        var soft = kl.mul(softWeight);
        if (labelledCount == 0)
            return soft.MoveToOuterDisposeScope(); // transfer rows only: no hard term (not 0/0 = NaN)
        var hard =
            labelledCount == y.shape[0]
                ? nn.functional.cross_entropy(studentLogits, y)
                // mean over the labelled rows
                : nn.functional.cross_entropy(studentLogits.index_select(0, labelled.nonzero().squeeze(1)), y.masked_select(labelled));
        return soft.add(hard, hardWeight).MoveToOuterDisposeScope();
    }
}
