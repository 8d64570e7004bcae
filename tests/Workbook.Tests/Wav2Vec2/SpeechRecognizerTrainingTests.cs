using System.Text.Json.Nodes;
using TorchSharp;
using Workbook.Audio;
using Workbook.Wav2Vec2;
using static TorchSharp.torch;

namespace Workbook.Tests.Wav2Vec2;

/// <summary>The training recipe's code path on a tiny budget, and the pieces it rests on (targets, corpus lists,
/// preprocessor config).</summary>
[Collection(SerialCollection.Name)] // seeds TorchSharp's global generator
public class SpeechRecognizerTrainingTests
{
    static SpeechRecognizerTrainingTests() => InitializeDeviceType(DeviceType.CPU);

    private static string HeldoutFolder => Path.Combine(Repository.Root, "data", "speech", "heldout");

    [Fact]
    public void Transcripts_become_ctc_targets_with_the_delimiter_for_spaces()
    {
        var vocabulary = CtcVocabulary.English960h;
        Assert.Equal([6, 11, 5, 4, 7, 10], vocabulary.Encode("THE AI")); // T H E | A I (wav2vec2-base-960h's ids)
        Assert.Equal([27, 30, 31], vocabulary.Encode("'QZ"));
        var error = Assert.Throws<ArgumentException>(() => vocabulary.Encode("THE 3 DAYS"));
        Assert.Contains("'3' at position 4", error.Message);
        Assert.Throws<ArgumentException>(() => vocabulary.Encode("lower"));
    }

