using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Workbook.Distributed;

/// <summary>
/// The processes of an MPI job (<c>MPI_COMM_WORLD</c>) and the collective operations data-parallel training needs:
/// allreduce, broadcast and barrier, on CPU tensors in place or on arrays. One per process:
/// <see cref="Initialize"/> calls <c>MPI_Init_thread</c> the first time and returns the same object afterwards;
/// <see cref="Dispose"/> calls <c>MPI_Finalize</c>, after which MPI cannot be used again in this process (an MPI rule).
/// A program started without <c>mpirun</c> is a job of one process (a "singleton": rank 0, size 1), where every
/// collective returns its input.
/// Introduced in chapter 17.
/// </summary>
/// <remarks>
/// Every call is checked: an MPI error becomes an <see cref="MpiException"/> naming the call (the communicator's
/// error handler is set to <c>MPI_ERRORS_RETURN</c>, since Open MPI's default aborts the job). Collectives must be
/// called by every rank in the same order with the same sizes, or the job waits forever: give the launcher a timeout.
/// Calls are serialized by a lock (MPI is initialized with <c>MPI_THREAD_SERIALIZED</c>).
/// </remarks>
public sealed class MpiCommunicator : ICommunicator, IDisposable
{
    private static readonly object Gate = new();
    private static MpiCommunicator? current;

    private readonly IntPtr world,
        floatType,
        doubleType,
        sum,
        max,
        min;
    private bool disposed;

    private MpiCommunicator()
    {
        world = MpiNative.Global("ompi_mpi_comm_world");
        floatType = MpiNative.Global("ompi_mpi_float");
        doubleType = MpiNative.Global("ompi_mpi_double");
        sum = MpiNative.Global("ompi_mpi_op_sum");
        max = MpiNative.Global("ompi_mpi_op_max");
        min = MpiNative.Global("ompi_mpi_op_min");
        var errorsReturn = MpiNative.Global("ompi_mpi_errors_return");

        MpiException.Check(MpiNative.MPI_Initialized(out var initialized), "MPI_Initialized");
        if (initialized == 0)
        {
            MpiException.Check(
                MpiNative.MPI_Init_thread(IntPtr.Zero, IntPtr.Zero, MpiNative.ThreadSerialized, out var provided),
                "MPI_Init_thread"
            );
            ThreadSupport = provided;
        }
        MpiException.Check(MpiNative.MPI_Comm_set_errhandler(world, errorsReturn), "MPI_Comm_set_errhandler");
        MpiException.Check(MpiNative.MPI_Comm_rank(world, out var rank), "MPI_Comm_rank");
        MpiException.Check(MpiNative.MPI_Comm_size(world, out var size), "MPI_Comm_size");
        Rank = rank;
        Size = size;
    }

    /// <summary>
    /// Initializes MPI in this process (first call) and returns the world communicator; later calls return the same
    /// object. Loads <c>libmpi.so.40</c> globally first (see <see cref="IsAvailable"/>).
    /// </summary>
    /// <exception cref="MpiUnavailableException">Open MPI is missing, or MPI was finalized in this process already.</exception>
    /// <exception cref="MpiException">MPI_Init_thread or a query failed.</exception>
    public static MpiCommunicator Initialize()
    {
        lock (Gate)
        {
            if (current is { disposed: false })
                return current;
            _ = MpiNative.Library;
            MpiException.Check(MpiNative.MPI_Finalized(out var finalized), "MPI_Finalized");
            if (finalized != 0)
                throw new MpiUnavailableException(
                    "MPI was finalized in this process; MPI_Init can run only once per process. Start a new process (the launcher or a "
                        + "test runs each job in its own)."
                );
            current = new MpiCommunicator();
            return current;
        }
    }

    /// <summary>True when Open MPI's library can be loaded here (it does not initialize MPI).</summary>
    public static bool IsAvailable
    {
        get
        {
            try
            {
                _ = MpiNative.Library;
                return true;
            }
            catch (MpiUnavailableException)
            {
                return false;
            }
        }
    }

