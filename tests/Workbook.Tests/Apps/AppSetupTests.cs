using System.Reflection;
using Workbook.Notebook;
using Workbook.Runtime;

// What apps/Directory.Build.targets writes into every chapter's app; here, so the reading side can be tested.
[assembly: AssemblyMetadata(AppSetup.BackendPackageKey, "libtorch-cpu-linux-x64")]
[assembly: AssemblyMetadata(AppSetup.BackendReasonKey, "WORKBOOK_TORCH_BACKEND=cpu")]

namespace Workbook.Tests.Apps;

public class AppSetupTests
{
    [Fact]
    public void The_backend_is_the_one_the_build_recorded()
    {
        var backend = AppSetup.BuiltBackend(typeof(AppSetupTests).Assembly, "apps/99-test.cs");
        Assert.Equal(TorchBackendKind.Cpu, backend.Kind);
        Assert.Equal("libtorch-cpu-linux-x64", backend.PackageId);
        Assert.Equal(PackageVersions.Of("libtorch-cpu-linux-x64"), backend.PackageVersion);
        Assert.Contains("WORKBOOK_TORCH_BACKEND=cpu", backend.Reason);
    }

    [Fact]
    public void An_app_built_without_a_recorded_backend_is_told_where_the_choice_is_made()
    {
        var error = Assert.Throws<InvalidOperationException>(() => AppSetup.BuiltBackend(typeof(object).Assembly, "elsewhere/app.cs"));
        Assert.Contains("elsewhere/app.cs", error.Message);
        Assert.Contains("apps/Directory.Build.targets", error.Message);
    }

    [Fact]
    public void Load_outside_a_file_based_app_says_how_to_run_one() =>
        Assert.Contains("dotnet run apps/NN-name.cs", Assert.Throws<InvalidOperationException>(AppSetup.Load).Message);
}
