using System.Runtime.InteropServices;

namespace Workbook.Native;

/// <summary>
/// Protects a notebook's TorchSharp from another libtorch on the system library path. When TorchSharp runs from
/// the NuGet cache (every notebook), its first probe loads <c>torch_cpu</c> by bare name, and the OS finds
/// whatever <c>libtorch_cpu.so</c> is on the default path first — e.g. libtorch 1.13 from Debian/Ubuntu's
/// <c>python3-torch</c>; and the package's <c>libLibTorchSharp.so</c>, which has no libtorch beside it, then takes
/// <c>libtorch.so</c> from the system too. Two libtorch versions in one process fail to bind (the misleading
/// "doesn't contain a reference to libtorch-cpu-linux-x64") or crash. Loading the package's libraries by full path
/// first makes every later bare-name request resolve to them: the loader matches an already-loaded library's SONAME.
/// Introduced with chapter 00.
/// </summary>
public static class PackagedLibTorchPreload
{
    private static readonly string[] SystemLibraryFolders =
    [
        "/usr/lib/x86_64-linux-gnu",
        "/lib/x86_64-linux-gnu",
        "/usr/lib64",
        "/lib64",
        "/usr/lib",
        "/usr/local/lib",
    ];

    /// <summary>
    /// Loads <c>libc10.so</c>, <c>libtorch_cpu.so</c> and <c>libtorch.so</c> of the libtorch package
    /// <paramref name="packageId"/>/<paramref name="version"/> when TorchSharp's assembly lives in a NuGet packages folder (the notebook
    /// case) on Linux. Returns a line to show the user when a foreign libtorch was present on the system path (so the preload mattered),
    /// else null.
    /// </summary>
    /// <param name="packageId">The native package, e.g. <c>libtorch-cpu-linux-x64</c>.</param>
    /// <param name="version">Its version, e.g. <c>2.10.0</c>.</param>
    /// <param name="torchSharpAssemblyPath">Where TorchSharp.dll was loaded from.</param>
    public static string? Preload(string packageId, string version, string torchSharpAssemblyPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(packageId);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        if (!OperatingSystem.IsLinux() || string.IsNullOrEmpty(torchSharpAssemblyPath))
            return null;
        var library = PackagedLibrary(packageId, version, torchSharpAssemblyPath);
        if (library is null)
            return null; // an app with natives beside it, or the package is missing (TorchSharp explains)
        // Every libtorch SONAME that libLibTorchSharp.so names as NEEDED, dependencies first.
        foreach (var name in (string[])["libc10.so", "libtorch_cpu.so", "libtorch.so"])
            NativeLibrary.Load(Path.Combine(Path.GetDirectoryName(library)!, name));
        var foreign = SystemLibraryFolders.Select(f => Path.Combine(f, "libtorch_cpu.so")).FirstOrDefault(File.Exists);
        return foreign is null
            ? null
            : $"Loaded libtorch from {Path.GetDirectoryName(library)} before TorchSharp's probe, "
                + $"because the system library path also holds {foreign} "
                + "(another libtorch, e.g. from python3-torch) that would otherwise be picked up and break TorchSharp.";
    }

    /// <summary>
    /// The package's <c>libtorch_cpu.so</c> when TorchSharp.dll sits in a NuGet packages folder
    /// (<c>.../torchsharp/VERSION/lib/TFM/TorchSharp.dll</c>); null otherwise.
    /// </summary>
    internal static string? PackagedLibrary(string packageId, string version, string torchSharpAssemblyPath)
    {
        var framework = Path.GetDirectoryName(Path.GetFullPath(torchSharpAssemblyPath));
        var lib = framework is null ? null : Path.GetDirectoryName(framework);
        var packageVersion = lib is null ? null : Path.GetDirectoryName(lib);
        var package = packageVersion is null ? null : Path.GetDirectoryName(packageVersion);
        var packagesRoot = package is null ? null : Path.GetDirectoryName(package);
        if (
            packagesRoot is null
            || !string.Equals(Path.GetFileName(package), "torchsharp", StringComparison.OrdinalIgnoreCase)
            || Path.GetFileName(lib) != "lib"
        )
            return null;
        var candidate = Path.Combine(
            packagesRoot,
            packageId.ToLowerInvariant(),
            version,
            "runtimes",
            "linux-x64",
            "native",
            "libtorch_cpu.so"
        );
        return File.Exists(candidate) ? candidate : null;
    }
}
