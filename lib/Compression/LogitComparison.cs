using static TorchSharp.torch;

namespace Workbook.Compression;

/// <summary>How far a compressed model's logits are from the original's on the same inputs. Introduced in chapter 15.</summary>
/// <param name="MaxAbsoluteDifference">The largest |reference − candidate| over all logits.</param>
/// <param name="ReferenceRange">max − min of the reference logits, to put the difference in proportion.</param>
/// <param name="Top1Agreement">Fraction of rows (positions) whose arg-max is the same.</param>
public sealed record LogitComparison(double MaxAbsoluteDifference, double ReferenceRange, double Top1Agreement)
{
    /// <summary>Compares logits of the same shape [..., classes] (e.g. [batch, classes] or GPT-2's [batch, positions, vocab]).</summary>
    /// <exception cref="ArgumentException">The shapes differ or the tensors are empty.</exception>
    public static LogitComparison Of(Tensor reference, Tensor candidate)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(candidate);
        if (!reference.shape.SequenceEqual(candidate.shape))
            throw new ArgumentException(
                $"Logits to compare must have the same shape: reference [{string.Join(", ", reference.shape)}], "
                    + $"candidate [{string.Join(", ", candidate.shape)}].",
                nameof(candidate)
            );
        if (reference.dim() == 0 || reference.numel() == 0)
            throw new ArgumentException("There are no logits to compare.", nameof(reference));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (r, c) = (reference.detach().to(ScalarType.Float64), candidate.detach().to(ScalarType.Float64, reference.device));
        return new LogitComparison(
            (r - c).abs().max().item<double>(),
            (r.max() - r.min()).item<double>(),
            r.argmax(-1).eq(c.argmax(-1)).to(ScalarType.Float64).mean().item<double>()
        );
    }
}
