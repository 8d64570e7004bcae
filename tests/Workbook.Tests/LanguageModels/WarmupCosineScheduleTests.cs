using Workbook.LanguageModels;

namespace Workbook.Tests.LanguageModels;

[Collection(SerialCollection.Name)] // seeds TorchSharp's global generator
public sealed class WarmupCosineScheduleTests
{
    private static readonly WarmupCosineSchedule Schedule = new(
        PeakLearningRate: 1e-3,
        WarmupSteps: 10,
        TotalSteps: 110,
        MinimumLearningRate: 1e-4
    );

    [Fact]
    public void Warm_up_is_linear_to_the_peak()
    {
        Assert.Equal(1e-4, Schedule.LearningRate(1), 12);
        Assert.Equal(5e-4, Schedule.LearningRate(5), 12);
        Assert.Equal(1e-3, Schedule.LearningRate(10), 12);
    }

    [Fact]
    public void The_cosine_passes_the_midpoint_halfway_and_ends_at_the_floor()
    {
        Assert.Equal(5.5e-4, Schedule.LearningRate(60), 12); // 50 of 100 decay steps: (peak + floor) / 2
        Assert.Equal(1e-4 + 0.45e-3 * (1 + Math.Cos(Math.PI * 0.25)), Schedule.LearningRate(35), 12);
        Assert.Equal(1e-4, Schedule.LearningRate(110), 12);
        Assert.Equal(1e-4, Schedule.Decay(2.0), 12); // clamped past the end
        var trace = Schedule.Trace();
        Assert.Equal(110, trace.Length);
        for (var i = 10; i < trace.Length; i++)
            Assert.True(trace[i] <= trace[i - 1]);
    }

    [Theory]
    [InlineData(0.0, 0, 10, 0.0, "peak learning rate")]
    [InlineData(1e-3, 10, 10, 0.0, "0 ≤ warm-up steps < total steps")]
    [InlineData(1e-3, 0, 10, 2e-3, "between 0 and the peak")]
    public void Inconsistent_numbers_are_refused(double peak, int warmup, int total, double floor, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => new WarmupCosineSchedule(peak, warmup, total, floor).Validate());
        Assert.Contains(expected, error.Message);
    }
}
