namespace Workbook.Distributed;

/// <summary>How a launched job ended: its command line, exit code, captured output and duration. Introduced with chapter 17.</summary>
/// <param name="CommandLine">The command that ran (program first).</param>
/// <param name="ExitCode">mpirun's exit code (non-zero when any rank failed).</param>
/// <param name="Output">Everything the job wrote to standard output (all ranks, interleaved by line).</param>
/// <param name="Error">Everything the job wrote to standard error.</param>
/// <param name="Elapsed">Wall time from start to exit, process start-up included.</param>
/// <param name="ProcessGroupId">The job's process group (−1 when it could not have its own).</param>
public sealed record MpiLaunchResult(
    IReadOnlyList<string> CommandLine,
    int ExitCode,
    string Output,
    string Error,
    TimeSpan Elapsed,
    int ProcessGroupId
)
{
    /// <summary>True when the job exited with code 0.</summary>
    public bool Succeeded => ExitCode == 0;

    /// <summary>The command line as one shell-like string, for messages and notebooks.</summary>
    public string CommandText => MpiLauncher.Quote(CommandLine);

    /// <summary>Returns this result if the job succeeded, otherwise throws with the exit code and the end of its output.</summary>
    /// <exception cref="InvalidOperationException">The exit code was not 0.</exception>
    public MpiLaunchResult EnsureSuccess()
    {
        if (Succeeded)
            return this;
        throw new InvalidOperationException(
            $"`{CommandText}` exited with code {ExitCode} after {Elapsed.TotalSeconds:F1} s.\n--- stderr (end) "
                + $"---\n{Tail(Error)}\n--- stdout (end) ---\n{Tail(Output)}"
        );
    }

    internal static string Tail(string text, int characters = 3000) =>
        text.Length <= characters ? text.TrimEnd() : "…" + text[^characters..].TrimEnd();
}
