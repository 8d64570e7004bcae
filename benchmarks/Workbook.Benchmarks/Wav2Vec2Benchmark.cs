using System.Diagnostics;
using System.Text.Json;
using TorchSharp;
using Workbook.Notebook;
using Workbook.Wav2Vec2;
using static TorchSharp.torch;

namespace Workbook.Benchmarks;

/// <summary>
/// wav2vec2-base (random weights, the real shapes) on CPU, float32: load time of the safetensors checkpoint, real-time
/// factor (seconds of compute per second of audio) for 10 s and 60 s of audio, and peak RSS — measured in a fresh
/// process — beside torchaudio's own wav2vec2-base on the same lengths and threads in the same run.
/// </summary>
internal static class Wav2Vec2Benchmark
{
    public const string MeasureCommand = "wav2vec2-measure";
    private static readonly double[] Durations = [10, 60];
    private const int Repeats = 3;

    public static int Run()
    {
        var folder = Path.Combine(Path.GetTempPath(), "workbook-bench-wav2vec2-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var model = new Wav2Vec2ForCtc(Wav2Vec2Config.Base960h))
                model.SavePretrained(folder, CtcVocabulary.English960h);
            var fileBytes = new FileInfo(Path.Combine(folder, "model.safetensors")).Length;
            Console.WriteLine($"wrote a random wav2vec2-base checkpoint ({fileBytes / 1e6:F0} MB); measuring in a fresh process…");
            var threads = Environment.ProcessorCount;
            var mine = Child(folder, threads);
            if (mine is null)
                return 1;
            var theirs = Reference(threads);
            var rows = Durations
                .Select(d =>
                {
                    var ours = mine.Seconds[d.ToString(System.Globalization.CultureInfo.InvariantCulture)];
                    double? reference =
                        theirs?.Seconds.TryGetValue(d.ToString(System.Globalization.CultureInfo.InvariantCulture), out var r) == true
                            ? r
                            : null;
                    return (IReadOnlyList<string>)
                        [
                            $"{d:F0} s",
                            $"{ours:F2} s",
                            $"{ours / d:F3}",
                            reference is { } t ? $"{t:F2} s" : "–",
                            reference is { } t2 ? $"{t2 / d:F3}" : "–",
                            reference is { } t3 ? $"{t3 / ours:F2}×" : "–",
                        ];
                })
                .ToList();
            Console.WriteLine(
                new Table(
                    [
                        "audio",
                        "TorchSharp",
                        "real-time factor",
                        $"torchaudio {theirs?.Torchaudio ?? "(absent)"}",
                        "real-time factor",
                        "TorchSharp speed vs torchaudio",
                    ],
                    rows,
                    caption: $"wav2vec2-base (95 M parameters, random weights), float32, batch 1, median of {Repeats}, "
                        + $"{threads} thread(s), libtorch {torch.__version__}"
                )
            );
            Console.WriteLine(
                $"load (config + safetensors → model): {mine.LoadSeconds:F2} s; peak RSS: TorchSharp {mine.PeakRss / 1e6:F0} MB"
                    + (theirs is null ? "" : $", torchaudio {theirs.PeakRss / 1e6:F0} MB")
                    + $"; weights {fileBytes / 1e6:F0} MB"
            );
            return 0;
        }
        finally
        {
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The child process: load, then time each duration; prints one JSON line.</summary>
    public static int Measure(string folder, int threads)
    {
        if (System.Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is null)
            Workbook.Native.GlibcMalloc.FixMmapThreshold();
        set_num_threads(threads);
        using var noGrad = no_grad(); // inference: keep no graph
        var clock = Stopwatch.StartNew();
        using var model = Wav2Vec2ForCtc.FromPretrained(folder);
        var load = clock.Elapsed.TotalSeconds;
        manual_seed(0);
        using (var warm = randn(1, 16000))
            model.call(warm).Dispose();
        var seconds = new Dictionary<string, double>();
        foreach (var d in Durations)
        {
            using var audio = randn(1, (long)(d * 16000));
            var times = new List<double>();
            for (var i = 0; i < Repeats; i++)
            {
                clock.Restart();
                model.call(audio).Dispose();
                times.Add(clock.Elapsed.TotalSeconds);
            }
            seconds[d.ToString(System.Globalization.CultureInfo.InvariantCulture)] = times.Order().ElementAt(times.Count / 2);
        }
        Console.WriteLine(JsonSerializer.Serialize(new Wav2Vec2Measurement(load, seconds, ProcessMemory.Status("VmHWM"))));
        return 0;
    }

    private static Wav2Vec2Measurement? Child(string folder, int threads)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
            start.ArgumentList.Add(typeof(Wav2Vec2Benchmark).Assembly.Location);
        foreach (var arg in new[] { MeasureCommand, folder, threads.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(arg);
        using var child = Process.Start(start)!;
        var output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        if (child.ExitCode != 0)
        {
            Console.Error.WriteLine(output);
            return null;
        }
        return JsonSerializer.Deserialize<Wav2Vec2Measurement>(output.Trim().Split('\n')[^1]);
    }

    private static TorchaudioMeasurement? Reference(int threads) =>
        PythonReference.Run<TorchaudioMeasurement>(
            "wav2vec2_torchaudio.py",
            [
                threads.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Repeats.ToString(System.Globalization.CultureInfo.InvariantCulture),
                .. Durations.Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ],
            TimeSpan.FromMinutes(10),
            new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }
        );
}

internal sealed record Wav2Vec2Measurement(double LoadSeconds, Dictionary<string, double> Seconds, long PeakRss);

internal sealed record TorchaudioMeasurement(string Torchaudio, string Torch, Dictionary<string, double> Seconds, long PeakRss);
