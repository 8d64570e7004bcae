using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using Workbook.Audio;
using Workbook.Metrics;
using Workbook.Native;
using static TorchSharp.torch;

namespace Workbook.Wav2Vec2;

/// <summary>What a <see cref="CtcTraining.Train"/> run did. Introduced with chapter 13.</summary>
/// <param name="Steps">Optimiser steps taken.</param>
/// <param name="Seconds">Wall time of the training loop.</param>
/// <param name="AudioHoursSeen">Hours of audio the model was trained on, counting repeats (not padding).</param>
/// <param name="Epochs">Passes over the training set (fractional).</param>
/// <param name="Losses">The mean CTC loss (per target symbol) of each step.</param>
public sealed record CtcTrainingRun(int Steps, double Seconds, double AudioHoursSeen, double Epochs, IReadOnlyList<double> Losses);

/// <summary>Word and character error rates of a recogniser on a set of utterances (errors summed over all of them, as
/// WER is usually reported), with the transcripts it produced. Introduced with chapter 13.</summary>
public sealed record TranscriptionScore(
    int Utterances,
    ErrorRate Words,
    ErrorRate Characters,
    IReadOnlyList<(SpeechUtterance Utterance, string Transcript)> Transcripts
)
{
    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Utterances} utterances: WER {Words.Rate:P1}, CER {Characters.Rate:P1}");
}

