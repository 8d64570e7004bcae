using System.Diagnostics;
using Workbook.IO;

namespace Workbook.Tests.IO;

/// <summary>Temporaries left by a writer that died are removed on the next write; those of live writers are not.</summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("wb-atomic-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Target => Path.Combine(_folder, "model.ckpt");

    private string Temporary(string middle)
    {
        var path = Path.Combine(_folder, $".model.ckpt.{middle}.tmp");
        File.WriteAllBytes(path, new byte[1000]);
        return path;
    }

    /// <summary>The id of a process that has exited (started and waited for here, so no live process has it now).</summary>
    private static int ExitedProcessId()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }

    [LinuxFact]
    public void A_write_removes_the_temporaries_of_writers_that_are_gone_and_keeps_those_of_live_ones()
    {
        var dead = Temporary($"{ExitedProcessId()}.{Guid.NewGuid():N}");
        var mine = Temporary($"{System.Environment.ProcessId}.{Guid.NewGuid():N}"); // another thread of this process may be writing it
        using var sleeper = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        try
        {
            var otherLive = Temporary($"{sleeper.Id}.{Guid.NewGuid():N}");
            var oldWithoutPid = Temporary($"{Guid.NewGuid():N}");
            File.SetLastWriteTimeUtc(oldWithoutPid, DateTime.UtcNow - AtomicFile.AbandonedAge - TimeSpan.FromMinutes(1));
            var recentWithoutPid = Temporary($"{Guid.NewGuid():N}");
            var notOurs = Temporary("notes");
            var otherTarget = Path.Combine(_folder, $".other.ckpt.{ExitedProcessId()}.{Guid.NewGuid():N}.tmp");
            File.WriteAllBytes(otherTarget, [1]);

            AtomicFile.WriteAllText(Target, "new content");

            Assert.Equal("new content", File.ReadAllText(Target));
            Assert.False(File.Exists(dead), "the temporary of an exited writer should be removed");
            Assert.False(File.Exists(oldWithoutPid), "an old temporary without a process id should be removed");
            Assert.True(File.Exists(mine));
            Assert.True(File.Exists(otherLive));
            Assert.True(File.Exists(recentWithoutPid));
            Assert.True(File.Exists(notOurs));
            Assert.True(File.Exists(otherTarget), "temporaries of other targets are left to their own writes");
        }
        finally
        {
            sleeper.Kill();
            sleeper.WaitForExit();
        }
    }

    [Fact]
    public void Temporary_names_carry_the_writer_process_id()
    {
        var name = Path.GetFileName(AtomicFile.TemporaryPath(Target));
        Assert.StartsWith($".model.ckpt.{System.Environment.ProcessId}.", name);
        Assert.EndsWith(".tmp", name);
    }

    [Fact]
    public void Writing_where_a_directory_stands_says_so_and_leaves_it()
    {
        Directory.CreateDirectory(Target);
        var error = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(Target, "x"));
        Assert.Contains("is a directory", error.Message);
        Assert.Contains(Target, error.Message);
        Assert.True(Directory.Exists(Target));
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));
    }

    [Fact]
    public void A_required_file_that_is_a_directory_is_not_reported_as_missing()
    {
        var missing = Assert.Throws<FileNotFoundException>(() => RequiredFile.Check(Path.Combine(_folder, "absent.json"), "vocabulary"));
        Assert.Contains("does not exist", missing.Message);
        Directory.CreateDirectory(Target);
        var folder = Assert.Throws<FileNotFoundException>(() => RequiredFile.Check(Target, "checkpoint"));
        Assert.Contains($"The checkpoint path {Target} is a directory, not a file", folder.Message);
    }
}
