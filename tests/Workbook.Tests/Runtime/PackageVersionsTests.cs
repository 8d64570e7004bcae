using System.Xml.Linq;
using Workbook.Runtime;

namespace Workbook.Tests.Runtime;

public class PackageVersionsTests
{
    [Fact]
    public void Embedded_versions_equal_Directory_Packages_props()
    {
        var props = XDocument.Load(Path.Combine(Repository.Root, "Directory.Packages.props"));
        var central = props
            .Descendants("PackageVersion")
            .ToDictionary(e => (string)e.Attribute("Include")!, e => (string)e.Attribute("Version")!, StringComparer.OrdinalIgnoreCase);
        Assert.NotEmpty(central);
        Assert.Equal(central.OrderBy(p => p.Key), PackageVersions.All.OrderBy(p => p.Key));
    }

    [Fact]
    public void The_pinned_torch_versions_are_the_pair_libtorch_2_10_needs()
    {
        Assert.Equal("0.107.0", PackageVersions.Of("TorchSharp"));
        Assert.Equal("2.10.0", PackageVersions.Of("libtorch-cpu-linux-x64"));
        Assert.Equal(PackageVersions.Of("TorchSharp"), PackageVersions.Of("TorchSharp-cuda-linux"));
    }

    [Fact]
    public void An_unpinned_package_is_named_in_the_error()
    {
        var error = Assert.Throws<KeyNotFoundException>(() => PackageVersions.Of("No.Such.Package"));
        Assert.Contains("No.Such.Package", error.Message);
        Assert.Contains("TorchSharp", error.Message);
    }
}
