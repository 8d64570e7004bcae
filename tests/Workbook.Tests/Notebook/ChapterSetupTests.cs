using Microsoft.DotNet.Interactive;
using Workbook.Notebook;
using Workbook.Runtime;

namespace Workbook.Tests.Notebook;

public class ChapterSetupTests
{
    [Fact]
    public void The_package_report_is_one_line()
    {
        var installed = new InstallPackagesMessage([], [], ["TorchSharp, 0.107.0", "libtorch-cpu-linux-x64, 2.10.0"], 0);
        Assert.Equal("Packages: TorchSharp 0.107.0 · libtorch-cpu-linux-x64 2.10.0", ChapterSetup.PackageLine(installed));
        var installing = new InstallPackagesMessage(["https://api.nuget.org/v3/index.json"], ["TorchSharp, 0.107.0"], [], 3);
        Assert.Equal("Installing TorchSharp 0.107.0 ...", ChapterSetup.PackageLine(installing));
        Assert.DoesNotContain('\n', ChapterSetup.PackageLine(installing));
    }

    [Theory]
    [InlineData(
        "Loading extensions from `/root/.nuget/packages/skiasharp/2.88.6/interactive-extensions/dotnet/SkiaSharp.DotNet.Interactive.dll`",
        true
    )]
    [InlineData("Loading extension script from `/x/extension.dib`", true)]
    [InlineData("Loading extensions from my notes", false)]
    [InlineData("loss 0.25", false)]
    [InlineData(null, false)]
    public void Only_the_kernels_extension_notes_are_recognised(string? text, bool expected) =>
        Assert.Equal(expected, ChapterSetup.IsExtensionMessage(text));

    [Fact]
    public void Number_lists_show_six_significant_digits_and_at_most_twenty_values()
    {
        Assert.Equal("[ 0.00907854, 0.666667 ]", ChapterSetup.NumberList([0.009078540839254856, 2.0 / 3]));
        Assert.Equal("[ ]", ChapterSetup.NumberList([]).Replace("  ", " "));
        var many = ChapterSetup.NumberList(Enumerable.Range(0, 25).Select(i => (double)i));
        Assert.EndsWith("19, … (5 more) ]", many);
    }

    [Fact]
    public void The_library_packages_are_pinned()
    {
        foreach (var id in ChapterSetup.LibraryPackages)
            Assert.False(string.IsNullOrEmpty(PackageVersions.Of(id)));
    }
}
