using Workbook.Runtime;

namespace Workbook.Tests.Runtime;

public class PeakMemoryTests
{
    [LinuxFact]
    public void The_peak_covers_memory_touched_during_the_action_and_is_reset_for_each_one()
    {
        const int size = 256 * 1024 * 1024;
        var large = PeakMemory.Measure(() =>
        {
            var block = GC.AllocateUninitializedArray<byte>(size);
            for (var i = 0; i < block.Length; i += 4096)
                block[i] = 1; // touch every page, so it becomes resident
            GC.KeepAlive(block);
        });
        Assert.NotNull(large);
        Assert.True(
            large.Value.PeakBytes - large.Value.BeforeBytes >= size * 0.9,
            $"peak {large.Value.PeakBytes:N0}, before {large.Value.BeforeBytes:N0}"
        );

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var small = PeakMemory.Measure(() => { });
        Assert.NotNull(small);
        // Reset: the earlier 256 MB peak is not this action's (the runtime may keep some of it mapped, never all of it and more).
        Assert.True(
            small.Value.PeakBytes - small.Value.BeforeBytes < size / 2,
            $"peak {small.Value.PeakBytes:N0}, before {small.Value.BeforeBytes:N0}"
        );
    }
}
