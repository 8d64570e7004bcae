using System.Runtime.InteropServices;

namespace Workbook.Distributed;

/// <summary>The few POSIX process calls the launcher needs: who we are, and signalling a whole process group.</summary>
internal static class PosixProcess
{
    public const int SigTerm = 15, SigKill = 9;

    [DllImport("libc.so.6", EntryPoint = "geteuid")]
    private static extern uint GetEuid();

    [DllImport("libc.so.6", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>True when this process runs as root (Open MPI then refuses to start without an explicit opt-in).</summary>
    public static bool IsRoot => OperatingSystem.IsLinux() && GetEuid() == 0;

    /// <summary>Sends <paramref name="signal"/> to every process in group <paramref name="groupId"/>; false if the group is gone.</summary>
    public static bool SignalGroup(int groupId, int signal) => groupId > 1 && Kill(-groupId, signal) == 0;

    /// <summary>Whether any process of group <paramref name="groupId"/> is still alive (signal 0 checks without sending).</summary>
    public static bool GroupExists(int groupId) => groupId > 1 && Kill(-groupId, 0) == 0;
}