/// <summary>
/// Trains a wav2vec2 CTC model from scratch on a <see cref="SpeechCorpus"/> with the CTC loss: clips of similar length
/// batched together, each normalised as the feature extractor does, optional white noise, AdamW with warm-up and
/// cosine decay, gradient clipping. What <c>tools/train-small-speech.sh</c> runs to make the small recogniser of
/// chapter 13.
/// </summary>
public static class CtcTraining
{
    /// <summary>Trains <paramref name="model"/> in place; returns what it did. <paramref name="log"/> gets a progress line every
    /// <see cref="CtcTrainingOptions.LogEvery"/> steps.</summary>
    /// <exception cref="ArgumentException">No utterance is long enough for its transcript (CTC needs a frame per symbol, and one more
    /// between repeats).</exception>
    /// <exception cref="InvalidOperationException">The loss became NaN or infinite.</exception>
    public static CtcTrainingRun Train(
        Wav2Vec2ForCtc model,
        CtcVocabulary vocabulary,
        IReadOnlyList<SpeechUtterance> utterances,
        CtcTrainingOptions options,
        Action<string>? log = null
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(utterances);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (vocabulary.Count != model.Config.VocabSize)
            throw new ArgumentException(
                $"The vocabulary has {vocabulary.Count} symbols but the model predicts {model.Config.VocabSize}.",
                nameof(vocabulary)
            );
        const int rate = 16000;
        var clips = new List<(float[] Samples, int[] Targets)>();
        foreach (var u in utterances)
        {
            var samples = Wav2Vec2FeatureExtractor.Normalize(SpeechCorpus.Load(u, rate).Channels[0]);
            var targets = vocabulary.Encode(u.Text);
            var repeats = targets.Zip(targets.Skip(1)).Count(p => p.First == p.Second);
            if (model.Config.FrameCount(samples.Length) >= targets.Length + repeats)
                clips.Add((samples, targets));
        }
        if (clips.Count == 0)
            throw new ArgumentException("No utterance has enough audio frames for its transcript.", nameof(utterances));
        var totalSeconds = clips.Sum(c => (double)c.Samples.Length) / rate;
        log?.Invoke(
            string.Create(
                CultureInfo.InvariantCulture,
                $"{clips.Count} utterances ({utterances.Count - clips.Count} too short for their text), {totalSeconds / 3600:F2} h of audio"
            )
        );

        // Batches of neighbours in length, so padding stays small; the order of batches is shuffled each epoch.
        var order = Enumerable.Range(0, clips.Count).OrderBy(i => clips[i].Samples.Length).ToArray();
        var batches = new List<int[]>();
        var budget = (long)(options.BatchSeconds * rate);
        for (var start = 0; start < order.Length; )
        {
            var end = start + 1;
            while (end < order.Length && (long)(end - start + 1) * clips[order[end]].Samples.Length <= budget)
                end++;
            batches.Add(order[start..end]);
            start = end;
        }

        manual_seed(options.Seed);
        var random = new Random(options.Seed);
        model.train();
        using var optimizer = optim.AdamW(model.parameters(), options.LearningRate, weight_decay: options.WeightDecay);
        var losses = new List<double>();
        var clock = Stopwatch.StartNew();
        double audioSeen = 0;
        var epochs = 0;
        var queue = new Queue<int[]>();
        var step = 0;
        while (step < options.Steps && clock.Elapsed.TotalMinutes < options.MaxMinutes)
        {
            if (queue.Count == 0)
            {
                foreach (var b in batches.OrderBy(_ => random.Next()))
                    queue.Enqueue(b);
                epochs++;
            }
            var batch = queue.Dequeue();
            var progress = Math.Max((double)step / options.Steps, clock.Elapsed.TotalMinutes / options.MaxMinutes);
            var lr =
                step < options.WarmupSteps
                    ? options.LearningRate * (step + 1) / options.WarmupSteps
                    : options.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, progress)));
            foreach (var group in optimizer.ParamGroups)
                group.LearningRate = lr;

            using var scope = NewDisposeScope();
            var longest = batch.Max(i => clips[i].Samples.Length);
            var values = new float[batch.Length * longest];
            var mask = new long[batch.Length * longest];
            var inputLengths = new long[batch.Length];
            var targetLengths = new long[batch.Length];
            var targets = new List<long>();
            for (var b = 0; b < batch.Length; b++)
            {
                var (samples, ids) = clips[batch[b]];
                samples.CopyTo(values, b * longest);
                Array.Fill(mask, 1L, b * longest, samples.Length);
                inputLengths[b] = model.Config.FrameCount(samples.Length);
                targetLengths[b] = ids.Length;
                targets.AddRange(ids.Select(i => (long)i));
                audioSeen += (double)samples.Length / rate;
            }
            var input = tensor(values, [batch.Length, longest]);
            if (random.NextDouble() < options.NoiseProbability)
            {
                // The clips are normalised to unit variance, so a noise of standard deviation 10^(−SNR/20) has that SNR.
                using var level = Math.Pow(10, -(15 + 25 * random.NextDouble()) / 20).ToScalar();
                input = input.add(
                    randn_like(input).mul(level).mul(tensor(mask, [batch.Length, longest]).to(ScalarType.Float32)),
                    KeptScalars.One
                );
            }
            optimizer.zero_grad();
            var logits = model.forward(input, tensor(mask, [batch.Length, longest]));
            var logProbs = logits.log_softmax(-1).transpose(0, 1); // [frames, batch, vocab], as ctc_loss wants
            var lengths = tensor(inputLengths.Select(n => Math.Min(n, logits.shape[1])).ToArray());
            var loss = nn.functional.ctc_loss(
                logProbs,
                tensor(targets.ToArray()),
                lengths,
                tensor(targetLengths),
                blank: vocabulary.BlankId,
                zero_infinity: true
            );
            loss.backward();
            nn.utils.clip_grad_norm_(model.parameters(), options.GradientClipNorm);
            optimizer.step();
            var value = loss.item<float>();
            if (!float.IsFinite(value))
                throw new InvalidOperationException(
                    $"The CTC loss became {value} at step {step + 1} (learning rate {lr:G3}); lower CtcTrainingOptions.LearningRate."
                );
            losses.Add(value);
            step++;
            if (step % options.LogEvery == 0 || step == 1)
                log?.Invoke(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"step {step}: loss {losses.Skip(Math.Max(0, losses.Count - options.LogEvery)).Average():F3}, lr {lr:G3}, "
                            + $"{clock.Elapsed.TotalMinutes:F1} min, {audioSeen / 3600:F2} h of audio seen, epoch {epochs}"
                    )
                );
        }
        clock.Stop();
        model.eval();
        return new CtcTrainingRun(step, clock.Elapsed.TotalSeconds, audioSeen / 3600, audioSeen / totalSeconds, losses);
    }

    /// <summary>Greedy transcripts of <paramref name="utterances"/> and their WER and CER (errors summed over all of them).</summary>
    /// <exception cref="ArgumentException">No utterances.</exception>
    public static TranscriptionScore Evaluate(SpeechRecognizer recognizer, IReadOnlyList<SpeechUtterance> utterances)
    {
        ArgumentNullException.ThrowIfNull(recognizer);
        ArgumentNullException.ThrowIfNull(utterances);
        if (utterances.Count == 0)
            throw new ArgumentException("Give at least one utterance to score.", nameof(utterances));
        var transcripts = new List<(SpeechUtterance, string)>();
        int[] words = new int[4],
            characters = new int[4];
        foreach (var u in utterances)
        {
            var text = recognizer.Transcribe(SpeechCorpus.Load(u, recognizer.FeatureExtractor.SamplingRate)).Text;
            transcripts.Add((u, text));
            Add(words, ErrorRate.Words(u.Text, text));
            Add(characters, ErrorRate.Characters(u.Text, text));
        }
        return new TranscriptionScore(utterances.Count, Sum(words), Sum(characters), transcripts);

        static void Add(int[] total, ErrorRate e)
        {
            total[0] += e.Substitutions;
            total[1] += e.Deletions;
            total[2] += e.Insertions;
            total[3] += e.ReferenceLength;
        }
        static ErrorRate Sum(int[] t) => new(t[0], t[1], t[2], t[3]);
    }
}
