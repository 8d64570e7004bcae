using System.Security.Cryptography;
using Workbook.Native;

namespace Workbook.Tests.Native;

/// <summary>The Debian 12 fix, tested on copies of the real TorchSharp native library.</summary>
[Collection(SerialCollection.Name)] // EnsureLoadable must not race the notebook tests over the NuGet cache
public sealed class LibTorchSharpGlibcxxFixTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("workbook-elf-");

    public void Dispose() => _folder.Delete(recursive: true);

    /// <summary>A copy of TorchSharp's libLibTorchSharp.so with the GLIBCXX_3.4.32 requirement strict, as shipped.</summary>
    private string ShippedCopy(string? folder = null)
    {
        var source =
            LibTorchSharpGlibcxxFix.CandidatePaths(AppContext.BaseDirectory).FirstOrDefault()
            ?? throw new FileNotFoundException(
                "No libLibTorchSharp.so beside the tests or in the NuGet cache: run tools/setup.sh (it restores TorchSharp)."
            );
        var copy = Path.Combine(folder ?? _folder.FullName, "libLibTorchSharp.so");
        File.Copy(source, copy, overwrite: true);
        LibTorchSharpGlibcxxFix.SetRequirementWeak(copy, weak: false);
        return copy;
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    [Fact]
    public void Patching_marks_the_requirement_weak_by_changing_one_byte()
    {
        var copy = ShippedCopy();
        var original = File.ReadAllBytes(copy);
        Assert.False(LibTorchSharpGlibcxxFix.IsRequirementWeak(copy));

        Assert.Equal(PatchOutcome.Patched, LibTorchSharpGlibcxxFix.PatchFile(copy));

        Assert.True(LibTorchSharpGlibcxxFix.IsRequirementWeak(copy));
        var patched = File.ReadAllBytes(copy);
        Assert.Equal(original.Length, patched.Length);
        var changed = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToList();
        Assert.Single(changed);
        Assert.Equal(0x2, patched[changed[0]] ^ original[changed[0]]); // VER_FLG_WEAK and nothing else
    }

    [Fact]
    public void Patching_twice_changes_nothing_the_second_time()
    {
        var copy = ShippedCopy();
        LibTorchSharpGlibcxxFix.PatchFile(copy);
        var hash = Hash(copy);
        var written = File.GetLastWriteTimeUtc(copy);
        Assert.Equal(PatchOutcome.AlreadyWeak, LibTorchSharpGlibcxxFix.PatchFile(copy));
        Assert.Equal(hash, Hash(copy));
        Assert.Equal(written, File.GetLastWriteTimeUtc(copy));
    }

    [LinuxFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Patching_keeps_the_file_mode_and_leaves_no_temporary_file()
    {
        var copy = ShippedCopy();
        const UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead;
        File.SetUnixFileMode(copy, mode);
        LibTorchSharpGlibcxxFix.PatchFile(copy);
        Assert.Equal(mode, File.GetUnixFileMode(copy));
        Assert.Equal(["libLibTorchSharp.so"], _folder.GetFiles().Select(f => f.Name));
    }

    [Fact]
    public void A_file_that_is_not_elf_is_named_in_the_error()
    {
        var path = Path.Combine(_folder.FullName, "not-a-library.so");
        File.WriteAllText(path, "this is text, not a shared object");
        var error = Assert.Throws<InvalidDataException>(() => LibTorchSharpGlibcxxFix.PatchFile(path));
        Assert.Equal($"{path} is not an ELF file.", error.Message);
        Assert.Equal("this is text, not a shared object", File.ReadAllText(path));
    }

    [Fact]
    public void A_truncated_library_is_reported_as_truncated_and_left_alone()
    {
        var path = Path.Combine(_folder.FullName, "truncated.so");
        File.WriteAllBytes(path, File.ReadAllBytes(ShippedCopy()).Take(4096).ToArray());
        var hash = Hash(path);
        var error = Assert.Throws<InvalidDataException>(() => LibTorchSharpGlibcxxFix.PatchFile(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("truncated or corrupt", error.Message);
        Assert.Equal(hash, Hash(path));
    }

    [LinuxFact]
    public void A_library_without_that_requirement_is_not_touched()
    {
        var path = Path.Combine(_folder.FullName, "ls");
        File.Copy("/bin/ls", path);
        Assert.Equal(PatchOutcome.NoSuchVersion, LibTorchSharpGlibcxxFix.PatchFile(path));
        Assert.Null(LibTorchSharpGlibcxxFix.IsRequirementWeak(path));
    }

    [LinuxFact]
    public void The_fix_is_needed_exactly_when_the_system_libstdcxx_is_older_than_3_4_32()
    {
        var highest = LibTorchSharpGlibcxxFix.HighestSystemGlibcxx();
        Assert.NotNull(highest);
        Assert.Matches(@"^GLIBCXX_3\.4\.\d+$", highest);
        var patch = int.Parse(highest!.Split('.')[^1]);
        Assert.Equal(patch < 32, LibTorchSharpGlibcxxFix.IsNeeded());
    }

    [Fact]
    public void EnsureLoadable_patches_the_copy_beside_an_app_once_and_says_why()
    {
        var app = _folder.CreateSubdirectory("app");
        var copy = ShippedCopy(app.FullName);
        var lines = LibTorchSharpGlibcxxFix.EnsureLoadable(app.FullName, packagesRoot: _folder.CreateSubdirectory("empty-cache").FullName);
        if (!LibTorchSharpGlibcxxFix.IsNeeded())
        {
            Assert.Empty(lines); // a new enough libstdc++: nothing to do, nothing written
            Assert.False(LibTorchSharpGlibcxxFix.IsRequirementWeak(copy));
            return;
        }
        var line = Assert.Single(lines);
        Assert.StartsWith(
            $"Patched {copy}: marked its GLIBCXX_3.4.32 requirement weak because this system's libstdc++ stops at "
                + $"{LibTorchSharpGlibcxxFix.HighestSystemGlibcxx()}",
            line
        );
        Assert.True(LibTorchSharpGlibcxxFix.IsRequirementWeak(copy));
        Assert.Empty(LibTorchSharpGlibcxxFix.EnsureLoadable(app.FullName, packagesRoot: _folder.FullName));
    }

    [Fact]
    public void EnsureLoadable_reports_a_damaged_copy_instead_of_throwing()
    {
        var app = _folder.CreateSubdirectory("damaged-app");
        var path = Path.Combine(app.FullName, "libLibTorchSharp.so");
        File.WriteAllBytes(path, File.ReadAllBytes(ShippedCopy()).Take(4096).ToArray());
        var lines = LibTorchSharpGlibcxxFix.EnsureLoadable(app.FullName, packagesRoot: _folder.CreateSubdirectory("no-cache").FullName);
        if (!LibTorchSharpGlibcxxFix.IsNeeded())
        {
            Assert.Empty(lines);
            return;
        }
        var line = Assert.Single(lines);
        Assert.StartsWith($"Could not patch {path}: ", line);
        Assert.Contains("truncated or corrupt", line);
        Assert.Contains("restore or build again", line);
    }

    [Fact]
    public void Candidates_include_the_consolidated_copies_torchsharp_makes_for_notebooks()
    {
        var root = _folder.CreateSubdirectory("packages");
        var native = root.CreateSubdirectory("torchsharp/9.9.9/runtimes/linux-x64/native");
        var consolidated = root.CreateSubdirectory("torchsharp/9.9.9/lib/net8.0/cpu");
        File.WriteAllText(Path.Combine(native.FullName, "libLibTorchSharp.so"), "");
        File.WriteAllText(Path.Combine(consolidated.FullName, "libLibTorchSharp.so"), "");
        var candidates = LibTorchSharpGlibcxxFix.CandidatePaths(appBaseDirectory: null, packagesRoot: root.FullName);
        Assert.Equal(
            new[] { Path.Combine(native.FullName, "libLibTorchSharp.so"), Path.Combine(consolidated.FullName, "libLibTorchSharp.so") },
            candidates
        );
    }
}
