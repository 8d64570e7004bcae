using System.Diagnostics;
using System.Text;
using Workbook.Native;

namespace Workbook.Distributed;

/// <summary>
/// Runs a command in a process group of its own (via <c>setsid</c>), captures its output, and on timeout kills the
/// whole group — mpirun and every rank it started — so that nothing outlives the caller's limit.
/// </summary>
internal static class ProcessGroupRunner
{
    private static readonly TimeSpan TermGrace = TimeSpan.FromSeconds(2);

    public static MpiLaunchResult Run(
        IReadOnlyList<string> commandLine,
        IReadOnlyDictionary<string, string> environment,
        string? workingDirectory,
        TimeSpan timeout
    )
    {
        var setsid = FindOnPath("setsid");
        var info = new ProcessStartInfo
        {
            FileName = setsid ?? commandLine[0],
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? System.Environment.CurrentDirectory,
        };
        // setsid (util-linux) makes the command the leader of a new session and process group and then execs it, so
        // its pid is the group id; every rank mpirun forks inherits the group.
        foreach (var part in setsid is null ? commandLine.Skip(1) : commandLine)
            info.ArgumentList.Add(part);
        foreach (var (key, value) in environment)
            info.Environment[key] = value;

        var output = new StringBuilder();
        var error = new StringBuilder();
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (output)
                    output.AppendLine(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (error)
                    error.AppendLine(e.Data);
        };
        if (!process.Start())
            throw new InvalidOperationException($"Could not start {info.FileName}.");
        process.StandardInput.Close(); // ranks must not wait for a terminal
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var groupId = setsid is null ? -1 : process.Id;

        if (!process.WaitForExit(timeout))
        {
            var killed = KillGroup(process, groupId);
            clock.Stop();
            string Text(StringBuilder b)
            {
                lock (b)
                    return b.ToString();
            }
            throw new MpiLaunchTimeoutException(commandLine, timeout, groupId, killed, Text(output), Text(error));
        }
        process.WaitForExit(); // drains the asynchronous readers
        clock.Stop();
        if (groupId > 1 && PosixProcess.GroupExists(groupId))
        {
            // mpirun returned but a rank lingers (e.g. a rank that ignored its abort): never leave it running.
            PosixProcess.SignalGroup(groupId, PosixProcess.SigKill);
        }
        lock (output)
            lock (error)
                return new MpiLaunchResult(commandLine, process.ExitCode, output.ToString(), error.ToString(), clock.Elapsed, groupId);
    }

    private static bool KillGroup(Process process, int groupId)
    {
        if (groupId > 1)
        {
            PosixProcess.SignalGroup(groupId, PosixProcess.SigTerm); // mpirun forwards it and cleans up its ranks
            var deadline = DateTime.UtcNow + TermGrace;
            while (PosixProcess.GroupExists(groupId) && DateTime.UtcNow < deadline)
                Thread.Sleep(50);
            if (PosixProcess.GroupExists(groupId))
                PosixProcess.SignalGroup(groupId, PosixProcess.SigKill);
        }
        try
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { } // it exited meanwhile
        process.WaitForExit(5000);
        return groupId <= 1 || !PosixProcess.GroupExists(groupId);
    }

    /// <summary>The full path of <paramref name="program"/> on PATH, or null.</summary>
    public static string? FindOnPath(string program)
    {
        if (Path.IsPathRooted(program))
            return File.Exists(program) ? program : null;
        foreach (
            var folder in (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(
                Path.PathSeparator,
                StringSplitOptions.RemoveEmptyEntries
            )
        )
        {
            var candidate = Path.Combine(folder, program);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }
}
