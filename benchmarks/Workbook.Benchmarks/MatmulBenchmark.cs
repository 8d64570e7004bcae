using System.Diagnostics;
using System.Text.Json;
using TorchSharp;
using Workbook;
using Workbook.Notebook;
using Workbook.Runtime;

namespace Workbook.Benchmarks;

/// <summary>Float32 matrix-product throughput: TorchSharp (libtorch 2.10) against PyTorch from the same machine, same
/// thread count, same median-of-N timing. The PyTorch column is empty when no reference Python is found.</summary>
internal static class MatmulBenchmark
{
    public static int Run()
    {
        var threads = Environment.ProcessorCount;
        const int repeats = 20;
        int[] sizes = [64, 128, 256, 512, 1024];

        torch.set_num_threads(threads);

        var ours = sizes.ToDictionary(n => n, n => MatmulThroughput.Measure(n, repeats));
        var reference = RunReference(threads, repeats, sizes);

        var rows = sizes.Select(n =>
        {
            var mine = ours[n];
            double? theirs = reference?.Seconds.TryGetValue(n.ToString(), out var s) == true ? s : null;
            return (IReadOnlyList<string>)
                [
                    n.ToString(),
                    $"{mine.Seconds * 1e3:F3}",
                    $"{mine.GigaFlops:F1}",
                    theirs is { } t ? $"{t * 1e3:F3}" : "–",
                    theirs is { } t2 ? $"{2.0 * n * n * n / t2 / 1e9:F1}" : "–",
                    theirs is { } t3 ? $"{t3 / mine.Seconds:F2}" : "–",
                ];
        });
        Console.WriteLine(
            new Table(
                ["n", "TorchSharp ms", "GFLOP/s", $"PyTorch {reference?.Torch ?? "(absent)"} ms", "GFLOP/s", "speed-up"],
                rows,
                caption: $"float32 n×n matmul, median of {repeats}, {threads} thread(s), "
                    + $"{Environment.ProcessorCount} logical CPUs, libtorch {torch.__version__}"
            )
        );
        return 0;
    }

    private static Reference? RunReference(int threads, int repeats, int[] sizes) =>
        PythonReference.Run<Reference>(
            "matmul_torch.py",
            [threads.ToString(), repeats.ToString(), .. sizes.Select(s => s.ToString())],
            TimeSpan.FromMinutes(5)
        );
}

internal sealed record Reference(string Torch, int Threads, Dictionary<string, double> Seconds);
