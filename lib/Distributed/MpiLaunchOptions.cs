namespace Workbook.Distributed;

/// <summary>
/// What to start under <c>mpirun</c> and how: <paramref name="Processes"/> copies of <paramref name="Program"/> with
/// <paramref name="Arguments"/>, killed after <paramref name="Timeout"/>.
/// Introduced in chapter 17.
/// </summary>
/// <param name="Processes">Number of ranks (<c>-np</c>).</param>
/// <param name="Program">The program each rank runs, e.g. <c>dotnet</c> (then the first argument is the worker's .dll).</param>
/// <param name="Arguments">Its arguments.</param>
/// <param name="Timeout">Wall-clock limit of the whole job; past it the job's process group is killed.</param>
/// <param name="Oversubscribe">Allow more ranks than cores (<c>--oversubscribe</c>); null: only when <paramref name="Processes"/> exceeds
/// this machine's cores (Open MPI refuses otherwise).</param>
/// <param name="AllowRunAsRoot">Let Open MPI run as root (sets OMPI_ALLOW_RUN_AS_ROOT and …_CONFIRM); null: only when running as root
/// (containers, CI).</param>
/// <param name="BindToNone">Pass <c>--bind-to none</c>: do not pin ranks to cores (the machine may be shared; pinning oversubscribed ranks
/// slows them).</param>
/// <param name="YieldWhenIdle">Pass <c>--mca mpi_yield_when_idle 1</c>: a rank waiting in a collective gives its core away instead of
/// spinning. Costs a little latency on a dedicated machine; on a laptop or shared machine, where other processes need the cores, spinning
/// ranks slow everything down.</param>
/// <param name="Hostfile">A hostfile for a job across machines (<c>--hostfile</c>); null runs every rank on this machine.</param>
/// <param name="ExtraMpirunArguments">More mpirun options, e.g. <c>--mca btl tcp,self</c>.</param>
/// <param name="Environment">Environment variables for mpirun and the ranks it starts on this machine.</param>
/// <param name="WorkingDirectory">Working directory; null keeps the caller's.</param>
public sealed record MpiLaunchOptions(
    int Processes,
    string Program,
    IReadOnlyList<string> Arguments,
    TimeSpan Timeout,
    bool? Oversubscribe = null,
    bool? AllowRunAsRoot = null,
    bool BindToNone = true,
    bool YieldWhenIdle = true,
    string? Hostfile = null,
    IReadOnlyList<string>? ExtraMpirunArguments = null,
    IReadOnlyDictionary<string, string>? Environment = null,
    string? WorkingDirectory = null
)
{
    /// <summary>Throws if an option is unusable, naming it; returns these options.</summary>
    /// <exception cref="ArgumentException">No program, fewer than 1 process, a non-positive timeout, or a missing hostfile.</exception>
    public MpiLaunchOptions Validate()
    {
        if (Processes < 1)
            throw new ArgumentOutOfRangeException(nameof(Processes), Processes, "Start at least one process.");
        if (string.IsNullOrWhiteSpace(Program))
            throw new ArgumentException("Name the program every rank runs (e.g. dotnet).", nameof(Program));
        ArgumentNullException.ThrowIfNull(Arguments);
        if (Timeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(
                nameof(Timeout),
                Timeout,
                "The timeout must be positive: a job whose rank hangs would otherwise never return."
            );
        if (Hostfile is not null && !File.Exists(Hostfile))
            throw new FileNotFoundException($"The hostfile {Hostfile} does not exist.", Hostfile);
        if (WorkingDirectory is not null && !Directory.Exists(WorkingDirectory))
            throw new DirectoryNotFoundException($"The working directory {WorkingDirectory} does not exist.");
        return this;
    }
}
