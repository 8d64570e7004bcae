namespace Workbook.Tests.Runner;

/// <summary>A fresh process loads TorchSharp the way a notebook does (kernel #r, native fix, first cell).</summary>
[Collection(SerialCollection.Name)]
public class TorchLoadsTests
{
    [Fact]
    public void A_fresh_runner_process_loads_torchsharp_and_computes()
    {
        var output = Directory.CreateTempSubdirectory("workbook-torch-");
        try
        {
            var (exitCode, stdout, stderr) = FailingCellTests.RunCli(
                Path.GetTempPath(),
                Repository.Fixture("torch-loads.ipynb"),
                "--output-dir",
                output.FullName
            );
            Assert.True(exitCode == 0, $"exit {exitCode}\n{stdout}\n{stderr}");
            var executed = File.ReadAllText(Path.Combine(output.FullName, "torch-loads.ipynb"));
            Assert.Contains("computed ones(2,2).sum() = 4 on cpu", executed);
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    [LinuxFact]
    public void Another_libtorch_on_the_library_path_cannot_shadow_the_packaged_one()
    {
        // Debian/Ubuntu's python3-torch puts libtorch 1.13 on the default path; TorchSharp's bare-name probe used to
        // pick it up and fail or crash. Impostor libraries on LD_LIBRARY_PATH (searched before the system folders)
        // reproduce that on any machine: the notebook must still load the packaged libtorch and compute.
        var impostors = Directory.CreateTempSubdirectory("workbook-impostor-");
        var output = Directory.CreateTempSubdirectory("workbook-torch-");
        try
        {
            var anyLibrary = new[] { "/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1", "/lib64/libz.so.1" }.First(
                File.Exists
            );
            foreach (var name in new[] { "libtorch.so", "libtorch_cpu.so", "libc10.so" })
                File.Copy(anyLibrary, Path.Combine(impostors.FullName, name));
            var (exitCode, stdout, stderr) = FailingCellTests.RunCli(
                Path.GetTempPath(),
                new Dictionary<string, string> { ["LD_LIBRARY_PATH"] = impostors.FullName },
                Repository.Fixture("torch-loads.ipynb"),
                "--output-dir",
                output.FullName
            );
            Assert.True(exitCode == 0, $"exit {exitCode}\n{stdout}\n{stderr}");
            Assert.Contains("computed ones(2,2).sum() = 4 on cpu", File.ReadAllText(Path.Combine(output.FullName, "torch-loads.ipynb")));
        }
        finally
        {
            impostors.Delete(recursive: true);
            output.Delete(recursive: true);
        }
    }
}
