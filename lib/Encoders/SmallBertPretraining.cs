using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.ML.Tokenizers;
using TorchSharp;
using Workbook.Data;
using Workbook.IO;
using Workbook.LanguageModels;
using Workbook.Text;
using Workbook.Training;
using static TorchSharp.torch;

namespace Workbook.Encoders;

/// <summary>
/// The recipe behind the shipped <c>data/models/kjv-bert</c> (introduced in chapter 12; <c>tools/train-small-bert.sh</c>
/// runs it): learn a WordPiece vocabulary on the King James Bible's training books, pack consecutive verses of one
/// chapter into sequences of up to the context length, pretrain a small <see cref="BertForMaskedLM"/> from scratch with
/// masked-language modelling (<see cref="MaskedLanguageModeling"/>; AdamW, warm-up then cosine, gradient clipping at
/// 1), and write a complete Hugging Face folder — <c>config.json</c>, fp16 <c>model.safetensors</c>, <c>vocab.txt</c>,
/// <c>tokenizer_config.json</c>, <c>special_tokens_map.json</c> and <c>provenance.json</c> (the curves, and the
/// masked-token loss and accuracy of the saved fp16 weights on the held-out books). The folder is built under a
/// temporary name beside the target and renamed into place at the end.
/// </summary>
public static class SmallBertPretraining
{
    private static readonly Scalar IgnoreLabel = MaskedLanguageModeling.IgnoreIndex.ToScalar();

    /// <summary>The shipped model's folder under <c>data/</c>.</summary>
    public const string ShippedModel = "models/kjv-bert";

    /// <summary>The full path of the shipped model's folder (found by <see cref="DataDirectory"/>).</summary>
    /// <exception cref="FileNotFoundException">The repository's data folder has no such model.</exception>
    public static string ShippedFolder() => Path.GetDirectoryName(DataDirectory.Find(ShippedModel + "/config.json"))!;