    /// <summary>Whether <c>MPI_Init</c> has run in this process (false when Open MPI is not installed).</summary>
    public static bool IsInitialized => IsAvailable && Query(MpiNative.MPI_Initialized, "MPI_Initialized");

    /// <summary>Whether <c>MPI_Finalize</c> has run in this process (false when Open MPI is not installed).</summary>
    public static bool IsFinalized => IsAvailable && Query(MpiNative.MPI_Finalized, "MPI_Finalized");

    private delegate int FlagQuery(out int flag);

    private static bool Query(FlagQuery query, string call)
    {
        MpiException.Check(query(out var flag), call);
        return flag != 0;
    }

    /// <summary>True when this process was started by Open MPI's <c>mpirun</c> (it sets <c>OMPI_COMM_WORLD_SIZE</c>).</summary>
    public static bool StartedByMpirun => System.Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null;

    /// <summary>Open MPI's version line, e.g. "Open MPI v4.1.4, …".</summary>
    /// <exception cref="MpiUnavailableException">Open MPI is not installed.</exception>
    public static string LibraryVersion
    {
        get
        {
            _ = MpiNative.Library;
            var buffer = new byte[8192];
            MpiException.Check(MpiNative.MPI_Get_library_version(buffer, out var length), "MPI_Get_library_version");
            var text = System.Text.Encoding.UTF8.GetString(buffer, 0, Math.Clamp(length, 0, buffer.Length));
            return text.TrimEnd('\0').Split('\n', 2)[0].Trim().TrimEnd(',');
        }
    }

    /// <summary>This process's index in the job, 0 … <see cref="Size"/> − 1.</summary>
    public int Rank { get; }

    /// <summary>Number of processes in the job (1 when started without <c>mpirun</c>).</summary>
    public int Size { get; }

    /// <summary>The thread support MPI granted (<c>MPI_THREAD_*</c>: 0 single … 3 multiple); −1 when MPI was initialized
    /// elsewhere.</summary>
    public int ThreadSupport { get; } = -1;

    /// <summary>Whether this is rank 0, the one that logs, saves checkpoints and owns the initial parameters.</summary>
    public bool IsRoot => Rank == 0;

    /// <summary>Throws unless the job has <paramref name="expectedSize"/> processes, explaining how to start it.</summary>
    /// <exception cref="MpiUnavailableException">A different number of processes, e.g. started without <c>mpirun</c>.</exception>
    public void RequireSize(int expectedSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(expectedSize, 1);
        if (Size == expectedSize)
            return;
        var how = StartedByMpirun
            ? $"mpirun started {Size} processes"
            : "the program was not started by mpirun, so it is a job of one process";
        throw new MpiUnavailableException(
            $"Expected {expectedSize} MPI processes but {how}. Start it as `mpirun -np {expectedSize} dotnet "
                + "<worker>.dll …` (MpiLauncher does this)."
        );
    }

    /// <summary>
    /// Combines <paramref name="tensor"/> over all ranks with <paramref name="operation"/> and writes the result into
    /// it on every rank (<c>MPI_Allreduce</c> with <c>MPI_IN_PLACE</c>). The tensor must be a CPU, contiguous float32
    /// or float64 tensor of the same shape on every rank.
    /// </summary>
    /// <exception cref="ArgumentException">The tensor is not on the CPU, not float32/float64, or not contiguous.</exception>
    /// <exception cref="MpiException">MPI_Allreduce failed.</exception>
    public void AllReduce(Tensor tensor, ReduceOperation operation = ReduceOperation.Sum)
    {
        var buffer = TensorBuffer.Of(tensor, nameof(tensor));
        var op = Op(operation);
        lock (Gate)
        {
            ThrowIfDisposed();
            MpiException.Check(
                MpiNative.MPI_Allreduce(MpiNative.InPlace, buffer.Address, buffer.Count, Type(buffer.IsDouble), op, world),
                "MPI_Allreduce"
            );
        }
    }

