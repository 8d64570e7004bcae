using System.Diagnostics;
using TorchSharp;
using Workbook.Audio;
using Workbook.Compression;
using Workbook.Data;
using Workbook.Gpt2;
using Workbook.Models;
using Workbook.Native;
using Workbook.Tests.Gpt2;
using Workbook.Training;
using Workbook.Wav2Vec2;
using static TorchSharp.torch;

namespace Workbook.Tests.Native;

/// <summary>
/// TorchSharp 0.107 turns a number passed where a <c>Scalar</c> is expected (the alpha of <c>a + b</c>, the 0.5 of
/// <c>x * 0.5</c>) into a Scalar object that nothing keeps alive during the native call: a garbage collection at that
/// moment finalises it while libtorch reads it (<c>ExternalException … toFloat (c10/core/Scalar.h)</c>). These tests
/// run the library's models while another thread collects without pause; one failure is one exposure left.
/// </summary>
[Collection(SerialCollection.Name)] // the collecting thread would slow, and could expose, tests running beside it
public class ScalarGcRaceTests
{
    static ScalarGcRaceTests() => InitializeDeviceType(DeviceType.CPU);

    /// <summary>Seconds per test: 3, or WORKBOOK_GC_STRESS_SECONDS for a longer hunt.</summary>
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(
        double.TryParse(
            System.Environment.GetEnvironmentVariable("WORKBOOK_GC_STRESS_SECONDS"),
            System.Globalization.CultureInfo.InvariantCulture,
            out var s
        )
        && s > 0
            ? s
            : 3
    );

    /// <summary>Runs <paramref name="work"/> repeatedly for <see cref="Duration"/> while a thread calls GC.Collect(); returns the failures
    /// and the runs.</summary>
    private static (List<string> Failures, int Runs) UnderCollection(Action work)
    {
        var failures = new List<string>();
        var runs = 0;
        using var collector = new ConcurrentCollector();
        var clock = Stopwatch.StartNew();
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
        return (failures, runs);
    }

    private static void AssertNoFailures((List<string> Failures, int Runs) result)
    {
        Assert.True(result.Runs > 0);
        Assert.True(
            result.Failures.Count == 0,
            $"{result.Failures.Count} of {result.Runs} runs failed: {string.Join(" | ", result.Failures.Distinct().Take(3))}"
        );
    }

    [Fact]
    public void Gpt2_generation_survives_concurrent_garbage_collection()
    {
        var generator = new Gpt2TokenGenerator(Gpt2Goldens.Tiny);
        var sampling = GenerationOptions.Sampling(8, seed: 1, temperature: 0.7, topK: 20, topP: 0.9) with { RepetitionPenalty = 1.3 };
        AssertNoFailures(
            UnderCollection(() =>
            {
                generator.Generate(
                    [
                        [5, 6, 7],
                        [9],
                    ],
                    GenerationOptions.Greedy(8)
                );
                generator.Generate([1, 2, 3], sampling);
                generator.Generate([4, 5], GenerationOptions.Greedy(4) with { UseCache = false });
            })
        );
    }

    [Fact]
    public void Quantized_gpt2_survives_concurrent_garbage_collection()
    {
        using var model = Gpt2LMHeadModel.FromPretrained(Gpt2Goldens.Folder("tiny"));
        DynamicQuantization.QuantizeLinearLayers(model);
        var generator = new Gpt2TokenGenerator(model);
        AssertNoFailures(UnderCollection(() => generator.Generate([3, 1, 4, 1, 5], GenerationOptions.Greedy(8))));
    }

    [Fact]
    public void Speech_recognition_survives_concurrent_garbage_collection()
    {
        var recognizer = new SpeechRecognizer(
            Wav2Vec2ForCtc.FromPretrained(Repository.Fixture("wav2vec2/tiny-base")),
            new CtcDecoder(CtcVocabulary.English960h, 80 / 16000.0)
        );
        var clip = WavFile.Read(Path.Combine(Repository.Root, "data", "speech", "flite-kal-8khz.wav"));
        var short_ = new AudioClip(clip.SampleRate, clip.Channels[0].AsSpan(0, 4000).ToArray());
        using var mask = ones(2, 1200);
        mask[1, TensorIndex.Slice(800)] = zeros(400);
        using var padded = randn(2, 1200);
        AssertNoFailures(
            UnderCollection(() =>
            {
                recognizer.Transcribe(short_);
                recognizer.TranscribeLong(short_, chunkSeconds: 0.2, strideSeconds: 0.04);
                recognizer.Model.forward(padded, mask);
            })
        );
    }

    /// <summary>
    /// The Trainer's whole step (forward, cross-entropy, L2 penalty, backward, clipping, optimizer step, accuracy) with
    /// each kept-scalar optimizer. TorchSharp's own <c>optim.Adam</c>, <c>AdamW</c> and <c>SGD</c> fail in about 0.5 to
    /// 3 % of the steps of this loop under the same collector on 2 cores (<c>tools/bench.sh gc-race</c> measures it, and is
    /// not a test: a race's rate depends on the machine); a small, deep model makes many Scalars per step.
    /// </summary>
    [Fact]
    public void Training_with_the_kept_scalar_optimizers_survives_concurrent_garbage_collection()
    {
        var (x, y) = SyntheticData.MakeClassification(samples: 128, features: 10, informative: 5, seed: 1).ToTensors();
        torch.manual_seed(0);
        var model = new SimpleModel(new SimpleModelOptions(Inputs: 10, HiddenWidths: [8, 8, 8, 8]));
        optim.Optimizer[] optimizers =
        [
            Optimizers.Adam(model.parameters(), lr: 1e-3, weight_decay: 1e-4, amsgrad: true),
            Optimizers.AdamW(model.parameters(), lr: 1e-3),
            Optimizers.Sgd(model.parameters(), lr: 0.01, momentum: 0.9, weight_decay: 1e-4, nesterov: true),
            Optimizers.Sgd(model.parameters(), lr: 0.01, momentum: 0.5, dampening: 0.1, maximize: true),
        ];
        var trainers = optimizers
            .Select(o => new Trainer(
                model,
                o,
                nn.CrossEntropyLoss(),
                new TrainingOptions(Epochs: 1, BatchSize: 8, L2: 1e-4, GradientClipNorm: 1.0)
            ))
            .ToList();
        foreach (var trainer in trainers)
            trainer.Metrics["accuracy"] = EpochMetrics.Accuracy;
        AssertNoFailures(
            UnderCollection(() =>
            {
                foreach (var trainer in trainers)
                    trainer.Fit(x, y);
            })
        );
    }
}
