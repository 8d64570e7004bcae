namespace Workbook.Distributed;

/// <summary>
/// A launched job did not finish within its time limit; its whole process group (mpirun and every rank) was killed.
/// Typical causes: one rank failed or skipped a collective while the others wait in it, or the limit is too short.
/// Introduced with chapter 17.
/// </summary>
public sealed class MpiLaunchTimeoutException : TimeoutException
{
    /// <summary>Creates the exception; the message says what ran, for how long, that the group was killed, and the output's end.</summary>
    public MpiLaunchTimeoutException(
        IReadOnlyList<string> commandLine,
        TimeSpan timeout,
        int processGroupId,
        bool groupGone,
        string output,
        string error
    )
        : base(
            $"`{MpiLauncher.Quote(commandLine)}` did not finish within {timeout.TotalSeconds:G4} s; "
                + (
                    processGroupId > 1
                        ? $"killed its process group {processGroupId} (mpirun and all "
                            + $"ranks){(groupGone ? "" : ", but some processes survived SIGKILL")}. "
                        : "killed its process tree. "
                )
                + "A rank that fails or skips a collective leaves the others waiting forever: "
                + "check the output below, or raise the timeout.\n"
                + $"--- stderr (end) ---\n{MpiLaunchResult.Tail(error)}\n--- stdout (end) ---\n{MpiLaunchResult.Tail(output)}"
        )
    {
        CommandLine = commandLine;
        ProcessGroupId = processGroupId;
        GroupGone = groupGone;
        Output = output;
        Error = error;
    }

    /// <summary>The command that was killed.</summary>
    public IReadOnlyList<string> CommandLine { get; }

    /// <summary>The process group that was killed (−1 when only the process tree could be).</summary>
    public int ProcessGroupId { get; }

    /// <summary>True when no process of the group was left after the kill.</summary>
    public bool GroupGone { get; }

    /// <summary>Standard output captured before the kill.</summary>
    public string Output { get; }

    /// <summary>Standard error captured before the kill.</summary>
    public string Error { get; }
}
