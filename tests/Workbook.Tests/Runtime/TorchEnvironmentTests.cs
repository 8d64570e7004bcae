using TorchSharp;
using Workbook.Runtime;
using static TorchSharp.torch;

namespace Workbook.Tests.Runtime;

public class TorchEnvironmentTests
{
    static TorchEnvironmentTests() => torch.InitializeDeviceType(DeviceType.CPU);

    [Fact]
    public void The_best_device_follows_cuda_availability_and_says_why()
    {
        // The tests load the CPU build of libtorch, so CUDA is never usable here, GPU or not.
        var choice = DeviceChoice.Best();
        Assert.Equal(torch.cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU, choice.Device.type);
        Assert.StartsWith(
            torch.cuda.is_available() ? "Device: cuda — CUDA is available" : "Device: cpu — using the CPU",
            choice.ToString()
        );
    }

    [Fact]
    public void The_report_names_versions_and_a_positive_throughput()
    {
        var report = EnvironmentReport.Collect(DeviceChoice.Cpu(), matmulSize: 64);
        var checks = report.Checks.ToDictionary(c => c.Check, c => c.Value);
        Assert.Equal(torch.__version__, checks["libtorch"]);
        Assert.StartsWith("0.107", checks["TorchSharp"]);
        Assert.Equal(torch.get_num_threads().ToString(), checks["Intra-op threads"]);
        Assert.Matches(@"GFLOP/s", checks["Matmul throughput"]);
        Assert.Contains("<td>libtorch</td>", report.ToHtml());
    }

    [Fact]
    public void Throughput_is_two_n_cubed_over_time()
    {
        var run = new MatmulThroughput(100, 1, 0.002, "cpu");
        Assert.Equal(2.0 * 100 * 100 * 100 / 0.002 / 1e9, run.GigaFlops, 12);
        Assert.True(MatmulThroughput.Measure(32, 2).GigaFlops > 0);
    }

    [Fact]
    public void Throughput_rejects_sizes_out_of_range()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MatmulThroughput.Measure(8));
        Assert.Throws<ArgumentOutOfRangeException>(() => MatmulThroughput.Measure(64, repeats: 0));
    }

    [Fact]
    public void Live_tensor_counts_see_leaks_and_scopes_prevent_them()
    {
        var input = torch.ones(10);
        var leaked = LiveTensors.Leaked(() =>
        {
            for (var i = 0; i < 5; i++)
                _ = input * 2 + 1;
        });
        Assert.Equal(10, leaked); // two temporaries per iteration
        var scoped = LiveTensors.Leaked(() =>
        {
            for (var i = 0; i < 5; i++)
            {
                using var scope = torch.NewDisposeScope();
                _ = input * 2 + 1;
            }
        });
        Assert.Equal(0, scoped);
    }
}
