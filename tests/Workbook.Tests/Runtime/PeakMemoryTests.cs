using System.Runtime.InteropServices;
using Workbook.Runtime;

namespace Workbook.Tests.Runtime;

// Serial: resident memory is the whole process's, so a test running beside this one that frees memory (or a GC that
// decommits) would move "before" and the peak by more than the block itself.
[Collection(SerialCollection.Name)]
public class PeakMemoryTests
{
    [LinuxFact]
    public void The_peak_covers_memory_touched_during_the_action_and_is_reset_for_each_one()
    {
        const int size = 256 * 1024 * 1024;
        var large = PeakMemory.Measure(() =>
        {
            // Native memory, not a managed array: the GC may hand back pages that are already resident, which would
            // add nothing to the peak. A 256 MB malloc is a fresh mapping; touching each page makes it resident.
            var block = Marshal.AllocHGlobal(size);
            try
            {
                for (var i = 0; i < size; i += 4096)
                    Marshal.WriteByte(block, i, 1);
            }
            finally
            {
                Marshal.FreeHGlobal(block);
            }
        });
        Assert.NotNull(large);
        Assert.True(
            large.Value.PeakBytes - large.Value.BeforeBytes >= size * 0.9,
            $"peak {large.Value.PeakBytes:N0}, before {large.Value.BeforeBytes:N0}"
        );

        var small = PeakMemory.Measure(() => { });
        Assert.NotNull(small);
        // Reset: the earlier 256 MB peak is not this action's (the block was freed, so the process is back near where it was).
        Assert.True(
            small.Value.PeakBytes - small.Value.BeforeBytes < size / 2,
            $"peak {small.Value.PeakBytes:N0}, before {small.Value.BeforeBytes:N0}"
        );
    }
}
