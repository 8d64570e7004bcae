using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workbook.Data;
using Workbook.Gpt2;
using Workbook.IO;
using Workbook.Text;
using static TorchSharp.torch;

namespace Workbook.LanguageModels;

/// <summary>
/// The recipe behind the shipped <c>data/models/kjv-gpt</c> (introduced in chapter 09; <c>tools/train-small-gpt.sh</c>
/// runs it): train a byte-level BPE on the King James Bible's training books, pretrain a small
/// <see cref="Gpt2LMHeadModel"/> from scratch with <see cref="LanguageModelTrainer"/>, and write a complete Hugging
/// Face folder — <c>config.json</c>, fp16 <c>model.safetensors</c>, <c>vocab.json</c>, <c>merges.txt</c>,
/// <c>generation_config.json</c>, <c>tokenizer_config.json</c> and <c>provenance.json</c> (what was trained on, how
/// long, and the validation perplexity of the saved fp16 weights on the held-out books). The folder is built under a
/// temporary name beside the target and renamed into place at the end, so a run that fails leaves the old one intact.
/// </summary>
public static class SmallGptPretraining
{
    /// <summary>The files a finished folder holds.</summary>
    public static IReadOnlyList<string> Files { get; } =
    ["config.json", "model.safetensors", "vocab.json", "merges.txt", "generation_config.json", "tokenizer_config.json", "provenance.json"];

    /// <summary>Runs the recipe and writes <paramref name="outputFolder"/>; returns the provenance written.</summary>
    /// <param name="settings">Sizes and budget.</param>
    /// <param name="outputFolder">The model folder to create or replace.</param>
    /// <param name="command">The command line that ran this, recorded in the provenance.</param>
    /// <param name="log">Progress lines (null for none).</param>
    public static SmallGptProvenance Run(SmallGptSettings settings, string outputFolder, string command, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputFolder);
        settings.Validate();
        log ??= _ => { };
        var clock = Stopwatch.StartNew();
        var bible = KingJamesBible.Load(settings.DataFolder);
        var (trainingVerses, validationVerses) = bible.SplitByBook();
        var trainingText = KingJamesBible.Text(trainingVerses);
        var validationText = KingJamesBible.Text(validationVerses);

        var bpe = BpeTrainer.Train(trainingText, settings.VocabularySize);
        var full = Path.GetFullPath(outputFolder);
        var parent = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(parent);
        var temporary = Path.Combine(parent, $".{Path.GetFileName(full)}.tmp-{Environment.ProcessId}");
        if (Directory.Exists(temporary))
            Directory.Delete(temporary, recursive: true);
        bpe.Save(temporary);
        var tokenizer = Gpt2Tokenizer.FromFolder(temporary);
        var trainingIds = tokenizer.Encode(trainingText);
        var validationIds = tokenizer.Encode(validationText);
        log(
            $"BPE: {bpe.Count:N0} tokens; training {trainingIds.Length:N0} tokens, "
                + $"validation {validationIds.Length:N0} ({clock.Elapsed.TotalSeconds:F0} s)"
        );

        var config = new Gpt2Config
        {
            VocabSize = bpe.Count,
            ContextLength = settings.ContextLength,
            EmbeddingSize = settings.Width,
            LayerCount = settings.Layers,
            HeadCount = settings.Heads,
            BosTokenId = bpe.EndOfTextId,
            EosTokenId = bpe.EndOfTextId,
        };
        manual_seed(settings.Seed);
        using var model = new Gpt2LMHeadModel(config);
        var options = new LanguageModelTrainingOptions
        {
            Steps = settings.Steps,
            ContextLength = settings.ContextLength,
            BatchSize = settings.BatchSize,
            PeakLearningRate = settings.PeakLearningRate,
            MinimumLearningRate = settings.PeakLearningRate / 10,
            WarmupSteps = settings.WarmupSteps,
            TimeBudgetSeconds = settings.TimeBudgetMinutes * 60,
            EvaluateEvery = settings.EvaluateEvery,
            Seed = settings.Seed,
        };
        var trainer = new LanguageModelTrainer(model, options);
        var generator = new Gpt2TextGenerator(model, tokenizer);
        trainer.Sample = _ => generator.Generate("In the beginning", GenerationOptions.Greedy(16));
        trainer.OnEvaluation = e =>
            log(
                $"step {e.Step, 6}  train {e.TrainingLoss:F3}  val {e.ValidationLoss:F3} (ppl {e.ValidationPerplexity:F1})  "
                    + $"{e.TokensPerSecond:F0} tokens/s  {e.TrainingSeconds:F0} s  | {e.Sample?.ReplaceLineEndings(" ")}"
            );
        var trainingStart = clock.Elapsed;
        trainer.Train(trainingIds, validationIds);
        var trainingSeconds = (clock.Elapsed - trainingStart).TotalSeconds;

