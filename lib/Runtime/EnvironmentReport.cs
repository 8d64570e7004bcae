using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;
using Workbook.Notebook;

namespace Workbook.Runtime;

/// <summary>One line of the environment diagnostics. Introduced with chapter 00.</summary>
/// <param name="Check">What was checked.</param>
/// <param name="Value">What was found.</param>
public sealed record EnvironmentCheck(string Check, string Value);

/// <summary>
/// What this process runs on: .NET, TorchSharp and libtorch versions, threads, CUDA, and a timed matmul.
/// Renders as a table in a notebook; <see cref="ToTable"/> gives the same rows for other displays.
/// Introduced in chapter 00.
/// </summary>
[TypeFormatterSource(typeof(HtmlRenderableFormatterSource), PreferredMimeTypes = ["text/html"])]
public sealed class EnvironmentReport : IHtmlRenderable
{
    private EnvironmentReport(IReadOnlyList<EnvironmentCheck> checks) => Checks = checks;

    /// <summary>The checks, in display order.</summary>
    public IReadOnlyList<EnvironmentCheck> Checks { get; }

    /// <summary>Collects the report. TorchSharp must already be initialised (see <see cref="TorchBackend.Initialize"/>).</summary>
    /// <param name="device">The device chosen for computing; the matmul runs there. CPU when null.</param>
    /// <param name="matmulSize">Side of the timed matrix product.</param>
    public static EnvironmentReport Collect(DeviceChoice? device = null, int matmulSize = 512)
    {
        device ??= DeviceChoice.Cpu();
        var cudaAvailable = torch.cuda.is_available();
        var throughput = MatmulThroughput.Measure(matmulSize, device: device.Device);
        List<EnvironmentCheck> checks =
        [
            new(".NET", RuntimeInformation.FrameworkDescription),
            new("Operating system", $"{RuntimeInformation.OSDescription} ({RuntimeInformation.ProcessArchitecture})"),
            new("Logical processors", System.Environment.ProcessorCount.ToString()),
            new("TorchSharp", InformationalVersion(typeof(torch).Assembly)),
            new("libtorch", torch.__version__),
            new("Intra-op threads", torch.get_num_threads().ToString()),
            new("CUDA available", cudaAvailable ? $"yes, {torch.cuda.device_count()} device(s)" : "no"),
            new("GPU", GpuName() ?? "none found"),
            new("Device in use", device.ToString()),
            new("Matmul throughput", throughput.ToString()),
        ];
        return new(checks);
    }

    /// <summary>The report as a two-column table.</summary>
    public Table ToTable() => new(["Check", "Value"], Checks.Select(c => (IReadOnlyList<string>)[c.Check, c.Value]));

    /// <inheritdoc />
    public string ToHtml() => ToTable().ToHtml();

    /// <inheritdoc />
    public override string ToString() => ToTable().ToString();

    private static string InformationalVersion(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>The NVIDIA GPU model from the Linux driver, without loading CUDA; null when none.</summary>
    private static string? GpuName()
    {
        const string gpus = "/proc/driver/nvidia/gpus";
        if (!Directory.Exists(gpus))
            return null;
        var names = Directory
            .EnumerateFiles(gpus, "information", SearchOption.AllDirectories)
            .SelectMany(File.ReadLines)
            .Where(line => line.StartsWith("Model:", StringComparison.Ordinal))
            .Select(line => line["Model:".Length..].Trim())
            .ToList();
        return names.Count == 0 ? null : string.Join("; ", names);
    }
}
