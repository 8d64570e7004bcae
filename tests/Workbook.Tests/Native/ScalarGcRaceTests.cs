using System.Diagnostics;
using TorchSharp;
using Workbook.Audio;
using Workbook.Compression;
using Workbook.Gpt2;
using Workbook.Tests.Gpt2;
using Workbook.Wav2Vec2;
using static TorchSharp.torch;

namespace Workbook.Tests.Native;

/// <summary>
/// TorchSharp 0.107 turns a number passed where a <c>Scalar</c> is expected (the alpha of <c>a + b</c>, the 0.5 of
/// <c>x * 0.5</c>) into a Scalar object that nothing keeps alive during the native call: a garbage collection at that
/// moment finalises it while libtorch reads it (<c>ExternalException … toFloat (c10/core/Scalar.h)</c>). These tests
/// run the library's models while another thread collects without pause; one failure is one exposure left.
/// </summary>
[Collection(SerialCollection.Name)]   // the collecting thread would slow, and could expose, tests running beside it
public class ScalarGcRaceTests
{
    static ScalarGcRaceTests() => InitializeDeviceType(DeviceType.CPU);

    /// <summary>Seconds per test: 3, or WORKBOOK_GC_STRESS_SECONDS for a longer hunt.</summary>
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(
        double.TryParse(System.Environment.GetEnvironmentVariable("WORKBOOK_GC_STRESS_SECONDS"), System.Globalization.CultureInfo.InvariantCulture, out var s) && s > 0 ? s : 3);

    /// <summary>Runs <paramref name="work"/> repeatedly for <see cref="Duration"/> while a thread calls GC.Collect(); returns the failures and the runs.</summary>
    private static (List<string> Failures, int Runs) UnderCollection(Action work)
    {
        var failures = new List<string>();
        var runs = 0;
        using var stop = new CancellationTokenSource();
        var collector = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }) { IsBackground = true };
        collector.Start();
        var clock = Stopwatch.StartNew();
        try
        {
            while (clock.Elapsed < Duration)
            {
                try
                {
                    using var scope = NewDisposeScope();
                    work();
                }
                catch (Exception e) when (e is System.Runtime.InteropServices.ExternalException)
                {
                    // The first frames name the call that lost its Scalar.
                    var frames = (e.StackTrace ?? "").Split('\n').Select(f => f.Trim()).Where(f => f.Length > 0).Take(4);
                    failures.Add($"{e.Message.Split('\n')[0]} at {string.Join(" < ", frames)}");
                }
                runs++;
            }
        }
        finally
        {
            stop.Cancel();
            collector.Join();
        }
        return (failures, runs);
    }

    private static void AssertNoFailures((List<string> Failures, int Runs) result)
    {
        Assert.True(result.Runs > 0);
        Assert.True(result.Failures.Count == 0, $"{result.Failures.Count} of {result.Runs} runs failed: {string.Join(" | ", result.Failures.Distinct().Take(3))}");
    }

    [Fact]
    public void Gpt2_generation_survives_concurrent_garbage_collection()
    {
        var generator = new Gpt2Generator(Gpt2Goldens.Tiny);
        var sampling = GenerationOptions.Sampling(8, seed: 1, temperature: 0.7, topK: 20, topP: 0.9) with { RepetitionPenalty = 1.3 };
        AssertNoFailures(UnderCollection(() =>
        {
            generator.Generate([[5, 6, 7], [9]], GenerationOptions.Greedy(8));
            generator.Generate([1, 2, 3], sampling);
            generator.Generate([4, 5], GenerationOptions.Greedy(4) with { UseCache = false });
        }));
    }

    [Fact]
    public void Quantized_gpt2_survives_concurrent_garbage_collection()
    {
        using var model = Gpt2LMHeadModel.FromPretrained(Gpt2Goldens.Folder("tiny"));
        DynamicQuantization.QuantizeLinearLayers(model);
        var generator = new Gpt2Generator(model);
        AssertNoFailures(UnderCollection(() => generator.Generate([3, 1, 4, 1, 5], GenerationOptions.Greedy(8))));
    }

    [Fact]
    public void Speech_recognition_survives_concurrent_garbage_collection()
    {
        var recognizer = new SpeechRecognizer(Wav2Vec2ForCtc.FromPretrained(Repository.Fixture("wav2vec2/tiny-base")), new CtcDecoder(CtcVocabulary.English960h, 80 / 16000.0));
        var clip = WavFile.Read(Path.Combine(Repository.Root, "data", "speech", "flite-kal-8khz.wav"));
        var short_ = new AudioClip(clip.SampleRate, clip.Channels[0].AsSpan(0, 4000).ToArray());
        using var mask = ones(2, 1200);
        mask[1, TensorIndex.Slice(800)] = zeros(400);
        using var padded = randn(2, 1200);
        AssertNoFailures(UnderCollection(() =>
        {
            recognizer.Transcribe(short_);
            recognizer.TranscribeLong(short_, chunkSeconds: 0.2, strideSeconds: 0.04);
            recognizer.Model.Forward(padded, mask);
        }));
    }
}
