using Workbook.Training;
using static TorchSharp.torch;

namespace Workbook.Compression;

/// <summary>
/// Trains a student against a frozen teacher with the ordinary <see cref="Trainer"/>. The teacher's logits are computed
/// once (eval mode, no gradients: the teacher is frozen and the data is not augmented, so they never change) and packed
/// with the labels into one target tensor [n, classes + 1] — last column the label — so the trainer's shuffling,
/// batching and validation carry them along unchanged.
/// Introduced in chapter 16 (knowledge distillation).
/// </summary>
/// <remarks>
/// A transfer set — inputs the teacher can label but nobody has — is expressed with the label
/// <see cref="DistillationLoss.Unlabelled"/> (−1) on its rows (see <see cref="PartialLabels"/>): those rows feed the soft
/// term only, and <see cref="OnLabels"/> leaves them out of the metrics.
/// </remarks>
/// <example><code>
/// var targets = Distillation.PackTargets(Distillation.TeacherLogits(teacher, xTrain), yTrain);
/// var trainer = new Trainer(student, optim.Adam(student.parameters()), Distillation.TrainerLoss(new DistillationLoss(4, 0.7)));
/// trainer.Metrics["accuracy"] = Distillation.OnLabels(EpochMetrics.Accuracy);
/// trainer.Fit(xTrain, targets, xVal, Distillation.PackTargets(Distillation.TeacherLogits(teacher, xVal), yVal));
/// </code></example>
public static class Distillation
{
    /// <summary>The teacher's logits for <paramref name="features"/>, in eval mode without gradients (its mode is restored).</summary>
    /// <exception cref="ArgumentException">No features.</exception>
    public static Tensor TeacherLogits(nn.Module<Tensor, Tensor> teacher, Tensor features, int batchSize = 1024)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        ArgumentNullException.ThrowIfNull(features);
        if (features.dim() == 0 || features.shape[0] == 0)
            throw new ArgumentException(
                $"No features to run the teacher on (shape [{string.Join(", ", features.shape)}]).",
                nameof(features)
            );
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var wasTraining = teacher.training;
        teacher.eval();
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var parts = new List<Tensor>();
            for (long start = 0; start < features.shape[0]; start += batchSize)
                parts.Add(teacher.call(features.narrow(0, start, Math.Min(batchSize, features.shape[0] - start))));
            return cat(parts, 0).detach().MoveToOuterDisposeScope();
        }
        finally
        {
            if (wasTraining)
                teacher.train();
        }
    }

    /// <summary>
    /// [n, classes] teacher logits and [n] labels → float32 [n, classes + 1] targets (labels are exact in float32 below 2²⁴);
    /// a label may be <see cref="DistillationLoss.Unlabelled"/> for a row of the transfer set.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not pair up.</exception>
    public static Tensor PackTargets(Tensor teacherLogits, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(teacherLogits);
        ArgumentNullException.ThrowIfNull(labels);
        if (teacherLogits.dim() != 2)
            throw new ArgumentException(
                $"Teacher logits must be [n, classes]; got [{string.Join(", ", teacherLogits.shape)}].",
                nameof(teacherLogits)
            );
        if (labels.dim() != 1 || labels.shape[0] != teacherLogits.shape[0])
            throw new ArgumentException(
                $"Labels must be [n] = [{teacherLogits.shape[0]}], one per row of teacher logits; got [{string.Join(", ", labels.shape)}].",
                nameof(labels)
            );
        using var scope = NewDisposeScope();
        return cat([teacherLogits.to(ScalarType.Float32), labels.to(ScalarType.Float32).unsqueeze(1).to(teacherLogits.device)], 1)
            .MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A copy of <paramref name="labels"/> [n] in which only the rows listed in <paramref name="labelledRows"/> keep their
    /// label; every other row becomes <see cref="DistillationLoss.Unlabelled"/>: the setting of a few labels and many
    /// inputs the teacher labels.
    /// </summary>
    /// <param name="labels">Integer class indices [n].</param>
    /// <param name="labelledRows">Integer row indices in 0..n−1 (repeats allowed, order irrelevant).</param>
    /// <returns>int64 [n] on the labels' device.</returns>
    /// <exception cref="ArgumentException">Labels or row indices are not 1-D integer tensors, or an index is out of range.</exception>
    public static Tensor PartialLabels(Tensor labels, Tensor labelledRows)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(labelledRows);
        if (labels.dim() != 1 || labels.is_floating_point() || labels.dtype == ScalarType.Bool)
            throw new ArgumentException(
                $"Labels must be a 1-D tensor of integer class indices; got {labels.dtype} [{string.Join(", ", labels.shape)}].",
                nameof(labels)
            );
        if (labelledRows.dim() != 1 || labelledRows.is_floating_point() || labelledRows.dtype == ScalarType.Bool)
            throw new ArgumentException(
                "The labelled rows must be a 1-D tensor of integer row indices; "
                    + $"got {labelledRows.dtype} [{string.Join(", ", labelledRows.shape)}].",
                nameof(labelledRows)
            );
        var n = labels.shape[0];
        using var scope = NewDisposeScope();
        var rows = labelledRows.to(ScalarType.Int64, labels.device);
        if (rows.numel() > 0 && ((rows < 0).any().item<bool>() || (rows >= n).any().item<bool>()))
            throw new ArgumentException(
                $"Every labelled row index must be in 0..{n - 1} (the labels have {n} rows); "
                    + $"got values from {rows.min().item<long>()} to {rows.max().item<long>()}.",
                nameof(labelledRows)
            );
        var partial = full(n, DistillationLoss.Unlabelled, ScalarType.Int64, labels.device);
        if (rows.numel() > 0)
            partial.index_copy_(0, rows, labels.to(ScalarType.Int64).index_select(0, rows));
        return partial.MoveToOuterDisposeScope();
    }

    /// <summary>Splits packed targets back into teacher logits [n, classes] and int64 labels [n].</summary>
    /// <exception cref="ArgumentException">The tensor is not [n, classes + 1] with classes ≥ 1.</exception>
    public static (Tensor TeacherLogits, Tensor Labels) UnpackTargets(Tensor packed)
    {
        ArgumentNullException.ThrowIfNull(packed);
        if (packed.dim() != 2 || packed.shape[1] < 2)
            throw new ArgumentException(
                "Packed distillation targets are [n, classes + 1] (see Distillation.PackTargets); "
                    + $"got [{string.Join(", ", packed.shape)}].",
                nameof(packed)
            );
        var classes = packed.shape[1] - 1;
        return (packed.narrow(1, 0, classes), packed.select(1, classes).round().to(ScalarType.Int64));
    }

    /// <summary>A <see cref="Trainer"/> loss over packed targets: <paramref name="loss"/>(student outputs, teacher logits,
    /// labels).</summary>
    public static Func<Tensor, Tensor, Tensor> TrainerLoss(DistillationLoss loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        return (outputs, packed) =>
        {
            var (teacher, labels) = UnpackTargets(packed);
            if (teacher.shape[1] != outputs.shape[^1])
                throw new ArgumentException(
                    $"The student has {outputs.shape[^1]} outputs but the packed targets hold {teacher.shape[1]} teacher logits per row."
                );
            return loss.Compute(outputs, teacher, labels);
        };
    }

    /// <summary>
    /// Adapts a metric on (outputs, labels), such as <see cref="EpochMetrics.Accuracy"/>, to packed targets: it is computed on
    /// the labelled rows only (rows labelled <see cref="DistillationLoss.Unlabelled"/> have no truth to compare with), and is
    /// NaN when no row has a label.
    /// </summary>
    public static Func<Tensor, Tensor, double> OnLabels(Func<Tensor, Tensor, double> metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        return (outputs, packed) =>
        {
            ArgumentNullException.ThrowIfNull(outputs);
            using var scope = NewDisposeScope();
            var labels = UnpackTargets(packed).Labels.to(outputs.device);
            if (outputs.dim() == 0 || outputs.shape[0] != labels.shape[0])
                throw new ArgumentException(
                    $"The metric needs one output row per target row: outputs [{string.Join(", ", outputs.shape)}], "
                        + $"packed targets [{string.Join(", ", packed.shape)}]."
                );
            var labelled = labels.ne(DistillationLoss.Unlabelled);
            var count = labelled.sum().item<long>();
            if (count == 0)
                return double.NaN;
            if (count == labels.shape[0])
                return metric(outputs, labels);
            var rows = labelled.nonzero().squeeze(1);
            return metric(outputs.index_select(0, rows), labels.index_select(0, rows));
        };
    }
}