    [Fact]
    public void The_committed_heldout_list_reads_and_every_clip_is_listed_with_its_checksum()
    {
        var corpus = SpeechCorpus.Read(Path.Combine(HeldoutFolder, "transcripts.tsv"), CtcVocabulary.English960h);
        Assert.Contains(corpus.Utterances, u => u.Split == "heldout-voice");
        Assert.Contains(corpus.Utterances, u => u.Split == "heldout-sentences");
        var sums = File.ReadAllLines(Path.Combine(HeldoutFolder, "SHA256SUMS"))
            .Select(l => l.Split("  ./"))
            .ToDictionary(p => p[1], p => p[0]);
        foreach (var u in corpus.Utterances)
        {
            var name = Path.GetFileName(u.Path);
            Assert.Equal(sums[name], Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(u.Path))));
            Assert.Equal(16000, WavFile.Read(u.Path).SampleRate);
        }
        var bytes = Directory.GetFiles(HeldoutFolder).Sum(f => new FileInfo(f).Length);
        Assert.True(bytes <= 1 << 20, $"the committed held-out set is {bytes} bytes, over 1 MiB");
    }

    [Fact]
    public void A_bad_corpus_list_is_refused_with_the_line_named()
    {
        using var folder = new TempFolder();
        var list = Path.Combine(folder.Path, "list.tsv");
        File.WriteAllText(list, "file\ttext\n");
        Assert.Contains(
            "must start with the header",
            Assert.Throws<InvalidDataException>(() => SpeechCorpus.Read(list, CtcVocabulary.English960h)).Message
        );
        File.WriteAllText(list, "file\tvoice\tsplit\tsource\ttext\nmissing.wav\tslt\ttrain\tx\tHELLO\n");
        Assert.Contains(
            "line 2 names 'missing.wav'",
            Assert.Throws<FileNotFoundException>(() => SpeechCorpus.Read(list, CtcVocabulary.English960h)).Message
        );
        var clip = Directory.GetFiles(HeldoutFolder, "*.wav")[0];
        File.WriteAllText(list, $"file\tvoice\tsplit\tsource\ttext\n{clip}\tslt\ttrain\tx\tHELLO, WORLD\n");
        Assert.Contains(
            "line 2: Character ','",
            Assert.Throws<InvalidDataException>(() => SpeechCorpus.Read(list, CtcVocabulary.English960h)).Message
        );
    }

    [Fact]
    public void The_preprocessor_config_round_trips_and_bad_fields_are_named()
    {
        using var folder = new TempFolder();
        var extractor = new Wav2Vec2FeatureExtractor { SamplingRate = 8000, DoNormalize = false };
        extractor.Save(folder.Path);
        Assert.Equal(extractor, Wav2Vec2FeatureExtractor.FromFile(folder.Path));
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(folder.Path, "preprocessor_config.json")))!;
        Assert.Equal("Wav2Vec2FeatureExtractor", (string?)json["feature_extractor_type"]);
        Assert.False((bool)json["return_attention_mask"]!);
        File.WriteAllText(Path.Combine(folder.Path, "preprocessor_config.json"), """{"sampling_rate": "fast"}""");
        Assert.Contains(
            "'sampling_rate'",
            Assert.Throws<InvalidDataException>(() => Wav2Vec2FeatureExtractor.FromFile(folder.Path)).Message
        );
        File.WriteAllText(
            Path.Combine(folder.Path, "preprocessor_config.json"),
            """{"feature_extractor_type": "WhisperFeatureExtractor"}"""
        );
        Assert.Contains(
            "'feature_extractor_type'",
            Assert.Throws<InvalidDataException>(() => Wav2Vec2FeatureExtractor.FromFile(folder.Path)).Message
        );
    }

    [Fact]
    public void The_training_recipe_writes_a_complete_folder_that_loads_and_honours_its_preprocessor_config()
    {
        // The code path of tools/train-small-speech.sh on a tiny model and budget: the committed clips as both the
        // training and the held-out set (what it learns in 3 steps does not matter; that every file is right does).
        using var folder = new TempFolder();
        var corpus = Path.Combine(folder.Path, "corpus");
        Directory.CreateDirectory(corpus);
        var lines = File.ReadAllLines(Path.Combine(HeldoutFolder, "transcripts.tsv"));
        var absolute = lines.Skip(1).Select(l => Path.Combine(HeldoutFolder, l.Split('\t')[0]) + l[l.IndexOf('\t')..]).ToArray();
        File.WriteAllLines(Path.Combine(corpus, "train.tsv"), [lines[0], .. absolute]);
        File.WriteAllLines(Path.Combine(corpus, "heldout.tsv"), [lines[0], .. absolute]);
        var options = new CtcTrainingOptions
        {
            Config = CtcTrainingOptions.SmallConfig with
            {
                ConvChannels = [8, 8, 8, 8, 8, 8, 8],
                HiddenSize = 16,
                LayerCount = 1,
                HeadCount = 2,
                IntermediateSize = 32,
                PositionalKernel = 4,
                PositionalGroups = 2,
            },
            Steps = 3,
            BatchSeconds = 6,
            WarmupSteps = 1,
        };
        var output = Path.Combine(folder.Path, "model");
        var log = new List<string>();
        var provenance = SpeechRecognizerTraining.Run(
            corpus,
            output,
            options,
            Path.Combine(HeldoutFolder, "transcripts.tsv"),
            "test",
            log.Add
        );

        Assert.Equal(3, (int)provenance["training"]!["steps"]!);
        Assert.Contains(log, l => l.StartsWith("step 1: loss", StringComparison.Ordinal));
        foreach (
            var file in (string[])
                [
                    "config.json",
                    "model.safetensors",
                    "vocab.json",
                    "preprocessor_config.json",
                    "tokenizer_config.json",
                    "special_tokens_map.json",
                    SpeechRecognizerTraining.ProvenanceFile,
                ]
        )
            Assert.True(File.Exists(Path.Combine(output, file)), $"{file} is missing");
        Assert.False(Directory.Exists(output + $".tmp-{System.Environment.ProcessId}"), "the temporary folder was left behind");
        ShippedSpeechModelTests.AssertConsistentFolder(output);

        // preprocessor_config.json decides the rate the recogniser resamples to and whether it normalises.
        var recognizer = SpeechRecognizer.FromFolder(output);
        Assert.Equal(new Wav2Vec2FeatureExtractor(), recognizer.FeatureExtractor);
        new Wav2Vec2FeatureExtractor { SamplingRate = 8000, DoNormalize = false }.Save(output);
        var eightKilohertz = SpeechRecognizer.FromFolder(output);
        Assert.Equal(8000, eightKilohertz.FeatureExtractor.SamplingRate);
        Assert.False(eightKilohertz.FeatureExtractor.DoNormalize);
        Assert.Equal(320 / 8000.0, eightKilohertz.Decoder.SecondsPerFrame, 12);
        Assert.Equal(8000, eightKilohertz.Prepare(WavFile.Read(absolute[0].Split('\t')[0])).SampleRate);
    }
}
