using TorchSharp;

namespace Workbook.Runtime;

/// <summary>
/// How many TorchSharp tensors are alive (created and not yet disposed) on the current thread. Each tensor holds
/// native memory that the .NET garbage collector neither sees nor hurries to free, so counting is how you find
/// a leak in a notebook: measure before and after a cell, and wrap loops in <c>torch.NewDisposeScope()</c>.
/// Introduced in chapter 00.
/// </summary>
public static class LiveTensors
{
    /// <summary>Tensors (and packed sequences) created on this thread and not disposed yet.</summary>
    public static long Count => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    /// <summary>Runs <paramref name="action"/> and returns how many more tensors are alive afterwards.</summary>
    public static long Leaked(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var before = Count;
        action();
        return Count - before;
    }
}
