using static TorchSharp.torch;

namespace Workbook.Distributed;

/// <summary>
/// Whether all ranks hold the same parameters, checked exactly: the flattened parameters (and −parameters) are
/// reduced with MAX in one allreduce, which yields the element-wise maximum and minimum over ranks; their largest
/// difference is 0 only if every element agrees bit for bit (max and min are exact, unlike a sum). Costs one
/// allreduce of twice the parameter count — cheap for the chapter's small model, so the demo runs it every step.
/// </summary>
/// <param name="MaxSpread">Largest difference between ranks of any parameter element; 0 when the replicas are identical.</param>
/// <param name="Checksum">Sum of all parameter elements on this rank, in float64: a fingerprint to compare runs and steps.</param>
/// <param name="Elements">Number of parameter elements compared.</param>
public sealed record ReplicaAgreement(double MaxSpread, double Checksum, long Elements)
{
    /// <summary>True when every parameter element is identical on every rank.</summary>
    public bool IsIdentical => MaxSpread == 0;

    /// <summary>Compares the parameters of <paramref name="model"/> across all ranks (a collective: every rank must call it).</summary>
    /// <exception cref="ArgumentException">The model has no parameters, or they are not CPU float32/float64 tensors.</exception>
    public static ReplicaAgreement Check(nn.Module model, ICommunicator communicator)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(communicator);
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            var flat = Flatten(model);
            var both = stack([flat, flat.neg()]).contiguous(); // one call gives max and −min
            communicator.AllReduce(both, ReduceOperation.Max);
            var spread = (both[0] + both[1]).max().to(ScalarType.Float64).item<double>();
            var checksum = flat.to(ScalarType.Float64).sum().item<double>();
            return new ReplicaAgreement(spread, checksum, flat.numel());
        }
    }

    /// <summary>All parameters of <paramref name="model"/> as one float64 vector, in parameter order (for comparing runs).</summary>
    /// <exception cref="ArgumentException">The model has no parameters.</exception>
    public static double[] Parameters(nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = NewDisposeScope();
        using (no_grad())
            return Flatten(model).to(ScalarType.Float64).data<double>().ToArray();
    }

    private static Tensor Flatten(nn.Module model)
    {
        var parameters = model.parameters().ToArray();
        if (parameters.Length == 0)
            throw new ArgumentException($"Model {model.GetName()} has no parameters to compare.", nameof(model));
        return cat(parameters.Select(p => p.detach().reshape(-1)).ToArray()).contiguous();
    }
}
