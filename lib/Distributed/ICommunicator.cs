using static TorchSharp.torch;

namespace Workbook.Distributed;

/// <summary>
/// The collective operations data-parallel training needs, whatever carries them: <see cref="MpiCommunicator"/> for
/// a job of processes started by <c>mpirun</c>, <see cref="SingleProcessCommunicator"/> for plain single-process
/// training (no MPI needed). Every rank must call the same collectives in the same order with the same sizes.
/// Introduced with chapter 17.
/// </summary>
public interface ICommunicator
{
    /// <summary>This process's index in the job, 0 … <see cref="Size"/> − 1.</summary>
    int Rank { get; }

    /// <summary>Number of processes in the job.</summary>
    int Size { get; }

    /// <summary>Combines a CPU, contiguous float32/float64 tensor over all ranks, in place on every rank.</summary>
    void AllReduce(Tensor tensor, ReduceOperation operation = ReduceOperation.Sum);

    /// <summary>Combines an array over all ranks, in place on every rank.</summary>
    void AllReduce(double[] values, ReduceOperation operation = ReduceOperation.Sum);

    /// <summary>Copies a CPU, contiguous float32/float64 tensor from rank <paramref name="root"/> into every other rank's tensor.</summary>
    void Broadcast(Tensor tensor, int root = 0);

    /// <summary>Copies an array from rank <paramref name="root"/> to every other rank.</summary>
    void Broadcast(double[] values, int root = 0);

    /// <summary>Waits until every rank has called it.</summary>
    void Barrier();
}

/// <summary>How an allreduce combines the ranks' values, element by element. Introduced with chapter 17.</summary>
public enum ReduceOperation
{
    /// <summary>The sum over ranks (<c>MPI_SUM</c>): gradient averaging divides it afterwards.</summary>
    Sum,

    /// <summary>The largest value over ranks (<c>MPI_MAX</c>).</summary>
    Max,

    /// <summary>The smallest value over ranks (<c>MPI_MIN</c>).</summary>
    Min,
}
