using System.Diagnostics;
using System.Text.RegularExpressions;
using Workbook.Native;
using Workbook.Runtime;

namespace Workbook.Deployment;

/// <summary>
/// A web service run as a child process on this machine, the way a notebook or a test should run one: started on
/// 127.0.0.1 with port 0 (the operating system picks a free port, so nothing races for it), ready only once its health
/// endpoint answers, and stopped gracefully — SIGTERM, which ASP.NET Core turns into an orderly shutdown, then a wait,
/// then a kill only if the grace period runs out. Every wait has a deadline; nothing hangs. Introduced in chapter 14.
/// </summary>
public sealed partial class ServiceProcess : IAsyncDisposable
{
    /// <summary>
    /// The environment variable in which the child receives this process's id, so a service that supports it (the
    /// workbook's does) can shut itself down when its parent has gone — no orphaned server after a crashed kernel.
    /// </summary>
    public const string ParentProcessIdVariable = "WORKBOOK_PARENT_PID";

    private const int MaxOutputLines = 400;
    private readonly Process process;
    private readonly Queue<string> output = new();
    private readonly TaskCompletionSource<Uri> listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ServiceStopResult? stopped;

    private ServiceProcess(Process process) => this.process = process;

    /// <summary>Where the service listens, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The child's process id.</summary>
    public int ProcessId => process.Id;

    /// <summary>True once the child has exited.</summary>
    public bool HasExited => process.HasExited;

    /// <summary>The last lines the child wrote to stdout and stderr (stderr lines prefixed "stderr: "), for diagnosing a failure.</summary>
    public IReadOnlyList<string> RecentOutput
    {
        get
        {
            lock (output)
                return [.. output];
        }
    }

