using System.Text.Json;
using TorchSharp;
using Workbook.Audio;
using Workbook.Wav2Vec2;
using static TorchSharp.torch;

namespace Workbook.Tests.Wav2Vec2;

/// <summary>The recognition pipeline's plumbing, on the tiny random model (its text is noise; the shapes and counts are not).</summary>
public class SpeechRecognizerTests
{
    static SpeechRecognizerTests() => InitializeDeviceType(DeviceType.CPU);

    private static SpeechRecognizer Tiny() =>
        new(
            Wav2Vec2ForCtc.FromPretrained(Repository.Fixture("wav2vec2/tiny-base")),
            new CtcDecoder(CtcVocabulary.English960h, 80 / 16000.0)
        );

    private static AudioClip Speech(string name) => WavFile.Read(Path.Combine(Repository.Root, "data", "speech", name));

    [Fact]
    public void Chunks_follow_the_hf_pipeline()
    {
        Assert.Equal(
            [new AudioChunk(0, 40, 0, 5), new AudioChunk(30, 40, 5, 5), new AudioChunk(60, 40, 5, 0)],
            SpeechRecognizer.Chunks(100, 40, 5)
        );
        Assert.Equal([new AudioChunk(0, 25, 0, 0)], SpeechRecognizer.Chunks(25, 40, 5));
        Assert.Equal(new AudioChunk(90, 11, 5, 0), SpeechRecognizer.Chunks(101, 40, 5)[^1]);
        Assert.Contains("leave no step", Assert.Throws<ArgumentException>(() => SpeechRecognizer.Chunks(100, 40, 20)).Message);
    }

    [Fact]
    public void Any_rate_is_resampled_and_every_frame_is_decoded()
    {
        var recognizer = Tiny();
        var clip = Speech("flite-kal-8khz.wav");
        Assert.Equal(8000, clip.SampleRate);
        var transcript = recognizer.Transcribe(clip);
        var samples = (long)Math.Ceiling(clip.FrameCount * 2.0);
        Assert.Equal(recognizer.Model.Config.FrameCount(samples), transcript.FrameIds.Count);
    }

    private static IEnumerable<JsonElement> ChunkingCases() =>
        JsonDocument
            .Parse(File.ReadAllText(Repository.Fixture("wav2vec2/chunking.json")))
            .RootElement.GetProperty("cases")
            .EnumerateArray();

    [Fact]
    public void Windows_and_kept_frames_are_exactly_those_of_the_hf_pipeline()
    {
        // The reference: make_chunk_goldens.py, a re-implementation of transformers' chunk_iter, rescale_stride and postprocess.
        var configs = new Dictionary<string, Wav2Vec2Config>
        {
            ["base"] = Wav2Vec2Config.Base960h,
            ["tiny"] = Wav2Vec2Config.FromFile(Repository.Fixture("wav2vec2/tiny-base")),
        };
        foreach (var golden in ChunkingCases())
        {
            var name = golden.GetProperty("name").GetString();
            var config = configs[golden.GetProperty("model").GetString()!];
            var chunk = SpeechRecognizer.AlignedLength(golden.GetProperty("chunk_seconds").GetDouble(), 16000, config.SamplesPerFrame);
            var stride = SpeechRecognizer.AlignedLength(golden.GetProperty("stride_seconds").GetDouble(), 16000, config.SamplesPerFrame);
            Assert.Equal(golden.GetProperty("chunk_samples").GetInt64(), chunk);
            Assert.Equal(golden.GetProperty("stride_samples").GetInt64(), stride);
            var expected = golden
                .GetProperty("windows")
                .EnumerateArray()
                .Select(w =>
                    $"{w.GetProperty("start")} {w.GetProperty("length")} {w.GetProperty("left")} {w.GetProperty("right")} "
                    + $"[{w.GetProperty("first")}, {w.GetProperty("end")})"
                )
                .ToArray();
            var actual = SpeechRecognizer
                .Chunks(golden.GetProperty("samples").GetInt64(), chunk, stride)
                .Select(c => (Chunk: c, Kept: SpeechRecognizer.KeptFrames(c, config.SamplesPerFrame)))
                .Select(k =>
                    $"{k.Chunk.Start} {k.Chunk.Length} {k.Chunk.LeftStride} {k.Chunk.RightStride} [{k.Kept.First}, "
                    + $"{Math.Min(k.Kept.End, config.FrameCount(k.Chunk.Length))})"
                )
                .ToArray();
            Assert.True(
                expected.SequenceEqual(actual),
                $"{name}: expected {string.Join("; ", expected.Take(4))}…, got {string.Join("; ", actual.Take(4))}…"
            );
        }
    }

    [Fact]
    public void Long_audio_in_windows_keeps_exactly_the_frames_hf_keeps_and_one_window_equals_the_whole()
    {
        var recognizer = Tiny();
        var clip = Speech("librivox-0890.wav");
        var whole = recognizer.Transcribe(clip);
        Assert.Equal(whole.FrameIds, recognizer.TranscribeLong(clip, chunkSeconds: 60).FrameIds);

        foreach (var golden in ChunkingCases().Where(c => c.GetProperty("model").GetString() == "tiny"))
        {
            Assert.Equal(clip.FrameCount, golden.GetProperty("samples").GetInt64());
            var chunked = recognizer.TranscribeLong(
                clip,
                golden.GetProperty("chunk_seconds").GetDouble(),
                golden.GetProperty("stride_seconds").GetDouble()
            );
            Assert.Equal(golden.GetProperty("kept_frames").GetInt32(), chunked.FrameIds.Count);
        }
    }

    [Fact]
    public void A_vocabulary_of_another_model_is_refused()
    {
        var model = Wav2Vec2ForCtc.FromPretrained(Repository.Fixture("wav2vec2/tiny-base"));
        var small = new CtcVocabulary(["<pad>", "|", "A"]);
        Assert.Contains(
            "do not belong together",
            Assert.Throws<ArgumentException>(() => new SpeechRecognizer(model, new CtcDecoder(small))).Message
        );
    }
}
