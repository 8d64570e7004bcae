using System.Diagnostics;
using System.Text.Json;
using TorchSharp;
using Workbook.Gpt2;
using Workbook.Notebook;
using Workbook.Safetensors;
using static TorchSharp.torch;

namespace Workbook.Benchmarks;

/// <summary>
/// GPT-2 124M on the CPU, float32, batch 1, greedy, with random weights (no pretrained weights are reachable here; speed
/// and memory do not depend on the values). The parent process writes an HF-layout model.safetensors (with the 12
/// attn.bias buffers, like the real 548 MB file) and config.json to a temporary folder, then starts a fresh process that
/// loads it and measures, so peak RSS is that of a process that only loads and runs the model.
/// </summary>
internal static class Gpt2Benchmark
{
    public const string MeasureCommand = "gpt2-measure";
    private const int PromptTokens = 128;
    private const int CachedTokens = 64;
    private const int UncachedTokens = 8;

    public static int Run()
    {
        var folder = Path.Combine(Path.GetTempPath(), "workbook-bench-gpt2-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var stopwatch = Stopwatch.StartNew();
            long weightBytes;
            using (var scope = NewDisposeScope())
            using (var model = new Gpt2LMHeadModel(Gpt2Config.Gpt2))
            {
                var tensors = model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
                weightBytes = tensors.Values.Sum(t => t.numel() * t.ElementSize);
                var mask = tril(ones(1024, 1024)).view(1, 1, 1024, 1024);
                for (var i = 0; i < 12; i++)
                    tensors[$"h.{i}.attn.bias"] = mask;
                SafetensorsWriter.Save(
                    Path.Combine(folder, "model.safetensors"),
                    tensors,
                    new Dictionary<string, string> { ["format"] = "pt" }
                );
                Gpt2Config.Gpt2.Save(Path.Combine(folder, "config.json"));
            }
            var fileBytes = new FileInfo(Path.Combine(folder, "model.safetensors")).Length;
            Console.WriteLine(
                $"wrote a random GPT-2 124M checkpoint ({fileBytes / 1e6:F0} MB) in {stopwatch.Elapsed.TotalSeconds:F1} s; "
                    + "measuring in a fresh process…"
            );

            int[] threadCounts = Environment.ProcessorCount > 1 ? [Environment.ProcessorCount, 1] : [1];
            var runs = new List<Gpt2Measurement>();
            foreach (var threads in threadCounts)
            {
                var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
                if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
                    start.ArgumentList.Add(typeof(Gpt2Benchmark).Assembly.Location);
                start.ArgumentList.Add(MeasureCommand);
                start.ArgumentList.Add(folder);
                start.ArgumentList.Add(threads.ToString());
                using var child = Process.Start(start)!;
                var output = child.StandardOutput.ReadToEnd();
                child.WaitForExit();
                if (child.ExitCode != 0)
                {
                    Console.Error.WriteLine(output);
                    return child.ExitCode;
                }
                runs.Add(JsonSerializer.Deserialize<Gpt2Measurement>(output.Trim().Split('\n')[^1])!);
            }
            var weightsMb = weightBytes / 1e6;
            string Mb(long bytes) => $"{bytes / 1e6:F0} MB ({bytes / 1e6 / weightsMb:F2}×)";
            IReadOnlyList<string> Row(string measure, Func<Gpt2Measurement, string> value, string target) =>
                [measure, .. runs.Select(value), target];
            Console.WriteLine(
                new Table(
                    ["measure", .. runs.Select(r => $"{r.Threads} thread{(r.Threads == 1 ? "" : "s")}"), "target"],
                    [
                        Row("load (config + safetensors → model)", m => $"{m.LoadSeconds:F2} s", "≤ 2 s"),
                        Row("RSS before load (runtime + libtorch)", m => $"{m.RssBeforeLoadBytes / 1e6:F0} MB", ""),
                        Row("peak RSS after load (× weights)", m => Mb(m.PeakAfterLoadBytes), ""),
                        Row("peak RSS after prefill", m => Mb(m.PeakAfterPrefillBytes), ""),
                        Row("peak RSS after cached decode", m => Mb(m.PeakAfterCachedBytes), ""),
                        Row("peak RSS, whole run", m => Mb(m.PeakRssBytes), "≤ 1.5× weights"),
                        Row($"prefill {PromptTokens} tokens (logits of the last)", m => $"{m.PrefillSeconds * 1e3:F0} ms", ""),
                        Row(
                            $"decode with KV cache ({CachedTokens} tokens)",
                            m => $"{m.CachedTokensPerSecond:F1} tokens/s ({1e3 / m.CachedTokensPerSecond:F1} ms)",
                            "≥ 25 tokens/s"
                        ),
                        Row(
                            $"decode without cache ({UncachedTokens} tokens)",
                            m => $"{m.UncachedTokensPerSecond:F2} tokens/s ({1e3 / m.UncachedTokensPerSecond:F0} ms)",
                            ""
                        ),
                    ],
                    caption: $"GPT-2 124M, float32, batch 1, greedy, {PromptTokens}-token prompt; "
                        + $"weights {weightsMb:F0} MB ({fileBytes / 1e6:F0} MB file); "
                        + $"each column a fresh process; {Environment.ProcessorCount} logical CPUs, libtorch {torch.__version__}"
                )
            );
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The child process: load, then time prefill and decoding; prints one JSON line.</summary>
    public static int Measure(string folder, int threads)
    {
        // Unless the caller set it, fix glibc's mmap threshold as the library recommends for large models (README).
        if (System.Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is null)
            Workbook.Native.GlibcMalloc.FixMmapThreshold();
        set_num_threads(threads);
        using (var warm = ones(64, 64))
            warm.matmul(warm).Dispose();
        var before = ProcessMemory.Status("VmRSS");

        var stopwatch = Stopwatch.StartNew();
        using var model = Gpt2LMHeadModel.FromPretrained(folder);
        var loadSeconds = stopwatch.Elapsed.TotalSeconds;
        var afterLoad = ProcessMemory.Status("VmHWM");

        var random = new Random(1);
        int[] prompt = [.. Enumerable.Range(0, PromptTokens).Select(_ => random.Next(50000))];
        double prefill;
        using (no_grad())
        using (var ids = tensor(prompt.Select(id => (long)id).ToArray()).unsqueeze(0))
        {
            var times = new List<double>();
            for (var i = 0; i < 4; i++)
            {
                using var scope = NewDisposeScope();
                stopwatch.Restart();
                var hidden = model.HiddenStates(ids);
                model.Logits(hidden.select(1, PromptTokens - 1)).argmax().item<long>();
                times.Add(stopwatch.Elapsed.TotalSeconds);
            }
            prefill = times.Skip(1).Order().ElementAt(1); // median of the 3 after a warm-up
        }
        var afterPrefill = ProcessMemory.Status("VmHWM");

        var generator = new Gpt2TokenGenerator(model);
        double DecodeRate(int tokens, bool useCache)
        {
            // Time from the first new token (prefill done) to the last: tokens − 1 decode steps.
            var stamps = new List<double>();
            var clock = Stopwatch.StartNew();
            generator.Generate(
                prompt,
                GenerationOptions.Greedy(tokens) with
                {
                    UseCache = useCache,
                    StopAtEos = false,
                },
                (_, _) => stamps.Add(clock.Elapsed.TotalSeconds)
            );
            return (tokens - 1) / (stamps[^1] - stamps[0]);
        }
        DecodeRate(4, useCache: true); // warm-up
        var cached = DecodeRate(CachedTokens, useCache: true);
        var afterCached = ProcessMemory.Status("VmHWM");
        var uncached = DecodeRate(UncachedTokens, useCache: false);

        Console.WriteLine(
            JsonSerializer.Serialize(
                new Gpt2Measurement(
                    threads,
                    loadSeconds,
                    before,
                    afterLoad,
                    afterPrefill,
                    afterCached,
                    ProcessMemory.Status("VmHWM"),
                    prefill,
                    cached,
                    uncached
                )
            )
        );
        return 0;
    }
}

internal sealed record Gpt2Measurement(
    int Threads,
    double LoadSeconds,
    long RssBeforeLoadBytes,
    long PeakAfterLoadBytes,
    long PeakAfterPrefillBytes,
    long PeakAfterCachedBytes,
    long PeakRssBytes,
    double PrefillSeconds,
    double CachedTokensPerSecond,
    double UncachedTokensPerSecond
);
