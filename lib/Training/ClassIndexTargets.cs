using TorchSharp;
using Workbook.Native;
using static TorchSharp.torch;

namespace Workbook.Training;

/// <summary>
/// Checks the targets of a class-index loss (<c>nn.CrossEntropyLoss</c>) before libtorch sees them: libtorch's own
/// errors for a label out of range or float labels are C++ messages with stack frames that name neither the tensor nor
/// the value. The message here names the targets, the first bad value and its row, and the valid range.
/// </summary>
internal static class ClassIndexTargets
{
    /// <summary>Throws unless <paramref name="targets"/> fit a cross-entropy of <paramref name="outputs"/>: class indices in [0, classes)
    /// (or <paramref name="ignoreIndex"/>), or class probabilities of the outputs' shape.</summary>
    /// <param name="outputs">The model's outputs for (some of) the rows: [n, classes] or [n, classes, d1, ...].</param>
    /// <param name="targets">All the targets of the data set.</param>
    /// <param name="ignoreIndex">The label the loss skips (-100 by default, as in PyTorch).</param>
    /// <param name="what">"training", "validation" or "evaluation": names the targets in the message.</param>
    /// <exception cref="ArgumentException">The targets do not fit; the message says how and what to do.</exception>
    public static void Check(Tensor outputs, Tensor targets, long ignoreIndex, string what)
    {
        if (outputs.dim() < 2)
            return; // unbatched or odd use: leave it to the loss
        var classes = outputs.shape[1];
        var expected = outputs.shape.Where((_, i) => i != 1).Skip(1).ToArray(); // [d1, ...] after the row dimension
        var shape = $"[{string.Join(", ", targets.shape)}]";
        if (targets.is_floating_point())
        {
            if (targets.dim() == outputs.dim() && targets.shape.Skip(1).SequenceEqual(outputs.shape.Skip(1)))
                return; // class probabilities
            throw new ArgumentException(
                $"The {what} targets are {targets.dtype} of shape {shape}, but CrossEntropyLoss takes class indices as Int64 "
                    + "(convert them with targets.to(ScalarType.Int64)) or class probabilities of the outputs' shape [n, "
                    + $"{string.Join(", ", outputs.shape.Skip(1))}]."
            );
        }
        if (targets.dtype != ScalarType.Int64)
            throw new ArgumentException(
                $"The {what} targets are {targets.dtype}; CrossEntropyLoss takes class indices as Int64: "
                    + "convert them with targets.to(ScalarType.Int64)."
            );
        if (targets.dim() != outputs.dim() - 1 || !targets.shape.Skip(1).SequenceEqual(expected))
            throw new ArgumentException(
                $"The {what} targets have shape {shape}, but outputs of shape [n, "
                    + $"{string.Join(", ", outputs.shape.Skip(1))}] need one class index per row"
                    + (expected.Length == 0 ? ", shape [n]" : $" and position, shape [n, {string.Join(", ", expected)}]")
                    + (targets.dim() == 2 && targets.shape[1] == 1 ? " (targets.squeeze(1) makes [n, 1] into [n])." : ".")
            );

        using var scope = NewDisposeScope();
        using var upper = classes.ToScalar();
        using var ignored = ignoreIndex.ToScalar();
        var bad = targets.lt(KeptScalars.Zero).logical_or(targets.ge(upper)).logical_and(targets.ne(ignored));
        if (!bad.any().item<bool>())
            return;
        var position = bad.flatten().nonzero()[0, 0].item<long>();
        var value = targets.flatten()[position].item<long>();
        var row = targets.dim() == 1 ? position : position / (targets.numel() / targets.shape[0]);
        var count = bad.sum().item<long>();
        throw new ArgumentException(
            $"The {what} targets hold class {value} at row {row}, but the model outputs {classes} classes, "
                + $"so labels must be 0 to {classes - 1}"
                + (ignoreIndex != -100 ? $" (or {ignoreIndex}, the ignored label)" : "")
                + $"; {count} target(s) are out of range. Give the model as many outputs as there are classes, "
                + "or renumber the labels from 0."
        );
    }
}
