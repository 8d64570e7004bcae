using Workbook.Native;

namespace Workbook.Tests.Native;

public class GlibcMallocTests
{
    [LinuxFact]
    public void Glibc_accepts_a_fixed_mmap_threshold()
    {
        // Setting glibc's documented default (128 KiB) keeps this test from changing how the test process allocates.
        Assert.True(GlibcMalloc.FixMmapThreshold(128 * 1024));
    }

    [Fact]
    public void Thresholds_outside_glibcs_limits_are_refused()
    {
        Assert.Contains(
            "between 4 KiB and 32 MiB",
            Assert.Throws<ArgumentOutOfRangeException>(() => GlibcMalloc.FixMmapThreshold(100)).Message
        );
        Assert.Throws<ArgumentOutOfRangeException>(() => GlibcMalloc.FixMmapThreshold(64 * 1024 * 1024));
    }
}
