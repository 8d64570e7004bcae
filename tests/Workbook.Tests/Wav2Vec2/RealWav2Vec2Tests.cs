using TorchSharp;
using Workbook.Audio;
using Workbook.Metrics;
using Workbook.Wav2Vec2;
using static TorchSharp.torch;

namespace Workbook.Tests.Wav2Vec2;

/// <summary>
/// Runs only when the real facebook/wav2vec2-base-960h is on this machine; gated by <c>WORKBOOK_REAL_WAV2VEC2</c>:
/// a folder with config.json, model.safetensors and vocab.json, or <c>cache</c> for the Hugging Face cache.
/// Without it the test is listed as skipped, never faked.
/// </summary>
public sealed class RealWav2Vec2FactAttribute() : RealCheckpointFactAttribute(Variable, "the real wav2vec2-base-960h files")
{
    public const string Variable = "WORKBOOK_REAL_WAV2VEC2";
}

public class RealWav2Vec2Tests
{
    static RealWav2Vec2Tests() => InitializeDeviceType(DeviceType.CPU);

    private static string Folder() =>
        RealCheckpoint.Folder(RealWav2Vec2FactAttribute.Variable, ["facebook/wav2vec2-base-960h"], SpeechRecognizer.CheckpointFiles);

    [RealWav2Vec2Fact]
    public void The_speech_clips_are_transcribed_with_a_low_word_error_rate()
    {
        var recognizer = SpeechRecognizer.FromFolder(Folder());
        var speech = Path.Combine(Repository.Root, "data", "speech");
        var rows = File.ReadAllLines(Path.Combine(speech, "transcripts.tsv")).Skip(1).Select(l => l.Split('\t')).ToList();
        int errors = 0,
            words = 0;
        foreach (var row in rows)
        {
            var rate = ErrorRate.Words(row[1], recognizer.Transcribe(WavFile.Read(Path.Combine(speech, row[0]))).Text);
            errors += rate.Substitutions + rate.Deletions + rate.Insertions;
            words += rate.ReferenceLength;
        }
        // The model card reports 3.4 % on LibriSpeech test-clean; synthetic flite voices are harder. 25 % over the six
        // clips is a loose bound that still fails for a broken model (random weights give about 100 %).
        Assert.True(errors <= 0.25 * words, $"WER {(double)errors / words:P1} over {rows.Count} clips");
    }
}
