using TorchSharp;

namespace Workbook.Runtime;

/// <summary>The device to compute on and, in one line, why. Introduced in chapter 00.</summary>
/// <param name="Device">CUDA device 0 when CUDA is usable, else the CPU.</param>
/// <param name="Reason">Why this device was chosen.</param>
public sealed record DeviceChoice(torch.Device Device, string Reason)
{
    /// <summary>CUDA when TorchSharp can use it, otherwise the CPU.</summary>
    public static DeviceChoice Best()
    {
        if (torch.cuda.is_available())
        {
            var count = torch.cuda.device_count();
            return new(torch.CUDA, $"CUDA is available ({count} device{(count == 1 ? "" : "s")}); using cuda:0");
        }
        return new(torch.CPU, CpuReason());
    }

    /// <summary>The CPU, with the reason CUDA was not used.</summary>
    public static DeviceChoice Cpu() => new(torch.CPU, CpuReason());

    private static string CpuReason() =>
        NvidiaGpu.Detect() is { Present: true }
            ? "using the CPU: an NVIDIA GPU is present but the loaded libtorch is the CPU build (see TorchBackend)"
            : "using the CPU: CUDA is not available (no NVIDIA GPU)";

    /// <inheritdoc />
    public override string ToString() => $"Device: {Device.type.ToString().ToLowerInvariant()} — {Reason}.";
}