        model.SavePretrained(temporary, ScalarType.Float16);
        WriteJson(Path.Combine(temporary, "config.json"), HuggingFaceConfig(config));
        WriteJson(
            Path.Combine(temporary, "generation_config.json"),
            new JsonObject
            {
                ["bos_token_id"] = config.BosTokenId,
                ["eos_token_id"] = config.EosTokenId,
                ["max_length"] = config.ContextLength,
            }
        );
        WriteJson(
            Path.Combine(temporary, "tokenizer_config.json"),
            new JsonObject
            {
                ["tokenizer_class"] = "GPT2Tokenizer",
                ["add_prefix_space"] = false,
                ["model_max_length"] = config.ContextLength,
                ["bos_token"] = Gpt2Tokenizer.EndOfText,
                ["eos_token"] = Gpt2Tokenizer.EndOfText,
                ["unk_token"] = Gpt2Tokenizer.EndOfText,
            }
        );

        // The figure the provenance reports is measured on the weights as saved (fp16), over every validation window.
        double savedLoss;
        using (var saved = Gpt2LMHeadModel.FromPretrained(temporary))
            savedLoss = LanguageModelTrainer.ValidationLoss(saved, validationIds, config.ContextLength, settings.BatchSize);
        var last = trainer.Evaluations[^1];
        var provenance = new SmallGptProvenance
        {
            Corpus = "King James Bible (public domain), data/text/kjv.tsv.gz; one verse per line, no references",
            CorpusFileSha256 = Sha256(
                File.ReadAllBytes(
                    Path.Combine(
                        settings.DataFolder ?? Path.GetDirectoryName(DataDirectory.Find(Path.Combine("text", "kjv.tsv.gz")))!,
                        "kjv.tsv.gz"
                    )
                )
            ),
            TrainingTextSha256 = Sha256(Encoding.UTF8.GetBytes(trainingText)),
            ValidationBooks = [.. KingJamesBible.DefaultValidationBooks],
            TrainingTokens = trainingIds.Length,
            ValidationTokens = validationIds.Length,
            Settings = settings,
            Parameters = model.parameters().Sum(p => p.numel()),
            Steps = last.Step,
            TokensSeen = last.TokensSeen,
            TrainingSeconds = Math.Round(trainingSeconds, 1),
            TokensPerSecond = Math.Round(last.TokensPerSecond),
            FinalTrainingLoss = Math.Round(last.TrainingLoss, 4),
            ValidationLossFloat32 = Math.Round(
                LanguageModelTrainer.ValidationLoss(model, validationIds, config.ContextLength, settings.BatchSize),
                5
            ),
            ValidationLoss = Math.Round(savedLoss, 5),
            ValidationPerplexity = Math.Round(Math.Exp(savedLoss), 3),
            Machine =
                $"{RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}, {Environment.ProcessorCount} cores, "
                + $"{get_num_threads()} torch thread(s), .NET {Environment.Version}, CPU",
            Command = command,
            Finished = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
        };
        AtomicFile.WriteAllText(Path.Combine(temporary, "provenance.json"), provenance.ToJson());

        if (Directory.Exists(full))
        {
            var old = $"{temporary}-old";
            Directory.Move(full, old);
            Directory.Move(temporary, full);
            Directory.Delete(old, recursive: true);
        }
        else
            Directory.Move(temporary, full);
        log($"wrote {full}: validation perplexity {provenance.ValidationPerplexity:F2} (fp16), {clock.Elapsed.TotalMinutes:F1} min in all");
        return provenance;
    }

    /// <summary>
    /// The config.json of a GPT-2 the library trained: the fields of <see cref="Gpt2Config.ToJson"/>, plus <c>n_ctx</c>
    /// (read by older loaders) and dropout rates of 0, because the model was trained without dropout.
    /// </summary>
    public static JsonObject HuggingFaceConfig(Gpt2Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var root = JsonNode.Parse(config.ToJson())!.AsObject();
        root["n_ctx"] = config.ContextLength;
        root["attn_pdrop"] = 0.0;
        root["embd_pdrop"] = 0.0;
        root["resid_pdrop"] = 0.0;
        root["initializer_range"] = 0.02;
        root["tie_word_embeddings"] = true;
        return new JsonObject(
            root.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone()))
        );
    }

    private static void WriteJson(string path, JsonObject json) =>
        AtomicFile.WriteAllText(
            path,
            json.ToJsonString(
                new JsonSerializerOptions
                {
                    WriteIndented = true,
                    Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                }
            ) + "\n"
        );

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
