using System.Runtime.InteropServices;
using Workbook.Runtime;

namespace Workbook.Tests.Runtime;

public class TorchBackendTests
{
    private static readonly TorchPlatform LinuxX64 = new("linux", Architecture.X64);
    private static readonly TorchPlatform WindowsX64 = new("windows", Architecture.X64);
    private static readonly TorchPlatform MacArm = new("osx", Architecture.Arm64);
    private static readonly NvidiaGpu NoGpu = new(false, "no /proc/driver/nvidia/version");
    private static readonly NvidiaGpu Gpu = new(true, "/proc/driver/nvidia/version exists");

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("auto")]
    [InlineData(" AUTO ")]
    public void Without_a_gpu_linux_gets_the_linux_cpu_libtorch(string? requested)
    {
        var backend = TorchBackend.Choose(requested, NoGpu, LinuxX64);
        Assert.Equal(TorchBackendKind.Cpu, backend.Kind);
        Assert.Equal("libtorch-cpu-linux-x64", backend.PackageId);
        Assert.Equal(PackageVersions.Of("libtorch-cpu-linux-x64"), backend.PackageVersion);
        Assert.Equal($"#r \"nuget: libtorch-cpu-linux-x64, {backend.PackageVersion}\"", backend.NuGetDirective);
        Assert.Contains("no NVIDIA GPU", backend.Reason);
    }

    [Fact]
    public void With_a_gpu_linux_and_windows_get_their_cuda_package()
    {
        Assert.Equal("TorchSharp-cuda-linux", TorchBackend.Choose(null, Gpu, LinuxX64).PackageId);
        Assert.Equal("TorchSharp-cuda-windows", TorchBackend.Choose(null, Gpu, WindowsX64).PackageId);
        Assert.Equal(TorchBackendKind.Cuda, TorchBackend.Choose("auto", Gpu, LinuxX64).Kind);
        Assert.Equal(PackageVersions.Of("TorchSharp"), TorchBackend.Choose(null, Gpu, LinuxX64).PackageVersion);
    }

    [Fact]
    public void Other_platforms_get_the_combined_cpu_package()
    {
        Assert.Equal("TorchSharp-cpu", TorchBackend.Choose(null, NoGpu, WindowsX64).PackageId);
        Assert.Equal("TorchSharp-cpu", TorchBackend.Choose(null, NoGpu, MacArm).PackageId);
    }

    [Fact]
    public void A_gpu_on_a_platform_without_cuda_builds_falls_back_to_cpu_and_says_why()
    {
        var backend = TorchBackend.Choose(null, Gpu, MacArm);
        Assert.Equal(TorchBackendKind.Cpu, backend.Kind);
        Assert.Contains("no CUDA build", backend.Reason);
    }

    [Fact]
    public void The_variable_forces_either_backend()
    {
        Assert.Equal(TorchBackendKind.Cpu, TorchBackend.Choose("cpu", Gpu, LinuxX64).Kind);
        Assert.Equal(TorchBackendKind.Cuda, TorchBackend.Choose("CUDA", NoGpu, LinuxX64).Kind);
        Assert.Contains(TorchBackend.OverrideVariable, TorchBackend.Choose("cpu", Gpu, LinuxX64).Reason);
    }

    [Fact]
    public void Forcing_cuda_where_none_exists_is_a_clear_error()
    {
        var error = Assert.Throws<PlatformNotSupportedException>(() => TorchBackend.Choose("cuda", NoGpu, MacArm));
        Assert.Contains("osx-arm64", error.Message);
    }

    [Fact]
    public void An_unknown_value_names_the_variable_and_the_accepted_values()
    {
        var error = Assert.Throws<ArgumentException>(() => TorchBackend.Choose("banana", NoGpu, LinuxX64));
        Assert.Contains("WORKBOOK_TORCH_BACKEND='banana'", error.Message);
        Assert.Contains("cpu, cuda or auto", error.Message);
    }

    [Fact]
    public void This_machine_detects_its_gpu_state_consistently_with_the_driver()
    {
        var gpu = NvidiaGpu.Detect();
        Assert.Equal(File.Exists("/proc/driver/nvidia/version") || File.Exists("/dev/nvidia0"), OperatingSystem.IsLinux() && gpu.Present);
        Assert.False(string.IsNullOrWhiteSpace(gpu.Evidence));
    }
}
