using System.Runtime.InteropServices;
using TorchSharp;
using Workbook.Native;

namespace Workbook.Runtime;

/// <summary>Which libtorch build a process loads. Introduced with chapter 00.</summary>
public enum TorchBackendKind
{
    /// <summary>The CPU build of libtorch.</summary>
    Cpu,

    /// <summary>The CUDA build of libtorch (NVIDIA GPUs, Linux and Windows).</summary>
    Cuda,
}

/// <summary>
/// The native backend a notebook loads: the CUDA build of libtorch when an NVIDIA GPU is present, the CPU build
/// otherwise. The environment variable <see cref="OverrideVariable"/> (<c>cpu</c>, <c>cuda</c> or <c>auto</c>)
/// forces the choice. TorchSharp's managed assembly is the same for both; only the native package differs, and
/// a process can load only one of them, so the choice is made once, before the first tensor exists.
/// Introduced with chapter 00.
/// </summary>
/// <param name="Kind">CPU or CUDA.</param>
/// <param name="PackageId">The NuGet package that carries the natives for this OS.</param>
/// <param name="PackageVersion">Its version, as pinned in Directory.Packages.props.</param>
/// <param name="Reason">Why this backend was chosen, in one sentence.</param>
public sealed record TorchBackend(TorchBackendKind Kind, string PackageId, string PackageVersion, string Reason)
{
    /// <summary>Set to <c>cpu</c> or <c>cuda</c> to force a backend; <c>auto</c> or unset detects.</summary>
    public const string OverrideVariable = "WORKBOOK_TORCH_BACKEND";

    /// <summary>The .NET Interactive directive that loads the native package, e.g. <c>#r "nuget: libtorch-cpu-linux-x64,
    /// 2.10.0"</c>.</summary>
    public string NuGetDirective => $"#r \"nuget: {PackageId}, {PackageVersion}\"";

    /// <summary>Chooses the backend for this machine from the environment variable and the hardware present.</summary>
    public static TorchBackend Choose() =>
        Choose(System.Environment.GetEnvironmentVariable(OverrideVariable), NvidiaGpu.Detect(), CurrentPlatform());

    /// <summary>
    /// The CPU build for this platform, whatever the hardware: for a console app that references the CPU natives
    /// (<c>TorchBackend.ForCpu().Initialize()</c>), or a notebook that must not use the GPU.
    /// </summary>
    public static TorchBackend ForCpu() => Cpu(CurrentPlatform(), "the CPU build was asked for");

    /// <summary>The decision itself, free of the machine so it can be tested.</summary>
    /// <param name="requested">The value of <see cref="OverrideVariable"/> (null, empty or <c>auto</c> = detect).</param>
    /// <param name="gpu">What GPU detection found.</param>
    /// <param name="platform">The operating system and architecture.</param>
    public static TorchBackend Choose(string? requested, NvidiaGpu gpu, TorchPlatform platform)
    {
        ArgumentNullException.ThrowIfNull(gpu);
        var wish = (requested ?? "").Trim().ToLowerInvariant();
        switch (wish)
        {
            case "" or "auto":
                if (!gpu.Present)
                    return Cpu(platform, $"no NVIDIA GPU found: {gpu.Evidence}; set {OverrideVariable}=cuda to force CUDA");
                if (CudaPackageFor(platform) is null)
                    return Cpu(platform, $"an NVIDIA GPU was found but TorchSharp has no CUDA build for {platform}");
                return Cuda(platform, $"NVIDIA GPU found: {gpu.Evidence}; set {OverrideVariable}=cpu to force the CPU");
            case "cpu":
                return Cpu(platform, $"{OverrideVariable}=cpu");
            case "cuda":
                return CudaPackageFor(platform) is null
                    ? throw new PlatformNotSupportedException(
                        $"{OverrideVariable}=cuda, but TorchSharp has no CUDA build for {platform}. Unset it or set it to cpu."
                    )
                    : Cuda(platform, $"{OverrideVariable}=cuda");
            default:
                throw new ArgumentException(
                    $"{OverrideVariable}='{requested}' is not understood: use cpu, cuda or auto (or leave it unset).",
                    nameof(requested)
                );
        }
    }