    /// <summary>
    /// Runs <c>dotnet <paramref name="assemblyPath"/> --urls http://127.0.0.1:0 …</c>, waits for the line in which the
    /// service reports its address ("Now listening on: http://127.0.0.1:PORT"), then polls <paramref name="healthPath"/>
    /// until it answers 200.
    /// </summary>
    /// <param name="assemblyPath">The service's built .dll.</param>
    /// <param name="arguments">Further command-line arguments of the service.</param>
    /// <param name="startTimeout">Give up (and kill the child) when the service is not healthy after this long.</param>
    /// <param name="healthPath">The readiness endpoint.</param>
    /// <param name="cancellationToken">Stops waiting (and kills the child).</param>
    /// <exception cref="FileNotFoundException">The assembly does not exist.</exception>
    /// <exception cref="InvalidOperationException">The process exited, or did not become healthy in time; the message includes its last
    /// output lines.</exception>
    public static async Task<ServiceProcess> StartAsync(
        string assemblyPath,
        IEnumerable<string>? arguments = null,
        TimeSpan? startTimeout = null,
        string healthPath = "/healthz",
        CancellationToken cancellationToken = default
    )
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(assemblyPath);
        assemblyPath = Path.GetFullPath(assemblyPath);
        if (!File.Exists(assemblyPath))
            throw new FileNotFoundException(
                $"The service {assemblyPath} does not exist; build it first (tools/setup.sh or dotnet build).",
                assemblyPath
            );
        var timeout = startTimeout ?? TimeSpan.FromSeconds(60);
        if (timeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(startTimeout), startTimeout, "The start timeout must be positive.");
        var info = new ProcessStartInfo(DotnetHost.Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(assemblyPath)!,
        };
        info.Environment[ParentProcessIdVariable] = System.Environment.ProcessId.ToString(
            System.Globalization.CultureInfo.InvariantCulture
        );
        info.ArgumentList.Add(assemblyPath);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add("http://127.0.0.1:0");
        foreach (var a in arguments ?? [])
            info.ArgumentList.Add(a);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var service = new ServiceProcess(process);
        process.OutputDataReceived += (_, e) => service.Record(e.Data, error: false);
        process.ErrorDataReceived += (_, e) => service.Record(e.Data, error: true);
        if (!process.Start())
            throw new InvalidOperationException($"Could not start {info.FileName} {assemblyPath}.");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            var exited = process.WaitForExitAsync(deadline.Token);
            var first = await Task.WhenAny(service.listening.Task, exited).ConfigureAwait(false);
            if (first != service.listening.Task)
            {
                await first.ConfigureAwait(false); // throws when the deadline fired
                throw service.Failure($"exited with code {process.ExitCode} before listening");
            }
            service.BaseAddress = await service.listening.Task.ConfigureAwait(false);
            using var client = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
            while (true)
            {
                deadline.Token.ThrowIfCancellationRequested();
                if (process.HasExited)
                    throw service.Failure($"exited with code {process.ExitCode} before its health check passed");
                try
                {
                    using var response = await client.GetAsync(healthPath, deadline.Token).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode)
                        return service;
                }
                catch (HttpRequestException)
                {
                    // Not accepting yet: try again shortly.
                }
                await Task.Delay(100, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            KillQuietly(process);
            throw service.Failure($"was not healthy at {healthPath} within {timeout.TotalSeconds:0.#} s, so it was killed");
        }
        catch
        {
            KillQuietly(process);
            throw;
        }
    }

    /// <summary>
    /// Asks the service to stop (SIGTERM on Linux and macOS: in-flight requests finish, new ones are refused), waits up to
    /// <paramref name="gracePeriod"/>, and kills it if it is still running. Windows has no SIGTERM for console children:
    /// there it is killed at once. Calling it again returns the first result.
    /// </summary>
    public async Task<ServiceStopResult> StopAsync(TimeSpan? gracePeriod = null)
    {
        if (stopped is not null)
            return stopped;
        var grace = gracePeriod ?? TimeSpan.FromSeconds(10);
        var clock = Stopwatch.StartNew();
        var graceful = false;
        if (!process.HasExited)
        {
            if (PosixProcess.Signal(process.Id, PosixProcess.SigTerm))
            {
                using var wait = new CancellationTokenSource(grace);
                try
                {
                    await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
                    graceful = true;
                }
                catch (OperationCanceledException)
                {
                    // Grace period over: fall through to the kill.
                }
            }
            if (!graceful)
            {
                KillQuietly(process);
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            }
        }
        else
        {
            graceful = true;
        }
        process.WaitForExit(); // flushes the redirected output
        stopped = new ServiceStopResult(process.ExitCode, graceful, clock.Elapsed);
        return stopped;
    }

    /// <summary>Stops the service (10 s grace) if it still runs, and releases the process handle.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        finally
        {
            process.Dispose();
        }
    }

    private void Record(string? line, bool error)
    {
        if (line is null)
            return;
        lock (output)
        {
            output.Enqueue(error ? "stderr: " + line : line);
            while (output.Count > MaxOutputLines)
                output.Dequeue();
        }
        if (
            !error
            && ListeningLine().Match(line) is { Success: true } match
            && Uri.TryCreate(match.Groups[1].Value, UriKind.Absolute, out var uri)
        )
            listening.TrySetResult(uri);
    }

    private InvalidOperationException Failure(string what)
    {
        var lines = RecentOutput;
        var tail = lines.Count == 0 ? "(no output)" : string.Join(System.Environment.NewLine, lines.TakeLast(30));
        return new InvalidOperationException(
            $"The service {process.StartInfo.ArgumentList[0]} {what}. Its last output:{System.Environment.NewLine}{tail}"
        );
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    [GeneratedRegex(@"listening on:?\s+(https?://\S+)", RegexOptions.IgnoreCase)]
    private static partial Regex ListeningLine();
}

/// <summary>How a <see cref="ServiceProcess"/> ended. Introduced with chapter 14.</summary>
/// <param name="ExitCode">The process's exit code (a killed process reports the signal's code, e.g. 137).</param>
/// <param name="ExitedGracefully">True when it exited by itself within the grace period after the stop signal; false when it had to be
/// killed.</param>
/// <param name="StopDuration">From sending the stop signal to the process having exited.</param>
public sealed record ServiceStopResult(int ExitCode, bool ExitedGracefully, TimeSpan StopDuration);
