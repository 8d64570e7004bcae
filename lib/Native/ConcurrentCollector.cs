namespace Workbook.Native;

/// <summary>
/// A thread that calls <c>GC.Collect()</c> and waits for finalisers in a loop until disposed: the stress under which
/// TorchSharp 0.107's implicit-Scalar race shows (see <see cref="KeptScalars"/>). The GC-race tests and
/// <c>tools/bench.sh gc-race</c> run their work inside one.
/// </summary>
internal sealed class ConcurrentCollector : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;

    /// <summary>Starts collecting.</summary>
    public ConcurrentCollector()
    {
        _thread = new Thread(() =>
        {
            while (!_stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        })
        {
            IsBackground = true,
            Name = "ConcurrentCollector",
        };
        _thread.Start();
    }

    /// <summary>Stops collecting and waits for the thread to end.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
    }
}