    /// <summary>
    /// Makes TorchSharp usable in this process: fixes the native library where the system's libstdc++ is too old
    /// (printing one line per file changed), loads the package's libtorch before any other libtorch on the system
    /// path can shadow it (see <see cref="PackagedLibTorchPreload"/>), initialises the chosen device type (a notebook's first TorchSharp
    /// call must not be a module constructor) and returns the device to compute on.
    /// </summary>
    /// <param name="log">Where to write what was fixed and chosen (one line each); nothing is written when null.</param>
    public DeviceChoice Initialize(TextWriter? log = null)
    {
        log ??= TextWriter.Null;
        foreach (var line in LibTorchSharpGlibcxxFix.EnsureLoadable(AppContext.BaseDirectory))
            log.WriteLine(line);
        if (
            Kind == TorchBackendKind.Cpu
            && PackagedLibTorchPreload.Preload(PackageId, PackageVersion, typeof(torch).Assembly.Location) is { } preloaded
        )
            log.WriteLine(preloaded);
        torch.InitializeDeviceType(Kind == TorchBackendKind.Cuda ? DeviceType.CUDA : DeviceType.CPU);
        var choice = DeviceChoice.Best();
        log.WriteLine($"Backend: {PackageId} {PackageVersion} ({Reason}). {choice}");
        return choice;
    }

    /// <summary>The platform this process runs on.</summary>
    public static TorchPlatform CurrentPlatform() =>
        new(
            OperatingSystem.IsWindows() ? "windows"
                : OperatingSystem.IsMacOS() ? "osx"
                : OperatingSystem.IsLinux() ? "linux"
                : "other",
            RuntimeInformation.ProcessArchitecture
        );

    private static TorchBackend Cpu(TorchPlatform platform, string reason)
    {
        // On Linux x64 the libtorch package alone suffices and is half the size of TorchSharp-cpu, which bundles
        // the Windows and macOS natives too.
        var id = platform is { Os: "linux", Architecture: Architecture.X64 } ? "libtorch-cpu-linux-x64" : "TorchSharp-cpu";
        return new(TorchBackendKind.Cpu, id, PackageVersions.Of(id), reason);
    }

    private static TorchBackend Cuda(TorchPlatform platform, string reason)
    {
        var id = CudaPackageFor(platform)!;
        return new(TorchBackendKind.Cuda, id, PackageVersions.Of(id), reason);
    }

    private static string? CudaPackageFor(TorchPlatform platform) =>
        platform switch
        {
            { Os: "linux", Architecture: Architecture.X64 } => "TorchSharp-cuda-linux",
            { Os: "windows", Architecture: Architecture.X64 } => "TorchSharp-cuda-windows",
            _ => null,
        };
}

/// <summary>An operating system (<c>linux</c>, <c>windows</c>, <c>osx</c>) and a processor architecture. Introduced with chapter
/// 00.</summary>
/// <param name="Os">linux, windows, osx or other.</param>
/// <param name="Architecture">The process architecture.</param>
public sealed record TorchPlatform(string Os, Architecture Architecture)
{
    /// <inheritdoc />
    public override string ToString() => $"{Os}-{Architecture.ToString().ToLowerInvariant()}";
}

/// <summary>Whether an NVIDIA GPU with a driver is present, found without loading any CUDA library. Introduced with chapter 00.</summary>
/// <param name="Present">True when the driver is installed and a device node or driver library exists.</param>
/// <param name="Evidence">What was looked at, for the one-line explanation.</param>
public sealed record NvidiaGpu(bool Present, string Evidence)
{
    /// <summary>Looks for the NVIDIA driver the way the CUDA runtime would find it.</summary>
    public static NvidiaGpu Detect()
    {
        if (OperatingSystem.IsLinux())
        {
            // The kernel driver publishes its version here; the device node appears once a GPU is bound to it.
            const string proc = "/proc/driver/nvidia/version";
            if (File.Exists(proc))
                return new(true, $"{proc} exists");
            if (File.Exists("/dev/nvidia0"))
                return new(true, "/dev/nvidia0 exists");
            return new(false, $"no {proc}");
        }
        if (OperatingSystem.IsWindows())
        {
            var driver = Path.Combine(System.Environment.SystemDirectory, "nvcuda.dll");
            return File.Exists(driver) ? new(true, $"{driver} exists") : new(false, $"no {driver}");
        }
        return new(false, "CUDA is not available on this operating system");
    }
}
