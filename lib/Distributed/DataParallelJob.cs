using Workbook.Runtime;

namespace Workbook.Distributed;

/// <summary>
/// Runs the chapter-17 worker (tools/Workbook.Distributed, <c>workbook-distributed.dll</c>) with given settings —
/// under <c>mpirun</c> with N processes, or as one plain process without MPI — and reads back every rank's result.
/// </summary>
public static class DataParallelJob
{
    /// <summary>
    /// Trains with <paramref name="settings"/> on <paramref name="processes"/> ranks and returns their results.
    /// <paramref name="useMpi"/> false runs the single-process reference without MPI (then <paramref name="processes"/> must be 1).
    /// </summary>
    /// <param name="workerDll">Path of workbook-distributed.dll.</param>
    /// <param name="processes">Ranks.</param>
    /// <param name="settings">The run.</param>
    /// <param name="outputFolder">A folder for the ranks' result files; emptied of old results first.</param>
    /// <param name="timeout">Limit for the whole job; past it all its processes are killed.</param>
    /// <param name="useMpi">Launch under mpirun (true) or run the worker directly in single-process mode.</param>
    /// <exception cref="FileNotFoundException">The worker is not built.</exception>
    /// <exception cref="InvalidOperationException">The job failed (the message has the exit code and output).</exception>
    /// <exception cref="MpiLaunchTimeoutException">The job ran past <paramref name="timeout"/>.</exception>
    public static DataParallelRun Run(
        string workerDll,
        int processes,
        DataParallelSettings settings,
        string outputFolder,
        TimeSpan timeout,
        bool useMpi = true
    )
    {
        var worker = CheckWorker(workerDll);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        ArgumentException.ThrowIfNullOrWhiteSpace(outputFolder);
        if (!useMpi && processes != 1)
            throw new ArgumentOutOfRangeException(
                nameof(processes),
                processes,
                "Without MPI there is exactly one process; use useMpi: true for more."
            );
        Directory.CreateDirectory(outputFolder);
        foreach (var old in Directory.GetFiles(outputFolder, "rank-*.json"))
            File.Delete(old);

        var arguments = new List<string> { worker, "train", "--mode", useMpi ? "mpi" : "single", "--out", Path.GetFullPath(outputFolder) };
        if (useMpi)
            arguments.AddRange(["--expect-size", processes.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        arguments.AddRange(settings.ToArguments());
        var launch = useMpi
            ? MpiLauncher.Run(new MpiLaunchOptions(processes, DotnetHost.Executable, arguments, timeout))
            : MpiLauncher.RunSingle(DotnetHost.Executable, arguments, timeout);
        launch.EnsureSuccess();
        return new DataParallelRun(processes, useMpi, RankResult.ReadAll(outputFolder, processes), launch);
    }

    /// <summary>Returns the worker's full path, or explains how to build it.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="workerDll"/>.</exception>
    public static string CheckWorker(string workerDll)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workerDll);
        var full = Path.GetFullPath(workerDll);
        if (!File.Exists(full))
            throw new FileNotFoundException(
                $"The distributed worker {full} does not exist. Build it with `dotnet build "
                    + "tools/Workbook.Distributed` (tools/setup.sh builds it).",
                full
            );
        return full;
    }
}
