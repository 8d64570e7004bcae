using System.Diagnostics;
using TorchSharp;
using Workbook.Notebook;
using Workbook.Vision;
using static TorchSharp.torch;

namespace Workbook.Benchmarks;

/// <summary>
/// CNN training throughput (chapter 07's <see cref="SmallCnn"/>: two conv → batch norm → ReLU → pool blocks of 16 and
/// 32 filters, a linear head, 1 × 28 × 28 inputs): images per second for Adam steps on batches of 64, TorchSharp beside
/// the same model and loop in Debian's PyTorch (benchmarks/reference/cnn_torch.py), same threads, same timing: the
/// median of several timed rounds of a fixed number of steps after a warm-up round. The data is random: the cost of a
/// step does not depend on the pixel values.
/// </summary>
internal static class CnnBenchmark
{
    private const int Batch = 64,
        StepsPerRound = 20,
        Rounds = 5;

    public static int Run()
    {
        int[] threadCounts = [.. new[] { 1, Environment.ProcessorCount }.Distinct()];
        var rows = new List<IReadOnlyList<string>>();
        foreach (var threads in threadCounts)
        {
            var ours = Measure(threads);
            var reference = PythonReference.Run<CnnReference>(
                "cnn_torch.py",
                [threads.ToString(), Batch.ToString(), StepsPerRound.ToString(), Rounds.ToString()],
                TimeSpan.FromMinutes(10)
            );
            rows.Add([
                threads.ToString(),
                $"{ours:F0}",
                reference is null ? "–" : $"{reference.ImagesPerSecond:F0}",
                reference is null ? "–" : $"{ours / reference.ImagesPerSecond:F2}",
            ]);
            if (reference is not null && rows.Count == 1)
                Console.WriteLine($"reference: PyTorch {reference.Torch}");
        }
        Console.WriteLine(
            new Table(
                ["threads", "TorchSharp images/s", "PyTorch images/s", "TorchSharp / PyTorch"],
                rows,
                caption: $"SmallCnn (16, 32 filters) training, Adam, batch {Batch}, median of {Rounds} rounds of {StepsPerRound} steps, "
                    + $"libtorch {torch.__version__}, {Environment.ProcessorCount} logical CPUs"
            )
        );
        return 0;
    }

    /// <summary>Training images per second with <paramref name="threads"/> threads.</summary>
    public static double Measure(int threads)
    {
        torch.set_num_threads(threads);
        torch.manual_seed(0);
        var model = new SmallCnn(new SmallCnnOptions(ImageSize: 28, Channels: [16, 32], Classes: 10));
        model.train();
        var optimizer = optim.Adam(model.parameters(), lr: 1e-3);
        var loss = nn.CrossEntropyLoss();
        using var images = rand(Batch, 1, 28, 28);
        using var labels = randint(0, 10, [Batch], dtype: ScalarType.Int64);
        void Round()
        {
            for (var step = 0; step < StepsPerRound; step++)
            {
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                loss.call(model.call(images), labels).backward();
                optimizer.step();
            }
        }
        Round(); // warm-up: allocations, kernel selection
        var seconds = new List<double>();
        for (var r = 0; r < Rounds; r++)
        {
            var clock = Stopwatch.StartNew();
            Round();
            seconds.Add(clock.Elapsed.TotalSeconds);
        }
        seconds.Sort();
        return Batch * StepsPerRound / seconds[Rounds / 2];
    }
}

internal sealed record CnnReference(string Torch, int Threads, double ImagesPerSecond);
