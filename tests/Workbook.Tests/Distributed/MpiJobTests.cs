using System.Text.Json;
using Workbook.Distributed;
using Workbook.Runtime;

namespace Workbook.Tests.Distributed;

/// <summary>
/// Real Open MPI jobs, each in child processes (MPI_Init can run once per process, so the test host never calls it):
/// the binding in a singleton and in a 2-process job under mpirun, data-parallel training over 2 processes against the
/// single-process run, and the launcher's errors. Needs Open MPI (tools/setup.sh installs it).
/// </summary>
public class MpiJobTests
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(120);

    private static string Worker => Path.Combine(Repository.Root, "tools", "Workbook.Distributed", "bin", "workbook-distributed.dll");

    private static JsonElement[] Collectives(string folder, int size) =>
        Enumerable
            .Range(0, size)
            .Select(r => JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, $"collectives-{r}.json"))).RootElement)
            .ToArray();

    private static double[] Values(JsonElement report, string key) =>
        report.GetProperty(key).EnumerateArray().Select(e => e.GetDouble()).ToArray();

    [LinuxFact]
    public void Singleton_without_mpirun_is_rank_0_of_1_and_collectives_are_the_identity()
    {
        using var folder = new TempFolder();
        MpiLauncher.RunSingle(DotnetHost.Executable, [Worker, "collectives", "--out", folder.Path], JobTimeout).EnsureSuccess();
        var report = Collectives(folder.Path, 1)[0];
        Assert.Equal(0, report.GetProperty("rank").GetInt32());
        Assert.Equal(1, report.GetProperty("size").GetInt32());
        Assert.False(report.GetProperty("startedByMpirun").GetBoolean());
        Assert.True(report.GetProperty("sameInstance").GetBoolean());
        Assert.StartsWith("Open MPI v", report.GetProperty("version").GetString());
        foreach (var dtype in new[] { "float32", "float64" })
        foreach (var op in new[] { "Sum", "Max", "Min" })
            Assert.Equal([1.0, -1.0, 10.0], Values(report, $"allreduce.{dtype}.{op}"));
        Assert.Equal([5.0, 6.0, 7.0], Values(report, "allreduce.offsetView"));
        Assert.Contains("dtype Int64", report.GetProperty("error.dtype").GetString());
        Assert.Contains("on meta", report.GetProperty("error.device").GetString());
        Assert.Contains("not contiguous", report.GetProperty("error.contiguity").GetString());
        Assert.Contains("not started by mpirun", report.GetProperty("error.size").GetString());
        Assert.True(report.GetProperty("finalized").GetBoolean());
        Assert.Contains("only once per process", report.GetProperty("error.afterFinalize").GetString());
        Assert.Contains("after MPI_Finalize", report.GetProperty("error.collectiveAfterFinalize").GetString());
    }

    [LinuxFact]
    public void Two_processes_under_mpirun_reduce_broadcast_and_wait_for_each_other()
    {
        using var folder = new TempFolder();
        var launch = MpiLauncher
            .Run(new MpiLaunchOptions(2, DotnetHost.Executable, [Worker, "collectives", "--out", folder.Path], JobTimeout))
            .EnsureSuccess();
        Assert.Contains("-np 2", launch.CommandText);
        var reports = Collectives(folder.Path, 2);
        for (var r = 0; r < 2; r++)
        {
            var report = reports[r];
            Assert.Equal(r, report.GetProperty("rank").GetInt32());
            Assert.Equal(2, report.GetProperty("size").GetInt32());
            Assert.True(report.GetProperty("startedByMpirun").GetBoolean());
            // rank r contributes [r+1, -(r+1), 10(r+1)]
            foreach (var dtype in new[] { "float32", "float64" })
            {
                Assert.Equal([3.0, -3.0, 30.0], Values(report, $"allreduce.{dtype}.Sum"));
                Assert.Equal([2.0, -1.0, 20.0], Values(report, $"allreduce.{dtype}.Max"));
                Assert.Equal([1.0, -2.0, 10.0], Values(report, $"allreduce.{dtype}.Min"));
            }
            Assert.Equal([3.0, 1.5], Values(report, "allreduce.array.Sum"));
            Assert.Equal([15.0, 18.0, 21.0], Values(report, "allreduce.offsetView")); // 5..7 × (1 + 2)
            Assert.Equal(Enumerable.Range(0, 5).Select(i => i * (r + 1.0)), Values(report, "allreduce.offsetView.untouched"));
            Assert.Equal([3.5, -2.0], Values(report, "broadcast.fromLast"));
            Assert.Equal([7.0, 8.0, 9.0], Values(report, "broadcast.array"));
            Assert.Contains("0 … 1", report.GetProperty("error.root").GetString());
        }
        // Rank 1 reaches the barrier 300 ms after rank 0, so rank 0 must have waited (most of) that long.
        Assert.True(
            reports[0].GetProperty("barrier.waitMs").GetDouble() > 200,
            $"rank 0 waited {reports[0].GetProperty("barrier.waitMs").GetDouble()} ms"
        );
    }

    [LinuxFact]
    public void Two_process_data_parallel_training_reproduces_single_process_training_with_identical_replicas()
    {
        using var single = new TempFolder();
        using var pair = new TempFolder();
        // 63 rows over 2 ranks: shards of 31 and 32, so a wrongly weighted average would show.
        var settings = new DataParallelSettings(Steps: 25, GlobalBatch: 63, Samples: 630, HiddenWidths: [16, 16], LearningRate: 0.2);
        var reference = DataParallelJob.Run(Worker, 1, settings, single.Path, JobTimeout, useMpi: false);
        var run = DataParallelJob.Run(Worker, 2, settings, pair.Path, JobTimeout);

        Assert.Equal([31, 32], run.Ranks.Select(r => r.Steps[0].ShardRows));
        Assert.Equal(["mpi", "mpi"], run.Ranks.Select(r => r.Mode));
        Assert.Null(run.Ranks[1].FinalParameters); // only rank 0 saves
        Assert.True(run.Ranks.All(r => r.Steps.All(s => s.MaxSpread == 0)), "a rank reported differing parameters");
        Assert.True(run.ReplicasIdenticalEveryStep);
        var comparison = DataParallelComparison.Compare(reference, run);
        Assert.True(comparison.MaxLossDifference < 1e-5, $"loss curves differ by {comparison.MaxLossDifference}");
        Assert.True(comparison.MaxParameterDifference < 1e-5, $"final parameters differ by {comparison.MaxParameterDifference}");
        Assert.True(reference.Root.Steps[^1].Loss < reference.Root.Steps[0].Loss, "training did not lower the loss");
    }

    [LinuxFact]
    public void Launcher_adds_oversubscribe_and_the_root_opt_in_only_when_needed()
    {
        var many = new MpiLaunchOptions(System.Environment.ProcessorCount + 1, "dotnet", ["w.dll"], TimeSpan.FromSeconds(5));
        var line = MpiLauncher.CommandLine(many);
        Assert.Contains("--oversubscribe", line);
        Assert.Equal(["--mca", "mpi_yield_when_idle", "1"], line.SkipWhile(a => a != "--mca").Take(3));
        Assert.Equal(["dotnet", "w.dll"], line.TakeLast(2));
        Assert.DoesNotContain("--oversubscribe", MpiLauncher.CommandLine(many with { Processes = 1 }));
        Assert.True(MpiLauncher.Environment(many with { AllowRunAsRoot = true }).ContainsKey("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"));
        Assert.False(MpiLauncher.Environment(many with { AllowRunAsRoot = false }).ContainsKey("OMPI_ALLOW_RUN_AS_ROOT"));
        Assert.Equal(
            "Timeout",
            Assert.Throws<ArgumentOutOfRangeException>(() => MpiLauncher.CommandLine(many with { Timeout = TimeSpan.Zero })).ParamName
        );
    }

    [LinuxFact]
    public void Missing_worker_says_how_to_build_it()
    {
        using var folder = new TempFolder();
        var e = Assert.Throws<FileNotFoundException>(() =>
            DataParallelJob.Run(folder.File("nope.dll"), 2, new DataParallelSettings(), folder.Path, JobTimeout)
        );
        Assert.Contains("dotnet build tools/Workbook.Distributed", e.Message);
    }

    [LinuxFact]
    public void Timeout_kills_the_whole_process_group_and_says_so()
    {
        var options = new MpiLaunchOptions(2, "sleep", ["60"], TimeSpan.FromSeconds(3));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<MpiLaunchTimeoutException>(() => MpiLauncher.Run(options));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        Assert.Contains("did not finish within 3 s", e.Message);
        Assert.Contains("killed its process group", e.Message);
        Assert.True(e.ProcessGroupId > 1);
        Assert.True(e.GroupGone);
        // kill(-pgid, 0) fails once no process of the group is left: neither mpirun nor a `sleep` rank survived.
        Assert.False(Workbook.Native.PosixProcess.GroupExists(e.ProcessGroupId));
    }

    [LinuxFact]
    public void A_failing_rank_fails_the_job_with_its_message()
    {
        using var folder = new TempFolder();
        var launch = MpiLauncher.Run(
            new MpiLaunchOptions(
                2,
                DotnetHost.Executable,
                [Worker, "train", "--mode", "mpi", "--out", folder.Path, "--steps", "0"],
                JobTimeout
            )
        );
        Assert.False(launch.Succeeded);
        var e = Assert.Throws<InvalidOperationException>(() => launch.EnsureSuccess());
        Assert.Contains("Train for at least one step", e.Message);
    }

    [LinuxFact]
    public void A_rank_that_dies_mid_training_ends_the_job_instead_of_hanging_its_partner()
    {
        using var folder = new TempFolder();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // Rank 1 throws before step 3 while rank 0 waits for it in step 3's allreduce.
        var launch = MpiLauncher.Run(
            new MpiLaunchOptions(
                2,
                DotnetHost.Executable,
                [Worker, "train", "--mode", "mpi", "--out", folder.Path, "--steps", "10", "--fail", "1:3"],
                JobTimeout
            )
        );
        Assert.False(launch.Succeeded);
        Assert.Contains("injected failure on rank 1 before step 3", launch.Error);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"the job took {clock.Elapsed} to end");
        Assert.False(File.Exists(folder.File("rank-0.json")));
    }

    [LinuxFact]
    public void Test_host_never_initializes_MPI()
    {
        Assert.True(
            MpiCommunicator.IsAvailable,
            "Open MPI is not installed: run tools/setup.sh (apt-get install openmpi-bin libopenmpi-dev)."
        );
        Assert.False(MpiCommunicator.IsInitialized);
    }
}
