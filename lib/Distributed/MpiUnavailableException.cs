namespace Workbook.Distributed;

/// <summary>
/// Open MPI cannot be used in this process: the library is not installed, the OS is not Linux, MPI was already
/// finalized, or the program was started without <c>mpirun</c> while it needs several processes. The message says which and what to do.
/// </summary>
public sealed class MpiUnavailableException : Exception
{
    /// <summary>Creates the exception with a message that says what to do.</summary>
    public MpiUnavailableException(string message) : base(message) { }
}
