using System.Runtime.InteropServices;

namespace Workbook.Native;

/// <summary>
/// The few POSIX process calls .NET does not offer: sending a signal other than SIGKILL (a graceful SIGTERM to a
/// service), signalling a whole process group (an <c>mpirun</c> job and its ranks), and who we run as. Linux and macOS.
/// </summary>
internal static class PosixProcess
{
    public const int SigTerm = 15,
        SigKill = 9;

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEuid();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>True when this process runs as root (Open MPI then refuses to start without an explicit opt-in).</summary>
    public static bool IsRoot => !OperatingSystem.IsWindows() && GetEuid() == 0;

    /// <summary>Sends <paramref name="signal"/> to process <paramref name="processId"/>; false if it is gone or on Windows.</summary>
    public static bool Signal(int processId, int signal) => !OperatingSystem.IsWindows() && processId > 1 && Kill(processId, signal) == 0;

    /// <summary>Sends <paramref name="signal"/> to every process in group <paramref name="groupId"/>; false if the group is gone.</summary>
    public static bool SignalGroup(int groupId, int signal) => !OperatingSystem.IsWindows() && groupId > 1 && Kill(-groupId, signal) == 0;

    /// <summary>Whether any process of group <paramref name="groupId"/> is still alive (signal 0 checks without sending).</summary>
    public static bool GroupExists(int groupId) => !OperatingSystem.IsWindows() && groupId > 1 && Kill(-groupId, 0) == 0;
}
