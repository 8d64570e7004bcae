using System.Diagnostics;
using Workbook.Deployment;

namespace Workbook.Serving;

/// <summary>
/// Stops the server when the process that started it is gone (a notebook kernel that crashed, a test run that was
/// killed), so no orphaned server keeps a port and memory. The parent's id comes from the environment variable
/// <see cref="ServiceProcess.ParentProcessIdVariable"/>, which <see cref="ServiceProcess"/> sets.
/// </summary>
public static class ParentProcessWatch
{
    /// <summary>Starts watching when the variable names a process; returns whether it did.</summary>
    public static bool Start(IHostApplicationLifetime lifetime)
    {
        ArgumentNullException.ThrowIfNull(lifetime);
        var text = Environment.GetEnvironmentVariable(ServiceProcess.ParentProcessIdVariable);
        if (!int.TryParse(text, out var parentId) || parentId <= 0)
            return false;
        _ = Task.Run(async () =>
        {
            while (!lifetime.ApplicationStopping.IsCancellationRequested)
            {
                if (!IsRunning(parentId))
                {
                    Console.WriteLine($"Workbook.Serving: the parent process {parentId} has exited; shutting down.");
                    lifetime.StopApplication();
                    return;
                }
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), lifetime.ApplicationStopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
        return true;
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
