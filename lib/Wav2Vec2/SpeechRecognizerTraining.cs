using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workbook.Audio;
using Workbook.IO;
using static TorchSharp.torch;

namespace Workbook.Wav2Vec2;

/// <summary>
/// The whole recipe behind the shipped small recogniser (chapter 13's offline model): train a wav2vec2 CTC model from
/// scratch on a synthesised corpus (<see cref="CtcTraining"/>), write a complete Hugging Face folder into a temporary
/// folder — <c>config.json</c>, <c>model.safetensors</c> (float16), <c>vocab.json</c>, <c>preprocessor_config.json</c>,
/// <c>tokenizer_config.json</c>, <c>special_tokens_map.json</c> — load it back as a user would, score it on the held-out
/// utterances, add <c>provenance.json</c>, and only then move the folder into place. <c>tools/train-small-speech.sh</c>
/// runs it.
/// </summary>
public static class SpeechRecognizerTraining
{
    /// <summary>The provenance file in the model folder.</summary>
    public const string ProvenanceFile = "provenance.json";

    /// <summary>Runs the recipe. <paramref name="corpusFolder"/> holds train.tsv and heldout.tsv;
    /// <paramref name="committedList"/> (optional) is the small committed held-out set, scored separately so a test can
    /// reproduce the figure. Returns the provenance written.</summary>
    /// <exception cref="ArgumentException">A folder or list is missing, or the options are out of range.</exception>
    public static JsonObject Run(
        string corpusFolder,
        string outputFolder,
        CtcTrainingOptions options,
        string? committedList,
        string command,
        Action<string>? log = null
    )
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(corpusFolder);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputFolder);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var vocabulary = CtcVocabulary.English960h;
        var train = SpeechCorpus.Read(Path.Combine(corpusFolder, "train.tsv"), vocabulary).Utterances;
        var heldout = SpeechCorpus.Read(Path.Combine(corpusFolder, "heldout.tsv"), vocabulary);
        var committed = committedList is null ? null : SpeechCorpus.Read(committedList, vocabulary);

        var output = Path.GetFullPath(outputFolder);
        var temporary = output + $".tmp-{System.Environment.ProcessId}";
        if (Directory.Exists(temporary))
            Directory.Delete(temporary, recursive: true);
        Directory.CreateDirectory(temporary);
        try
        {
            CtcTrainingRun run;
            manual_seed(options.Seed); // before the model draws its weights, so a run is repeatable
            using (var model = new Wav2Vec2ForCtc(options.Config))
            {
                run = CtcTraining.Train(model, vocabulary, train, options, log);
                model.SavePretrained(temporary, vocabulary, ScalarType.Float16);
            }
            var featureExtractor = new Wav2Vec2FeatureExtractor();
            featureExtractor.Save(temporary);
            WriteTokenizerFiles(temporary);

            // Scored from the saved float16 folder, loaded as a user loads it, so the figures are the shipped model's.
            var recognizer = SpeechRecognizer.FromFolder(temporary);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var scores = new JsonObject();
            foreach (var split in new[] { "heldout-sentences", "heldout-voice" })
            {
                var utterances = heldout.Split(split);
                if (utterances.Count == 0)
                    continue;
                var score = CtcTraining.Evaluate(recognizer, utterances);
                log?.Invoke($"{split}: {score}");
                scores[split] = Describe(score, utterances, withTranscripts: false);
            }
            if (committed is not null)
            {
                var score = CtcTraining.Evaluate(recognizer, committed.Utterances);
                log?.Invoke($"committed clips: {score}");
                scores["committed-clips"] = Describe(score, committed.Utterances, withTranscripts: true);
            }
            recognizer.Model.Dispose();

            var provenance = new JsonObject
            {
                ["model"] = Path.GetFileName(output),
                ["description"] =
                    "A small wav2vec2 CTC model trained from scratch on English speech synthesised by flite; not a pretrained wav2vec2.",
                ["created_utc"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                ["command"] = command,
                ["corpus"] = new JsonObject
                {
                    ["synthesiser"] =
                        "flite 2.2 (Debian 12), voices at 16 kHz; training clips slowed or sped up at random (duration_stretch 0.85-1.2)",
                    ["texts"] =
                        "King James Bible (training books) and The Devil's Dictionary (7 of 8 entries) from data/text, "
                        + "plus generated sentences with numbers and names",
                    ["train"] = Summary(train),
                    ["heldout-sentences"] = Summary(heldout.Split("heldout-sentences")),
                    ["heldout-voice"] = Summary(heldout.Split("heldout-voice")),
                },
                ["training"] = new JsonObject
                {
                    ["steps"] = run.Steps,
                    ["wall_minutes"] = Math.Round(run.Seconds / 60, 1),
                    ["audio_hours_seen"] = Math.Round(run.AudioHoursSeen, 2),
                    ["epochs"] = Math.Round(run.Epochs, 2),
                    ["final_loss"] = Math.Round(run.Losses.Skip(Math.Max(0, run.Losses.Count - 100)).Average(), 4),
                    ["torch_threads"] = get_num_threads(),
                    ["options"] = new JsonObject
                    {
                        ["max_steps"] = options.Steps,
                        ["max_minutes"] = options.MaxMinutes,
                        ["batch_seconds"] = options.BatchSeconds,
                        ["learning_rate"] = options.LearningRate,
                        ["warmup_steps"] = options.WarmupSteps,
                        ["weight_decay"] = options.WeightDecay,
                        ["gradient_clip_norm"] = options.GradientClipNorm,
                        ["noise_probability"] = options.NoiseProbability,
                        ["seed"] = options.Seed,
                    },
                    ["parameters"] = ParameterCount(temporary),
                },
                ["machine"] = new JsonObject
                {
                    ["cpu"] = CpuName(),
                    ["logical_processors"] = System.Environment.ProcessorCount,
                    ["os"] = RuntimeInformation.OSDescription,
                    ["dotnet"] = RuntimeInformation.FrameworkDescription,
                },
                ["evaluation"] = scores,
                ["evaluation_seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
            };
            AtomicFile.WriteAllText(
                Path.Combine(temporary, ProvenanceFile),
                provenance.ToJsonString(new JsonSerializerOptions { WriteIndented = true })
            );
            if (Directory.Exists(output))
                Directory.Delete(output, recursive: true);
            Directory.CreateDirectory(Path.GetDirectoryName(output)!);
            Directory.Move(temporary, output);
            return provenance;
        }
        finally
        {
            if (Directory.Exists(temporary))
                Directory.Delete(temporary, recursive: true);
        }
    }

    /// <summary>The tokenizer files transformers' <c>Wav2Vec2Processor</c> reads besides vocab.json (wav2vec2-base-960h's
    /// values).</summary>
    private static void WriteTokenizerFiles(string folder)
    {
        var indented = new JsonSerializerOptions { WriteIndented = true };
        AtomicFile.WriteAllText(
            Path.Combine(folder, "tokenizer_config.json"),
            new JsonObject
            {
                ["tokenizer_class"] = "Wav2Vec2CTCTokenizer",
                ["processor_class"] = "Wav2Vec2Processor",
                ["bos_token"] = "<s>",
                ["eos_token"] = "</s>",
                ["unk_token"] = "<unk>",
                ["pad_token"] = "<pad>",
                ["word_delimiter_token"] = "|",
                ["do_lower_case"] = false,
            }.ToJsonString(indented)
        );
        AtomicFile.WriteAllText(
            Path.Combine(folder, "special_tokens_map.json"),
            new JsonObject
            {
                ["bos_token"] = "<s>",
                ["eos_token"] = "</s>",
                ["unk_token"] = "<unk>",
                ["pad_token"] = "<pad>",
            }.ToJsonString(indented)
        );
    }

    private static JsonObject Summary(IReadOnlyList<SpeechUtterance> utterances)
    {
        var seconds = utterances.Sum(u => WavFile.Read(u.Path).DurationSeconds);
        return new JsonObject
        {
            ["utterances"] = utterances.Count,
            ["sentences"] = utterances.Select(u => u.Text).Distinct().Count(),
            ["voices"] = new JsonArray([
                .. utterances.Select(u => u.Voice).Distinct().Order(StringComparer.Ordinal).Select(v => (JsonNode)v),
            ]),
            ["hours"] = Math.Round(seconds / 3600, 3),
        };
    }

    private static JsonObject Describe(TranscriptionScore score, IReadOnlyList<SpeechUtterance> utterances, bool withTranscripts)
    {
        var result = new JsonObject
        {
            ["utterances"] = score.Utterances,
            ["voices"] = new JsonArray([
                .. utterances.Select(u => u.Voice).Distinct().Order(StringComparer.Ordinal).Select(v => (JsonNode)v),
            ]),
            ["words"] = score.Words.ReferenceLength,
            ["wer"] = Math.Round(score.Words.Rate, 4),
            ["cer"] = Math.Round(score.Characters.Rate, 4),
        };
        if (withTranscripts)
            result["transcripts"] = new JsonArray([
                .. score.Transcripts.Select(t =>
                    (JsonNode)
                        new JsonObject
                        {
                            ["file"] = Path.GetFileName(t.Utterance.Path),
                            ["reference"] = t.Utterance.Text,
                            ["transcript"] = t.Transcript,
                        }
                ),
            ]);
        return result;
    }

    private static long ParameterCount(string folder)
    {
        using var model = Wav2Vec2ForCtc.FromPretrained(folder);
        return model.parameters().Sum(p => p.numel());
    }

    private static string CpuName()
    {
        try
        {
            var line = File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
                : null;
            return line?.Split(':', 2)[1].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }
}
