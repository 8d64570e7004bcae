using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Distributed;

/// <summary>
/// All gradients of a model flattened into one contiguous buffer, so that a training step needs one allreduce instead
/// of one per parameter: each MPI call has a fixed latency, and small messages waste it (PyTorch's DDP does the same
/// with ~25 MB "buckets", which it also overlaps with the backward pass; here the one bucket is reduced after it).
/// A few extra numbers (e.g. the loss sum) ride along at the end of the buffer, at no extra call.
/// Introduced with chapter 17.
/// </summary>
public sealed class GradientBucket : IDisposable
{
    private readonly Parameter[] parameters;
    private readonly string[] names;
    private readonly long gradientElements;

    /// <summary>A bucket for the trainable parameters of <paramref name="model"/> plus <paramref name="extraValues"/> numbers.</summary>
    /// <exception cref="ArgumentException">The model has no trainable parameter, or they mix dtypes or devices.</exception>
    public GradientBucket(nn.Module model, int extraValues = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegative(extraValues);
        var named = model.named_parameters().Where(p => p.parameter.requires_grad).ToArray();
        if (named.Length == 0)
            throw new ArgumentException(
                $"Model {model.GetName()} has no trainable parameter: there are no gradients to average.",
                nameof(model)
            );
        parameters = named.Select(p => p.parameter).ToArray();
        names = named.Select(p => p.name).ToArray();
        var dtype = parameters[0].dtype;
        foreach (var (name, parameter) in named)
        {
            if (parameter.dtype != dtype)
                throw new ArgumentException(
                    $"Parameter '{name}' is {parameter.dtype} but '{names[0]}' is {dtype}; one gradient bucket needs one dtype.",
                    nameof(model)
                );
            if (parameter.device_type != parameters[0].device_type)
                throw new ArgumentException(
                    $"Parameter '{name}' is on {parameter.device} but '{names[0]}' is on {parameters[0].device}.",
                    nameof(model)
                );
        }
        gradientElements = parameters.Sum(p => p.numel());
        ExtraValues = extraValues;
        Buffer = zeros(gradientElements + extraValues, dtype: dtype, device: parameters[0].device);
    }

    /// <summary>The flat buffer: every gradient in parameter order, then the extra values. Owned by the bucket, which disposes
    /// it.</summary>
    public Tensor Buffer { get; }

    /// <summary>Number of gradient elements (the buffer holds this many plus <see cref="ExtraValues"/>).</summary>
    public long GradientElements => gradientElements;

    /// <summary>Number of extra values at the end of the buffer.</summary>
    public int ExtraValues { get; }

    /// <summary>
    /// Copies every parameter's gradient and <paramref name="extras"/> into <see cref="Buffer"/>, sums the buffer over
    /// all ranks with one allreduce, and copies the summed gradients back into the parameters' <c>.grad</c>.
    /// </summary>
    /// <returns>The summed extra values.</returns>
    /// <exception cref="InvalidOperationException">A parameter has no gradient (it took no part in the loss on this rank).</exception>
    /// <exception cref="ArgumentException"><paramref name="extras"/> does not have <see cref="ExtraValues"/> entries.</exception>
    public double[] AllReduceSum(ICommunicator communicator, params double[] extras)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentNullException.ThrowIfNull(extras);
        if (extras.Length != ExtraValues)
            throw new ArgumentException($"This bucket carries {ExtraValues} extra values; got {extras.Length}.", nameof(extras));
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            Flatten(extras);
            communicator.AllReduce(Buffer, ReduceOperation.Sum);
            return Unflatten();
        }
    }

    /// <summary>Writes the gradients and extras into <see cref="Buffer"/> (the step before the allreduce).</summary>
    internal void Flatten(double[] extras)
    {
        long offset = 0;
        for (var i = 0; i < parameters.Length; i++)
        {
            var grad =
                parameters[i].grad
                ?? throw new InvalidOperationException(
                    $"Parameter '{names[i]}' has no gradient: it took no part in this rank's loss. Every rank must "
                        + "produce a gradient for every "
                        + "trainable parameter (PyTorch DDP's find_unused_parameters case), or the ranks' updates would differ."
                );
            var n = parameters[i].numel();
            Buffer.narrow(0, offset, n).copy_(grad.reshape(-1));
            offset += n;
        }
        for (var k = 0; k < extras.Length; k++)
            Buffer[offset + k] = extras[k];
    }

    /// <summary>Copies the (reduced) buffer back into the gradients and returns the extras.</summary>
    internal double[] Unflatten()
    {
        long offset = 0;
        foreach (var parameter in parameters)
        {
            var n = parameter.numel();
            parameter.grad!.copy_(Buffer.narrow(0, offset, n).view(parameter.shape));
            offset += n;
        }
        var extras = new double[ExtraValues];
        if (ExtraValues > 0)
        {
            var tail = Buffer.narrow(0, offset, ExtraValues).to(ScalarType.Float64).data<double>().ToArray();
            Array.Copy(tail, extras, ExtraValues);
        }
        return extras;
    }

    /// <summary>Frees the buffer.</summary>
    public void Dispose() => Buffer.Dispose();
}
