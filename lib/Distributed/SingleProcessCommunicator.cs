using static TorchSharp.torch;

namespace Workbook.Distributed;

/// <summary>
/// A job of exactly one process without MPI: rank 0 of size 1, where every collective leaves its input as it is.
/// Data-parallel code written against <see cref="ICommunicator"/> then runs unchanged as ordinary training — the
/// reference that a multi-process run must reproduce. Arguments are validated exactly as <see cref="MpiCommunicator"/> does.
/// Introduced with chapter 17.
/// </summary>
public sealed class SingleProcessCommunicator : ICommunicator
{
    /// <summary>Always 0.</summary>
    public int Rank => 0;

    /// <summary>Always 1.</summary>
    public int Size => 1;

    /// <summary>Validates the tensor; the reduction over one rank is the tensor itself.</summary>
    /// <exception cref="ArgumentException">The tensor is not a CPU, contiguous float32/float64 tensor.</exception>
    public void AllReduce(Tensor tensor, ReduceOperation operation = ReduceOperation.Sum)
    {
        TensorBuffer.Validate(tensor, nameof(tensor));
        CheckOperation(operation);
    }

    /// <summary>The reduction over one rank is the array itself.</summary>
    public void AllReduce(double[] values, ReduceOperation operation = ReduceOperation.Sum)
    {
        ArgumentNullException.ThrowIfNull(values);
        CheckOperation(operation);
    }

    /// <summary>Validates the tensor and the root (only 0 exists); nothing to copy.</summary>
    /// <exception cref="ArgumentException">The tensor is not a CPU, contiguous float32/float64 tensor.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not 0.</exception>
    public void Broadcast(Tensor tensor, int root = 0)
    {
        TensorBuffer.Validate(tensor, nameof(tensor));
        CheckRoot(root);
    }

    /// <summary>Validates the root (only 0 exists); nothing to copy.</summary>
    public void Broadcast(double[] values, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(values);
        CheckRoot(root);
    }

    /// <summary>Returns at once: there is no other rank to wait for.</summary>
    public void Barrier() { }

    private static void CheckRoot(int root)
    {
        if (root != 0)
            throw new ArgumentOutOfRangeException(nameof(root), root, "A single-process job has only rank 0.");
    }

    private static void CheckOperation(ReduceOperation operation)
    {
        if (!Enum.IsDefined(operation))
            throw new ArgumentOutOfRangeException(nameof(operation), operation, "Use Sum, Max or Min.");
    }
}
