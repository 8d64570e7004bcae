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
        new(Wav2Vec2ForCtc.FromPretrained(Repository.Fixture("wav2vec2/tiny-base")), new CtcDecoder(CtcVocabulary.English960h, 80 / 16000.0));

    private static AudioClip Speech(string name) => WavFile.Read(Path.Combine(Repository.Root, "data", "speech", name));

    [Fact]
    public void Chunks_follow_the_hf_pipeline()
    {
        Assert.Equal([new AudioChunk(0, 40, 0, 5), new AudioChunk(30, 40, 5, 5), new AudioChunk(60, 40, 5, 0)], SpeechRecognizer.Chunks(100, 40, 5));
        Assert.Equal([new AudioChunk(0, 25, 0, 0)], SpeechRecognizer.Chunks(25, 40, 5));
        Assert.Equal(new AudioChunk(90, 11, 5, 0), SpeechRecognizer.Chunks(101, 40, 5)[^1]);
        Assert.Contains("leaves no step", Assert.Throws<ArgumentException>(() => SpeechRecognizer.Chunks(100, 40, 20)).Message);
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

    [Fact]
    public void Long_audio_in_windows_keeps_about_one_frame_per_hop_and_one_window_equals_the_whole()
    {
        var recognizer = Tiny();
        var clip = Speech("librivox-0890.wav");
        var whole = recognizer.Transcribe(clip);
        Assert.Equal(whole.FrameIds, recognizer.TranscribeLong(clip, chunkSeconds: 60).FrameIds);

        var chunked = recognizer.TranscribeLong(clip, chunkSeconds: 1.0, strideSeconds: 0.2);
        var windows = SpeechRecognizer.Chunks(clip.FrameCount, 16000, 3200).Count;
        Assert.InRange(chunked.FrameIds.Count, whole.FrameIds.Count - 2 * windows, whole.FrameIds.Count + 2 * windows);
    }

    [Fact]
    public void A_vocabulary_of_another_model_is_refused()
    {
        var model = Wav2Vec2ForCtc.FromPretrained(Repository.Fixture("wav2vec2/tiny-base"));
        var small = new CtcVocabulary(["<pad>", "|", "A"]);
        Assert.Contains("do not belong together", Assert.Throws<ArgumentException>(() => new SpeechRecognizer(model, new CtcDecoder(small))).Message);
    }
}
