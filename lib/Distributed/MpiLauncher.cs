using Workbook.Native;

namespace Workbook.Distributed;

/// <summary>
/// Starts an MPI job from C# (a notebook cell, a test): builds the <c>mpirun</c> command line with the flags this kind
/// of machine needs, runs it in its own process group with a timeout, captures the output, and kills every process of
/// the job if the timeout passes.
/// Introduced in chapter 17.
/// </summary>
/// <example><code>
/// var result = MpiLauncher.Run(new MpiLaunchOptions(2, "dotnet", ["worker.dll", "train"], TimeSpan.FromMinutes(1))).EnsureSuccess();
/// </code></example>
public static class MpiLauncher
{
    /// <summary>The path of <c>mpirun</c>.</summary>
    /// <exception cref="MpiUnavailableException">Open MPI's launcher is not installed.</exception>
    public static string FindMpirun() =>
        ProcessGroupRunner.FindOnPath("mpirun")
        ?? throw new MpiUnavailableException(
            "mpirun was not found on PATH. Install Open MPI: `apt-get install openmpi-bin libopenmpi-dev` (tools/setup.sh does this)."
        );

    /// <summary>
    /// The full command line for <paramref name="options"/>: <c>mpirun -np N [--oversubscribe] [--bind-to none] [--mca mpi_yield_when_idle
    /// 1] [--hostfile F] [extra] program arguments…</c>.
    /// </summary>
    /// <exception cref="ArgumentException">An option is invalid (see <see cref="MpiLaunchOptions.Validate"/>).</exception>
    /// <exception cref="MpiUnavailableException">mpirun is not installed.</exception>
    public static IReadOnlyList<string> CommandLine(MpiLaunchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var line = new List<string> { FindMpirun(), "-np", options.Processes.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (options.Oversubscribe ?? options.Processes > System.Environment.ProcessorCount)
            line.Add("--oversubscribe");
        if (options.BindToNone)
            line.AddRange(["--bind-to", "none"]);
        if (options.YieldWhenIdle)
            line.AddRange(["--mca", "mpi_yield_when_idle", "1"]);
        if (options.Hostfile is not null)
            line.AddRange(["--hostfile", Path.GetFullPath(options.Hostfile)]);
        if (options.ExtraMpirunArguments is not null)
            line.AddRange(options.ExtraMpirunArguments);
        line.Add(options.Program);
        line.AddRange(options.Arguments);
        return line;
    }

    /// <summary>The environment variables the launch adds: Open MPI's opt-in when running as root, <c>TERM=dumb</c>, then the
    /// caller's.</summary>
    public static IReadOnlyDictionary<string, string> Environment(MpiLaunchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var environment = new Dictionary<string, string>();
        if (options.AllowRunAsRoot ?? PosixProcess.IsRoot)
        {
            // Open MPI refuses to run as root unless both are set (or --allow-run-as-root is given).
            environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
            environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        }
        // Open MPI hands rank 0 a pseudo-terminal for its output; .NET then writes terminal set-up codes (ESC[?1h ESC=)
        // into the captured text. A dumb terminal has none.
        environment["TERM"] = "dumb";
        if (options.Environment is not null)
            foreach (var (key, value) in options.Environment)
                environment[key] = value;
        return environment;
    }

    /// <summary>
    /// Runs the job and waits for it (at most <see cref="MpiLaunchOptions.Timeout"/>). A failing job returns normally
    /// with its exit code (call <see cref="MpiLaunchResult.EnsureSuccess"/>); only the timeout throws.
    /// </summary>
    /// <exception cref="MpiLaunchTimeoutException">The job ran past its timeout; all its processes were killed.</exception>
    /// <exception cref="MpiUnavailableException">mpirun is not installed.</exception>
    public static MpiLaunchResult Run(MpiLaunchOptions options) =>
        ProcessGroupRunner.Run(CommandLine(options), Environment(options), options.WorkingDirectory, options.Timeout);

    /// <summary>
    /// Runs one ordinary process (no mpirun) with the same capture, process group and timeout, e.g. the worker's
    /// single-process mode.
    /// </summary>
    /// <exception cref="MpiLaunchTimeoutException">The process ran past <paramref name="timeout"/> and was killed.</exception>
    /// <exception cref="ArgumentException">No program, or a non-positive timeout.</exception>
    public static MpiLaunchResult RunSingle(
        string program,
        IReadOnlyList<string> arguments,
        TimeSpan timeout,
        string? workingDirectory = null
    )
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(program);
        ArgumentNullException.ThrowIfNull(arguments);
        if (timeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be positive.");
        return ProcessGroupRunner.Run([program, .. arguments], new Dictionary<string, string>(), workingDirectory, timeout);
    }

    /// <summary>Joins a command line for display, quoting the parts that need it.</summary>
    public static string Quote(IEnumerable<string> commandLine) =>
        string.Join(
            " ",
            commandLine.Select(part =>
                part.Length > 0 && part.All(c => char.IsLetterOrDigit(c) || "-_./=:,^+@%".Contains(c))
                    ? part
                    : $"'{part.Replace("'", "'\\''")}'"
            )
        );
}
