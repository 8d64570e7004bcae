using Workbook.Native;

namespace Workbook.Tests.Native;

public sealed class PackagedLibTorchPreloadTests : IDisposable
{
    private readonly DirectoryInfo _packages = Directory.CreateTempSubdirectory("workbook-packages-");

    public void Dispose() => _packages.Delete(recursive: true);

    private string Touch(string relative)
    {
        var path = Path.Combine(_packages.FullName, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "");
        return path;
    }

    [Fact]
    public void In_a_packages_folder_it_finds_the_libtorch_of_the_named_package()
    {
        var torchSharp = Touch("torchsharp/0.107.0/lib/net8.0/TorchSharp.dll");
        var libtorch = Touch("libtorch-cpu-linux-x64/2.10.0/runtimes/linux-x64/native/libtorch_cpu.so");
        Assert.Equal(libtorch, PackagedLibTorchPreload.PackagedLibrary("libtorch-cpu-linux-x64", "2.10.0", torchSharp));
    }

    [Fact]
    public void A_missing_package_or_version_finds_nothing()
    {
        var torchSharp = Touch("torchsharp/0.107.0/lib/net8.0/TorchSharp.dll");
        Touch("libtorch-cpu-linux-x64/2.9.0/runtimes/linux-x64/native/libtorch_cpu.so");
        Assert.Null(PackagedLibTorchPreload.PackagedLibrary("libtorch-cpu-linux-x64", "2.10.0", torchSharp));
    }

    [Fact]
    public void An_application_folder_is_left_to_the_regular_loader()
    {
        var app = Touch("app/bin/Debug/net10.0/TorchSharp.dll");
        Touch("app/bin/Debug/net10.0/libtorch_cpu.so");
        Assert.Null(PackagedLibTorchPreload.PackagedLibrary("libtorch-cpu-linux-x64", "2.10.0", app));
        Assert.Null(PackagedLibTorchPreload.Preload("libtorch-cpu-linux-x64", "2.10.0", app));
    }
}
