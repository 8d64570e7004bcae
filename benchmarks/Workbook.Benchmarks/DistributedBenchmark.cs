using System.Globalization;
using Workbook.Distributed;
using Workbook.Notebook;

namespace Workbook.Benchmarks;

/// <summary>
/// Data-parallel throughput of the chapter-17 worker under mpirun with 1, 2 and 4 processes, for the chapter's small
/// model and a larger one, median of 3 runs each, with the load average beside it (the numbers mean little on a busy machine).
/// </summary>
internal static class DistributedBenchmark
{
    public static int Run()
    {
        var worker = Path.Combine(FindRoot(), "tools", "Workbook.Distributed", "bin", "workbook-distributed.dll");
        var output = Path.Combine(Path.GetTempPath(), $"workbook-bench-distributed-{Environment.ProcessId}");
        var models = new (string Name, DataParallelSettings Settings)[]
        {
            ("20→64→64→2, batch 64", new DataParallelSettings(Steps: 60, GlobalBatch: 64, CheckReplicas: false)),
            (
                "64→512→512→2, batch 1024",
                new DataParallelSettings(
                    Steps: 30,
                    GlobalBatch: 1024,
                    Samples: 8192,
                    Features: 64,
                    HiddenWidths: [512, 512],
                    LearningRate: 0.05,
                    CheckReplicas: false
                )
            ),
        };
        int[] processes = [1, 2, 4];
        const int repeats = 3;
        var loadBefore = LoadAverage();
        var medians = new Dictionary<(int Model, int Processes), double>();
        try
        {
            for (var m = 0; m < models.Length; m++)
                foreach (var n in processes)
                {
                    var rates = Enumerable
                        .Range(0, repeats)
                        .Select(_ => DataParallelJob.Run(worker, n, models[m].Settings, output, TimeSpan.FromMinutes(3)).SamplesPerSecond)
                        .Order()
                        .ToArray();
                    medians[(m, n)] = rates[repeats / 2];
                }
        }
        finally
        {
            if (Directory.Exists(output))
                Directory.Delete(output, recursive: true);
        }
        var rows = processes.Select(n =>
            (IReadOnlyList<string>)
                [
                    n.ToString(CultureInfo.InvariantCulture) + (n > Environment.ProcessorCount ? " (oversubscribed)" : ""),
                    .. Enumerable
                        .Range(0, models.Length)
                        .SelectMany(m =>
                            new[]
                            {
                                medians[(m, n)].ToString("N0", CultureInfo.InvariantCulture),
                                $"{medians[(m, n)] / medians[(m, 1)]:F2}×",
                            }
                        ),
                ]
        );
        Console.WriteLine(
            new Table(
                ["processes", .. models.SelectMany(m => new[] { $"{m.Name}, samples/s", "speed-up" })],
                rows,
                caption: $"mpirun, 1 torch thread per rank, median of {repeats}, {Environment.ProcessorCount} logical CPUs, "
                    + $"load average {loadBefore} before / {LoadAverage()} after"
            )
        );
        return 0;
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Workbook.slnx")))
                return dir.FullName;
        throw new DirectoryNotFoundException(
            $"No Workbook.slnx above {AppContext.BaseDirectory}: run the benchmark from the repository (tools/bench.sh distributed)."
        );
    }
}