    /// <summary>The files a finished folder holds.</summary>
    public static IReadOnlyList<string> Files { get; } =
    ["config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "provenance.json"];

    /// <summary>Runs the recipe and writes <paramref name="outputFolder"/>; returns the provenance written.</summary>
    public static SmallBertProvenance Run(SmallBertSettings settings, string outputFolder, string command, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputFolder);
        settings.Validate();
        log ??= _ => { };
        var clock = Stopwatch.StartNew();
        var bible = KingJamesBible.Load(settings.DataFolder);
        var (trainingVerses, validationVerses) = bible.SplitByBook();
        var vocabulary = WordPieceTrainer.Train(trainingVerses.Select(v => v.Text), settings.VocabularySize);
        var tokenizer = vocabulary.CreateTokenizer();
        var training = Pack(trainingVerses, tokenizer, settings.ContextLength);
        var validation = Pack(validationVerses, tokenizer, settings.ContextLength);
        log(
            $"WordPiece: {vocabulary.Count:N0} tokens; "
                + $"{training.Count:N0} training sequences ({training.Sum(s => (long)s.Length):N0} tokens), "
                + $"{validation.Count:N0} validation ({clock.Elapsed.TotalSeconds:F0} s)"
        );

        var config = new BertConfig
        {
            VocabSize = vocabulary.Count,
            HiddenSize = settings.Width,
            LayerCount = settings.Layers,
            HeadCount = settings.Heads,
            IntermediateSize = 4 * settings.Width,
            MaxPositionEmbeddings = settings.ContextLength,
            PadTokenId = vocabulary.PadId,
        };
        manual_seed(settings.Seed);
        using var model = new BertForMaskedLM(config);
        var masking = new MaskedLanguageModeling(vocabulary.Count, vocabulary.MaskId, vocabulary.SpecialIds);
        // The validation batches are masked once, with their own seed, so every evaluation scores the same positions.
        var validationRandom = new Random(settings.Seed + 1);
        var validationBatches = validation
            .Take(settings.ValidationSequences)
            .Chunk(settings.BatchSize)
            .Select(chunk =>
            {
                var (ids, mask) = BertInputs.Pad(chunk, vocabulary.PadId);
                var (inputs, labels) = masking.Mask(ids, validationRandom);
                ids.Dispose();
                return (inputs, mask, labels);
            })
            .ToList();

        using var optimizer = Optimizers.AdamW(model.parameters(), lr: settings.PeakLearningRate, weight_decay: 0.01);
        var schedule = new WarmupCosineSchedule(
            settings.PeakLearningRate,
            settings.WarmupSteps,
            settings.Steps,
            settings.PeakLearningRate / 10
        ).Validate();
        var random = new Random(settings.Seed);
        var curve = new List<SmallBertEvaluation>();
        var trainingClock = new Stopwatch();
        double? warmupEnd = settings.WarmupSteps == 0 ? 0 : null;
        double lossSum = 0,
            rate = 0;
        long correct = 0,
            counted = 0;
        var last = false;
        var step = 0;
        while (!last)
        {
            step++;
            trainingClock.Start();
            model.train();
            rate =
                settings.TimeBudgetMinutes is not { } minutes || step <= settings.WarmupSteps
                    ? schedule.LearningRate(Math.Min(step, settings.Steps))
                    : schedule.Decay(
                        (trainingClock.Elapsed.TotalSeconds - (warmupEnd ??= trainingClock.Elapsed.TotalSeconds))
                            / (minutes * 60 - warmupEnd.Value)
                    );
            foreach (var group in optimizer.ParamGroups)
                group.LearningRate = rate;
            using (var scope = NewDisposeScope())
            {
                var batch = Enumerable.Range(0, settings.BatchSize).Select(_ => training[random.Next(training.Count)]).ToList();
                var (ids, mask) = BertInputs.Pad(batch, vocabulary.PadId);
                var (inputs, labels) = masking.Mask(ids, random);
                var (loss, right, count) = MaskedLoss(model, inputs, mask, labels);
                var value = loss.ToSingle();
                if (!float.IsFinite(value))
                    throw new TrainingDivergedException(
                        1,
                        step,
                        value,
                        $"The masked-LM loss became {value} at step {step} (learning rate {rate:G3}): lower the peak rate."
                    );
                optimizer.zero_grad();
                loss.backward();
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                optimizer.step();
                lossSum += value * count;
                (correct, counted) = (correct + right, counted + count);
            }
            trainingClock.Stop();
            last =
                step == settings.Steps || (settings.TimeBudgetMinutes is { } budget && trainingClock.Elapsed.TotalSeconds >= budget * 60);
            if (step != 1 && step % settings.EvaluateEvery != 0 && !last)
                continue;
            var (validationLoss, validationAccuracy) = Evaluate(model, validationBatches);
            var evaluation = new SmallBertEvaluation(
                step,
                Math.Round(trainingClock.Elapsed.TotalSeconds, 1),
                rate,
                Math.Round(lossSum / Math.Max(counted, 1), 4),
                Math.Round((double)correct / Math.Max(counted, 1), 4),
                Math.Round(validationLoss, 4),
                Math.Round(validationAccuracy, 4)
            );
            curve.Add(evaluation);
            log(
                $"step {step, 6}  lr {rate:E2}  train {evaluation.TrainingLoss:F3} ({evaluation.TrainingAccuracy:P1}) "
                    + $" val {validationLoss:F3} ({validationAccuracy:P1})  {trainingClock.Elapsed.TotalSeconds:F0} s"
            );
            (lossSum, correct, counted) = (0, 0, 0);
        }
        model.eval();

        var full = Path.GetFullPath(outputFolder);
        var parent = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(parent);
        var temporary = Path.Combine(parent, $".{Path.GetFileName(full)}.tmp-{Environment.ProcessId}");
        if (Directory.Exists(temporary))
            Directory.Delete(temporary, recursive: true);
        model.SavePretrained(temporary, ScalarType.Float16);
        vocabulary.Save(temporary, settings.ContextLength);
        double savedLoss,
            savedAccuracy;
        using (var saved = BertForMaskedLM.FromPretrained(temporary))
            (savedLoss, savedAccuracy) = Evaluate(saved, validationBatches);

        var dataFolder = settings.DataFolder ?? Path.GetDirectoryName(DataDirectory.Find(Path.Combine("text", "kjv.tsv.gz")))!;
        var provenance = new SmallBertProvenance
        {
            Corpus = "King James Bible (public domain), data/text/kjv.tsv.gz; consecutive verses of one chapter packed into sequences",
            CorpusFileSha256 = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(dataFolder, "kjv.tsv.gz")))),
            ValidationBooks = [.. KingJamesBible.DefaultValidationBooks],
            TrainingSequences = training.Count,
            TrainingTokens = training.Sum(s => (long)s.Length),
            Settings = settings,
            Parameters = model.parameters().Sum(p => p.numel()),
            Steps = step,
            TrainingSeconds = Math.Round(trainingClock.Elapsed.TotalSeconds, 1),
            Curve = curve,
            FinalValidationLoss = Math.Round(savedLoss, 4),
            FinalValidationAccuracy = Math.Round(savedAccuracy, 4),
            Machine =
                $"{RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}, {Environment.ProcessorCount} cores, "
                + $"{get_num_threads()} torch thread(s), .NET {Environment.Version}, CPU",
            Command = command,
            Finished = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
        };
        AtomicFile.WriteAllText(Path.Combine(temporary, "provenance.json"), provenance.ToJson());
        foreach (var (inputs, mask, labels) in validationBatches)
        {
            inputs.Dispose();
            mask.Dispose();
            labels.Dispose();
        }

        if (Directory.Exists(full))
        {
            var old = $"{temporary}-old";
            Directory.Move(full, old);
            Directory.Move(temporary, full);
            Directory.Delete(old, recursive: true);
        }
        else
            Directory.Move(temporary, full);
        log(
            $"wrote {full}: validation masked-token accuracy {savedAccuracy:P1}, loss {savedLoss:F3} (fp16), "
                + $"{clock.Elapsed.TotalMinutes:F1} min in all"
        );
        return provenance;
    }

    /// <summary>
    /// Packs verses into sequences [CLS] pieces… [SEP] of at most <paramref name="contextLength"/> ids: consecutive
    /// verses of the same chapter share a sequence while they fit; a verse longer than a sequence is cut.
    /// </summary>
    public static List<int[]> Pack(IReadOnlyList<BibleVerse> verses, BertTokenizer tokenizer, int contextLength)
    {
        ArgumentNullException.ThrowIfNull(verses);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var room = contextLength - 2;
        var sequences = new List<int[]>();
        var current = new List<int>();
        (string, int)? chapter = null;
        void Flush()
        {
            if (current.Count > 0)
                sequences.Add([tokenizer.ClassificationTokenId, .. current, tokenizer.SeparatorTokenId]);
            current.Clear();
        }
        foreach (var verse in verses)
        {
            var pieces = tokenizer.EncodeToIds(verse.Text, addSpecialTokens: false);
            if (chapter != (verse.Book, verse.Chapter) || current.Count + pieces.Count > room)
                Flush();
            chapter = (verse.Book, verse.Chapter);
            current.AddRange(pieces.Take(room));
        }
        Flush();
        return sequences;
    }

    /// <summary>
    /// The masked-LM loss of a batch, scored at the chosen positions only (labels ≠ −100; the head runs on those rows
    /// alone), with how many of them the top prediction gets right and how many there are.
    /// </summary>
    public static (Tensor Loss, long Correct, long Count) MaskedLoss(
        BertForMaskedLM model,
        Tensor inputs,
        Tensor attentionMask,
        Tensor labels
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(labels);
        using var scope = NewDisposeScope();
        using var encoding = model.Bert.Encode(inputs, attentionMask);
        var flatLabels = labels.reshape(-1);
        var chosen = flatLabels.ne(IgnoreLabel).nonzero().squeeze(1);
        var hidden = encoding.LastHiddenState.reshape(-1, encoding.LastHiddenState.shape[^1]).index_select(0, chosen);
        var targets = flatLabels.index_select(0, chosen);
        var logits = model.LogitsFor(hidden);
        var loss = nn.functional.cross_entropy(logits, targets);
        var correct = logits.argmax(-1).eq(targets).sum().item<long>();
        return (loss.MoveToOuterDisposeScope(), correct, targets.shape[0]);
    }

    /// <summary>Masked-token loss (nats) and accuracy over pre-masked batches, in eval mode without gradients.</summary>
    public static (double Loss, double Accuracy) Evaluate(
        BertForMaskedLM model,
        IEnumerable<(Tensor Inputs, Tensor Mask, Tensor Labels)> batches
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batches);
        model.eval();
        using var noGrad = no_grad();
        double lossSum = 0;
        long correct = 0,
            count = 0;
        foreach (var (inputs, mask, labels) in batches)
        {
            var (loss, right, n) = MaskedLoss(model, inputs, mask, labels);
            using (loss)
                lossSum += loss.ToSingle() * n;
            (correct, count) = (correct + right, count + n);
        }
        return (lossSum / Math.Max(count, 1), (double)correct / Math.Max(count, 1));
    }
}
