using System.Runtime.InteropServices;

namespace Workbook.Distributed;

/// <summary>
/// The few entry points of Open MPI's C library that <see cref="MpiCommunicator"/> calls, and the predefined handles
/// it needs. Open MPI's handles (<c>MPI_COMM_WORLD</c>, <c>MPI_FLOAT</c>, <c>MPI_SUM</c>, …) are macros for the
/// addresses of exported globals (<c>&amp;ompi_mpi_comm_world</c>, …), so they are read with
/// <see cref="NativeLibrary.GetExport"/>. The library is first opened with <c>RTLD_NOW | RTLD_GLOBAL</c>: Open MPI
/// loads its transports as plug-ins that resolve symbols of libmpi globally, and fail with "undefined symbol" when
/// libmpi was opened the way .NET opens a P/Invoke library (locally).
/// </summary>
internal static class MpiNative
{
    /// <summary>The Open MPI 3.x–5.x ABI (Debian's libopenmpi3). MPICH's libmpi.so.12 has a different ABI.</summary>
    public const string LibraryName = "libmpi.so.40";

    public const int Success = 0; // MPI_SUCCESS
    public const int ThreadSerialized = 2; // MPI_THREAD_SERIALIZED in Open MPI's mpi.h
    public const int MaxErrorString = 256; // MPI_MAX_ERROR_STRING
    public static readonly IntPtr InPlace = 1; // MPI_IN_PLACE is ((void *) 1) in Open MPI

    private const int RtldNow = 0x2,
        RtldGlobal = 0x100;

    [DllImport("libc.so.6", EntryPoint = "dlopen")]
    private static extern IntPtr DlOpen(string file, int mode);

    [DllImport("libc.so.6", EntryPoint = "dlerror")]
    private static extern IntPtr DlError();

    private static readonly Lazy<IntPtr> Handle = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Opens libmpi globally (once) and returns its handle.</summary>
    /// <exception cref="MpiUnavailableException">Not Linux, or Open MPI is not installed.</exception>
    public static IntPtr Library => Handle.Value;

    private static IntPtr Load()
    {
        if (!OperatingSystem.IsLinux())
            throw new MpiUnavailableException(
                "The Open MPI binding of the workbook runs on Linux only (this is "
                    + $"{System.Runtime.InteropServices.RuntimeInformation.OSDescription})."
            );
        var handle = DlOpen(LibraryName, RtldNow | RtldGlobal);
        if (handle == IntPtr.Zero)
        {
            var reason = Marshal.PtrToStringUTF8(DlError()) ?? "unknown dlopen error";
            throw new MpiUnavailableException(
                $"Cannot load Open MPI ({LibraryName}): {reason}. Install it with `apt-get install openmpi-bin libopenmpi-dev` "
                    + "(tools/setup.sh does this on Debian/Ubuntu)."
            );
        }
        return handle;
    }

    /// <summary>The address of the exported global <paramref name="symbol"/> (an Open MPI predefined handle).</summary>
    public static IntPtr Global(string symbol)
    {
        if (NativeLibrary.TryGetExport(Library, symbol, out var address))
            return address;
        throw new MpiUnavailableException(
            $"{LibraryName} has no symbol '{symbol}': it is not Open MPI (MPICH and others use another ABI). Install Open MPI "
                + "(openmpi-bin, libopenmpi-dev)."
        );
    }

    [DllImport(LibraryName)]
    public static extern int MPI_Init_thread(IntPtr argc, IntPtr argv, int required, out int provided);

    [DllImport(LibraryName)]
    public static extern int MPI_Initialized(out int flag);

    [DllImport(LibraryName)]
    public static extern int MPI_Finalized(out int flag);

    [DllImport(LibraryName)]
    public static extern int MPI_Finalize();

    [DllImport(LibraryName)]
    public static extern int MPI_Comm_rank(IntPtr comm, out int rank);

    [DllImport(LibraryName)]
    public static extern int MPI_Comm_size(IntPtr comm, out int size);

    [DllImport(LibraryName)]
    public static extern int MPI_Comm_set_errhandler(IntPtr comm, IntPtr errhandler);

    [DllImport(LibraryName)]
    public static extern int MPI_Allreduce(IntPtr sendBuffer, IntPtr receiveBuffer, int count, IntPtr datatype, IntPtr op, IntPtr comm);

    [DllImport(LibraryName)]
    public static extern int MPI_Bcast(IntPtr buffer, int count, IntPtr datatype, int root, IntPtr comm);

    [DllImport(LibraryName)]
    public static extern int MPI_Barrier(IntPtr comm);

    [DllImport(LibraryName)]
    public static extern int MPI_Error_string(int code, byte[] text, out int length);

    [DllImport(LibraryName)]
    public static extern int MPI_Get_library_version(byte[] text, out int length);

    /// <summary>Open MPI's text for an error code, or the number when even that fails.</summary>
    public static string ErrorText(int code)
    {
        try
        {
            var buffer = new byte[MaxErrorString];
            if (MPI_Error_string(code, buffer, out var length) == Success)
                return System.Text.Encoding.UTF8.GetString(buffer, 0, Math.Clamp(length, 0, buffer.Length));
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
        return $"error code {code}";
    }
}

/// <summary>
/// Open MPI cannot be used in this process: the library is not installed, the OS is not Linux, MPI was already
/// finalized, or the program was started without <c>mpirun</c> while it needs several processes. The message says which and what to do.
/// Introduced with chapter 17.
/// </summary>
public sealed class MpiUnavailableException : Exception
{
    /// <summary>Creates the exception with a message that says what to do.</summary>
    public MpiUnavailableException(string message)
        : base(message) { }
}