    /// <summary>Combines <paramref name="values"/> over all ranks in place (see
    /// <see cref="AllReduce(Tensor, ReduceOperation)"/>).</summary>
    /// <exception cref="MpiException">MPI_Allreduce failed.</exception>
    public void AllReduce(double[] values, ReduceOperation operation = ReduceOperation.Sum)
    {
        ArgumentNullException.ThrowIfNull(values);
        var op = Op(operation);
        Call(values, address => MpiNative.MPI_Allreduce(MpiNative.InPlace, address, values.Length, doubleType, op, world), "MPI_Allreduce");
    }

    /// <summary>Copies <paramref name="tensor"/> from rank <paramref name="root"/> into the same tensor on every other rank
    /// (<c>MPI_Bcast</c>).</summary>
    /// <exception cref="ArgumentException">The tensor is not a CPU contiguous float32/float64 tensor.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of this job.</exception>
    /// <exception cref="MpiException">MPI_Bcast failed.</exception>
    public void Broadcast(Tensor tensor, int root = 0)
    {
        var buffer = TensorBuffer.Of(tensor, nameof(tensor));
        CheckRoot(root);
        lock (Gate)
        {
            ThrowIfDisposed();
            MpiException.Check(MpiNative.MPI_Bcast(buffer.Address, buffer.Count, Type(buffer.IsDouble), root, world), "MPI_Bcast");
        }
    }

    /// <summary>Copies <paramref name="values"/> from rank <paramref name="root"/> to every other rank (<c>MPI_Bcast</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of this job.</exception>
    /// <exception cref="MpiException">MPI_Bcast failed.</exception>
    public void Broadcast(double[] values, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(values);
        CheckRoot(root);
        Call(values, address => MpiNative.MPI_Bcast(address, values.Length, doubleType, root, world), "MPI_Bcast");
    }

    /// <summary>
    /// One MPI call on a managed array: the array pinned for the call's duration (MPI reads and writes it in place), the
    /// call serialized by <see cref="Gate"/> on a live communicator, and its return code checked.
    /// </summary>
    private void Call(double[] values, Func<IntPtr, int> call, string function)
    {
        var handle = GCHandle.Alloc(values, GCHandleType.Pinned);
        try
        {
            lock (Gate)
            {
                ThrowIfDisposed();
                MpiException.Check(call(handle.AddrOfPinnedObject()), function);
            }
        }
        finally
        {
            handle.Free();
        }
    }

    /// <summary>Waits until every rank has called it (<c>MPI_Barrier</c>).</summary>
    /// <exception cref="MpiException">MPI_Barrier failed.</exception>
    public void Barrier()
    {
        lock (Gate)
        {
            ThrowIfDisposed();
            MpiException.Check(MpiNative.MPI_Barrier(world), "MPI_Barrier");
        }
    }

    /// <summary>Calls <c>MPI_Finalize</c> (once; every rank must). MPI cannot be initialized again in this process.</summary>
    /// <exception cref="MpiException">MPI_Finalize failed.</exception>
    public void Dispose()
    {
        lock (Gate)
        {
            if (disposed)
                return;
            disposed = true;
            if (!Query(MpiNative.MPI_Finalized, "MPI_Finalized"))
                MpiException.Check(MpiNative.MPI_Finalize(), "MPI_Finalize");
        }
    }

    private void ThrowIfDisposed()
    {
        if (disposed)
            throw new ObjectDisposedException(
                nameof(MpiCommunicator),
                "MPI was finalized (the communicator was disposed); no collective can run after MPI_Finalize."
            );
    }

    private void CheckRoot(int root)
    {
        if (root < 0 || root >= Size)
            throw new ArgumentOutOfRangeException(nameof(root), root, $"The root must be a rank of this job, 0 … {Size - 1}.");
    }

    private IntPtr Type(bool isDouble) => isDouble ? doubleType : floatType;

    private IntPtr Op(ReduceOperation operation) =>
        operation switch
        {
            ReduceOperation.Sum => sum,
            ReduceOperation.Max => max,
            ReduceOperation.Min => min,
            _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "Use Sum, Max or Min."),
        };
}
