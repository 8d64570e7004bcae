using TorchSharp;
using Workbook.Wav2Vec2;
using static TorchSharp.torch;

namespace Workbook.Tests.Wav2Vec2;

public sealed class CtcDecoderTests : IDisposable
{
    static CtcDecoderTests() => InitializeDeviceType(DeviceType.CPU);

    private static readonly CtcVocabulary Vocabulary = CtcVocabulary.English960h;
    private static readonly CtcDecoder Decoder = new(Vocabulary);
    private readonly string _folder = Directory.CreateTempSubdirectory("wb-ctc-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static int Id(char c) =>
        c switch
        {
            '_' => 0,
            '|' => 4,
            _ => Enumerable.Range(0, Vocabulary.Count).First(i => Vocabulary[i] == c.ToString()),
        };

    /// <summary>Logits with a clear winner per frame, spelled as one character per frame ('_' is the blank).</summary>
    private static Tensor Peaked(string frames)
    {
        var logits = full(frames.Length, Vocabulary.Count, -10f);
        for (var t = 0; t < frames.Length; t++)
            logits[t, Id(frames[t])] = 10f;
        return logits;
    }

    [Fact]
    public void Greedy_collapses_repeats_drops_blanks_and_times_each_word()
    {
        var transcript = Decoder.Greedy(Peaked("__HH_EE_L_LL_OO__||_WW_O_RR_LD__"));
        Assert.Equal("HELLO WORLD", transcript.Text);
        Assert.Equal(2, transcript.Words.Count);
        Assert.Equal(
            new TimedWord("HELLO", 2 * 0.02, 15 * 0.02),
            transcript.Words[0] with
            {
                StartSeconds = Math.Round(transcript.Words[0].StartSeconds, 10),
                EndSeconds = Math.Round(transcript.Words[0].EndSeconds, 10),
            }
        );
        Assert.Equal(20 * 0.02, transcript.Words[1].StartSeconds, 10);
        Assert.Equal(30 * 0.02, transcript.Words[1].EndSeconds, 10);
        Assert.Contains("<td>WORLD</td>", transcript.ToHtml());
        Assert.Equal(32, transcript.FrameIds.Count);
    }

    [Fact]
    public void Beam_search_agrees_with_greedy_on_clear_frames_and_beats_it_when_paths_add_up()
    {
        Assert.Equal("HELLO WORLD", Decoder.BeamSearch(Peaked("__HH_EE_L_LL_OO__||_WW_O_RR_LD__")));
        // Two frames. Per frame: blank 0.4, A 0.35, B 0.25. Greedy reads "_ _" → "" (0.16). But "A" is spelled by
        // A A, A _, _ A: 0.35² + 2 · 0.35 · 0.4 = 0.4025 > 0.16, so the most probable text is "A".
        var probabilities = full(2, Vocabulary.Count, 1e-9f);
        foreach (var t in new[] { 0, 1 })
        {
            probabilities[t, 0] = 0.4f;
            probabilities[t, Id('A')] = 0.35f;
            probabilities[t, Id('B')] = 0.25f;
        }
        var logits = probabilities.log();
        Assert.Equal("", Decoder.Greedy(logits).Text);
        Assert.Equal("A", Decoder.BeamSearch(logits, beamWidth: 8));
    }

    [Fact]
    public void Vocabularies_load_from_vocab_json_and_bad_ones_are_named()
    {
        var path = Path.Combine(_folder, "vocab.json");
        File.WriteAllText(
            path,
            System.Text.Json.JsonSerializer.Serialize(Enumerable.Range(0, Vocabulary.Count).ToDictionary(i => Vocabulary[i], i => i))
        );
        var loaded = CtcVocabulary.FromFile(_folder);
        Assert.Equal((32, 0, 4), (loaded.Count, loaded.BlankId, loaded.WordDelimiterId));
        Assert.Equal("E", loaded[5]);
        File.WriteAllText(path, "{\"<pad>\": 0, \"A\": 0}");
        Assert.Contains("repeated", Assert.Throws<InvalidDataException>(() => CtcVocabulary.FromFile(path)).Message);
        File.WriteAllText(path, "{\"A\": 0, \"B\": 1}");
        Assert.Contains("no blank symbol '<pad>'", Assert.Throws<InvalidDataException>(() => CtcVocabulary.FromFile(path)).Message);
        Assert.Contains("logits [frames, 32]", Assert.Throws<ArgumentException>(() => Decoder.Greedy(zeros(5, 30))).Message);
    }
}
