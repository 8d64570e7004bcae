// Generated from notebooks/09-pretraining-a-language-model.ipynb by tools/notebook-to-app.sh: edit the notebook, then regenerate.
// Run from the repository root: dotnet run apps/09-pretraining-a-language-model.cs
// The notebook's cells run one after another (each begins at its `// Cell N`); what a cell shows is printed,
// and each chart is written as an HTML page whose path is printed. The native libtorch is chosen when the app is
// built (WORKBOOK_TORCH_BACKEND=cpu|cuda forces one; see apps/Directory.Build.targets).
#:project ../lib/Workbook.csproj
#:property PublishAot=false
#:property ImplicitUsings=disable
#:property Nullable=annotations

using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using TorchSharp;
using static TorchSharp.torch;
using Workbook;
using System.Diagnostics;
using System.IO;
using System.Text.RegularExpressions;
using Plotly.NET.CSharp;
using Workbook.Data;
using Workbook.Gpt2;
using Workbook.LanguageModels;
using Workbook.Notebook;
using Workbook.Text;
using Workbook.Notebook.Apps;   // .Display() on the console

// # 09 · Pretraining a language model
//
// The classic snippet in Python — a character-RNN or nanoGPT-style training loop, as it is usually copied:
//
// ```python
// lines = open("kjv.txt").read().split("\n")
// random.shuffle(lines)
// train, val = lines[:-3000], lines[-3000:]                      # validation: random verses
// optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)      # one constant rate from step 1
// for step in range(steps):
//     x, y = get_batch(train)
//     logits = model(x)
//     loss = F.cross_entropy(logits.view(-1, V), y.view(-1), reduction="sum")
//     optimizer.zero_grad(); loss.backward(); optimizer.step()   # no clipping
//     if step % 100 == 0:
//         xv, yv = get_batch(val)
//         print(step, loss.item(), F.cross_entropy(model(xv).view(-1, V), yv.view(-1)).item())
// ```
//
// It trains — and it measures the wrong thing at almost every line. This chapter pretrains a small GPT-2 from scratch
// in C# on the King James Bible with `lib/LanguageModels`, fixes each of those lines (the list is at the end), and
// then loads the longer-trained model that ships in `data/models/kjv-gpt`, which chapters 10, 14 and 15 can use when
// the real `gpt2` cannot be downloaded.
//
// **What you will learn**
// - why a corpus is split by *book*, not by random lines, and what a leak does to a validation loss;
// - how GPT-2's byte-level BPE tokenizer fits a corpus it was not made for (tokens per word, the share of its 50 257
//   entries that the KJV uses), and how to train a BPE of your own, smaller one;
// - a pretraining loop: random windows, next-token targets, AdamW, learning-rate warm-up and cosine decay, gradient
//   clipping, validation loss and perplexity, tokens per second, and samples that go from noise to words to verses;
// - an LSTM language model side by side with the transformer, at equal training time;
// - whether bfloat16 helps on the CPU in TorchSharp 0.107 (measured, not assumed);
// - what the shipped model reached with a longer run, read from its provenance file.

// Cell 2
// Every chapter starts with this cell. It loads the workbook library (lib/, built by the README's set-up), then
// TorchSharp, the native libtorch for this machine (CUDA when an NVIDIA GPU is present; WORKBOOK_TORCH_BACKEND=cpu|cuda
// forces either) and the library's packages at the versions the repository pins — one line of output, not a list per package.
// In the notebook: #r "../lib/bin/Workbook.dll" (here the #:project line at the top)
// Notebook only: using Microsoft.DotNet.Interactive; (an app's .Display() comes from Workbook.Notebook.Apps)
// In the notebook: await Workbook.Notebook.ChapterSetup.LoadAsync(Kernel.Root);
// An app cannot add packages while it runs: its build chose the native libtorch (apps/Directory.Build.targets).
Workbook.Notebook.AppSetup.Load();

// Cell 3
var device = Workbook.Notebook.ChapterSetup.Device;   // chosen by the first cell

// ## The corpus, split by book
//
// The King James Bible (public domain; the repository's `data/text/`, rebuilt from Debian's `bible-kjv-text` by
// `data/text/make_text.sh`): 31 102 verses in 66 books. A language model reads it as one long text, one verse per
// line.
//
// Validation must be text the model has not seen. Verses are not independent samples: a verse and its neighbour share
// names, phrases and whole sentences (the genealogies, the parallel gospels, the refrains of the Psalms), so a split
// by random lines puts near-copies of validation text into training, and the validation loss measures memory. The
// split here holds out whole books — `KingJamesBible.DefaultValidationBooks`, one or two of each kind (history,
// poetry, prophets, gospels, letters) — so validation is new text in a familiar style, which is what a language model
// is for.

// Cell 5
var bible = KingJamesBible.Load();
var (trainingVerses, validationVerses) = bible.SplitByBook();
var trainingText = KingJamesBible.Text(trainingVerses);
var validationText = KingJamesBible.Text(validationVerses);
int Words(string text) => Regex.Matches(text, @"\S+").Count;
new Table(["split", "books", "verses", "words", "characters"], [
    ["training", $"{trainingVerses.Select(v => v.Book).Distinct().Count()}", $"{trainingVerses.Count:N0}", $"{Words(trainingText):N0}",
     $"{trainingText.Length:N0}"],
    ["validation", string.Join(", ", KingJamesBible.DefaultValidationBooks), $"{validationVerses.Count:N0}", $"{Words(validationText):N0}",
     $"{validationText.Length:N0}"],
], caption: "The King James Bible, split by book").Display();

// ## GPT-2's tokenizer on this corpus
//
// GPT-2's byte-level BPE (chapter 10 opens it up) has 50 257 entries, learned from 8 million web pages. It can encode
// any text — every byte is a token of its own — but how well does it fit 17th-century English? Two measures: tokens
// per word (fewer is better: the model sees more text per context window), and how much of the vocabulary the corpus
// uses at all.

// Cell 7
var gpt2Tokenizer = Gpt2Tokenizer.Default;
var gpt2Ids = gpt2Tokenizer.Encode(trainingText + validationText);
var gpt2Used = gpt2Ids.Distinct().Count();
Console.WriteLine($"GPT-2's BPE: {gpt2Ids.Length:N0} tokens for {Words(trainingText + validationText):N0} words = " +
                  $"{(double)gpt2Ids.Length / Words(trainingText + validationText):F2} tokens per word; " +
                  $"the whole Bible uses {gpt2Used:N0} of its {gpt2Tokenizer.VocabularySize:N0} entries " +
                  $"({(double)gpt2Used / gpt2Tokenizer.VocabularySize:P1})");
foreach (var width in new[] { 128, 192, 256 })
    Console.WriteLine($"  a {gpt2Tokenizer.VocabularySize:N0}-row embedding at width {width}: " +
                      $"{(long)gpt2Tokenizer.VocabularySize * width:N0} parameters, " +
                      $"{(long)gpt2Tokenizer.VocabularySize * width * 2 / 1e6:F1} MB in fp16");

// Most of GPT-2's vocabulary never occurs in this corpus, but a model with that vocabulary still carries, updates and
// multiplies by every row of its embedding — and in GPT-2 the embedding doubles as the output layer, so each
// predicted token costs a product with all of it. For a model a few layers deep, that table alone would be most of
// the parameters and most of the compute, and it would not fit the 10 MB the shipped model is allowed. So the model
// gets its own tokenizer.
//
// ## Training a BPE of your own
//
// `BpeTrainer` learns byte-level BPE the way GPT-2's was learned: GPT-2's pre-tokenizer cuts the text into pieces
// (words with their leading space, numbers, punctuation runs, whitespace); every piece starts as its UTF-8 bytes (so
// any text, in any script, still encodes); then, again and again, the most frequent adjacent pair of tokens is merged
// into a new token, until the vocabulary has the requested size. It writes the `vocab.json` and `merges.txt` that
// GPT-2 ships, so `Gpt2Tokenizer.FromFolder` reads it, as it reads GPT-2's own files (the format of Hugging Face's
// `GPT2Tokenizer`). It trains on the training books only.

// Cell 9
const int VocabularySize = 4096;
var clock = Stopwatch.StartNew();
var bpe = BpeTrainer.Train(trainingText, VocabularySize);
var tokenizerFolder = Directory.CreateTempSubdirectory("kjv-bpe-").FullName;
bpe.Save(tokenizerFolder);
var tokenizer = Gpt2Tokenizer.FromFolder(tokenizerFolder);
Console.WriteLine($"trained {bpe.Count:N0} tokens ({bpe.Merges.Count:N0} merges) in {clock.Elapsed.TotalSeconds:F1} s; the first merges: " +
                  string.Join("  ", bpe.Merges.Take(8).Select(m => $"{m.Left}+{m.Right}")));
var trainingIds = tokenizer.Encode(trainingText);
var validationIds = tokenizer.Encode(validationText);
double PerWord(Gpt2Tokenizer t, string text) => (double)t.Encode(text).Length / Words(text);
Console.WriteLine($"tokens per word on the held-out books: GPT-2's BPE {PerWord(gpt2Tokenizer, validationText):F2}, " +
                  $"ours {PerWord(tokenizer, validationText):F2}; " +
                  $"training text {trainingIds.Length:N0} tokens, validation {validationIds.Length:N0}");
var shipped = Path.GetDirectoryName(DataDirectory.Find(Path.Combine("models", "kjv-gpt", "config.json")))!;
Console.WriteLine($"same vocab.json and merges.txt as the shipped model's (the trainer is deterministic): " +
                  $"{SameFile("vocab.json") && SameFile("merges.txt")}");
bool SameFile(string name) => File.ReadAllText(Path.Combine(tokenizerFolder, name)) == File.ReadAllText(Path.Combine(shipped, name));
foreach (var text in new[] { "In the beginning God created the heaven and the earth.", "And Jesus answered and said unto them,",
                            "The television is broken." })
    new Table(["tokenizer", "tokens"], [
        ["GPT-2", string.Join(" | ", gpt2Tokenizer.Tokenize(text))],
        [$"ours ({VocabularySize})", string.Join(" | ", tokenizer.Tokenize(text))],
    ], caption: text).Display();

// `Ġ` is a leading space (GPT-2's byte alphabet writes byte 0x20 as `Ġ`). With a twelfth of GPT-2's entries, ours
// needs only slightly more tokens per word on books it never saw (the printout above), because it spends its entries
// on this corpus's words. The frequent words are single tokens in both; a word the Bible never uses ("television")
// falls apart into pieces in ours, but still encodes, byte by byte if need be. Exercise 1 tries other sizes.
//
// ## The model and the loop
//
// The model is the library's `Gpt2LMHeadModel` (chapter 10 reads it layer by layer) with a small configuration,
// trained from random weights. Training data are windows of context + 1 tokens cut at random places of the training
// text (`LanguageModelBatches`): the first *context* tokens are the input, the same window shifted by one token is
// the target, so every position learns to predict the next token — one window gives *context* training examples.
//
// `LanguageModelTrainer.Train` is the loop, on one screen:
// - **AdamW** with weight decay on matrices and embeddings only (not on biases and LayerNorm gains), β₂ = 0.95;
// - the **learning rate** of every step from a warm-up + cosine schedule (below);
// - the **loss** is the cross-entropy averaged over every predicted token, so it is comparable across batch sizes and
//   context lengths (the mean, in nats per token);
// - **gradient clipping** to a global norm of 1 (below);
// - every N steps, the **validation loss** on held-out windows — in eval mode, without gradients, on fixed windows
//   spread over the validation books — its **perplexity** e^loss, the **tokens per second** of training so far, and a
//   **sample**.
//
// The run has a time budget rather than a step count: after warm-up the cosine decays with the share of the budget
// used, so two models of different speeds can be compared at equal time.
//
// ## Warm-up and cosine decay
//
// At the first steps Adam's estimates of the gradient's mean and variance are built from a handful of batches, and a
// fresh transformer's gradients are large and poorly scaled: full-size steps then can push the weights somewhere they
// never recover from. A linear warm-up over the first steps avoids that. After the peak, the rate follows half a
// cosine down to a floor (a tenth of the peak here): large steps while the loss falls fast, small ones at the end so
// the weights settle instead of bouncing around the minimum.

// Cell 11
var example = new WarmupCosineSchedule(PeakLearningRate: 2e-3, WarmupSteps: 100, TotalSteps: 1000, MinimumLearningRate: 2e-4).Validate();
Charts.Curves([("warm-up 100 steps, cosine to step 1000", example.Trace())], "optimizer step", "learning rate",
    title: "Warm-up + cosine decay (peak 2e-3, floor 2e-4)").Display();

// ## Pretraining a small GPT-2
//
// Two layers, 128 wide, four heads, a context of 64 tokens and our 4 096-token vocabulary, trained for a fixed number
// of seconds. After the first step and then every 25 steps the loop measures the validation loss on 16 windows of the
// held-out books and samples a continuation of "In the beginning" (temperature 0.8, top-k 40, fixed seed), so the
// samples show what the model has learned at each point. The loss of a model that knows nothing is ln 4096 ≈ 8.3 nats
// (perplexity 4 096: every token equally likely).

// Cell 13
const double BudgetSeconds = 20;
var smallConfig = new Gpt2Config
{
    VocabSize = tokenizer.VocabularySize, ContextLength = 64, EmbeddingSize = 128, LayerCount = 2, HeadCount = 4,
    BosTokenId = tokenizer.EosTokenId, EosTokenId = tokenizer.EosTokenId,
};
var options = new LanguageModelTrainingOptions
{
    Steps = 100_000, TimeBudgetSeconds = BudgetSeconds, ContextLength = 64, BatchSize = 16,
    PeakLearningRate = 2e-3, MinimumLearningRate = 2e-4,
    WarmupSteps = 30, EvaluateEvery = 25, MaxValidationWindows = 16, Seed = 0,
};
torch.manual_seed(0);
var gpt = new Gpt2LMHeadModel(smallConfig, device);
var gptText = new Gpt2TextGenerator(gpt, tokenizer);
var gptTrainer = new LanguageModelTrainer(gpt, options);
gptTrainer.Sample = _ => gptText.Generate("In the beginning", GenerationOptions.Sampling(20, seed: 1, temperature: 0.8, topK: 40));
gptTrainer.OnEvaluation = e => Console.WriteLine($"step {e.Step,4}  {e.TrainingSeconds,5:F1} s  train {e.TrainingLoss:F2}  validation " +
                                                 $"{e.ValidationLoss:F2} (perplexity {e.ValidationPerplexity,6:F1}) " +
                                                 $" {e.TokensPerSecond:N0} tokens/s");
Console.WriteLine($"{gpt.parameters().Sum(p => p.numel()):N0} parameters, {smallConfig.VocabSize * smallConfig.EmbeddingSize:N0} of them " +
                  "in the token embedding");
gptTrainer.Train(trainingIds, validationIds);
Console.WriteLine($"{gptTrainer.Steps.Count} steps, {gptTrainer.Evaluations[^1].TokensSeen:N0} tokens seen = " +
                  $"{(double)gptTrainer.Evaluations[^1].TokensSeen / trainingIds.Length:P1} of one pass over the training books");

// Cell 14
var evaluations = gptTrainer.Evaluations;
Charts.Lines([
    ("training (mean since the last evaluation)", [.. evaluations.Select(e => (double)e.Step)],
     [.. evaluations.Select(e => e.TrainingLoss)]),
    ("validation (held-out books)", [.. evaluations.Select(e => (double)e.Step)], [.. evaluations.Select(e => e.ValidationLoss)]),
], "optimizer step", "cross-entropy (nats per token)", title: "Small GPT-2: training and validation loss").Display();

// Cell 15
// Samples at four points of training: noise first, then frequent words, then verse-like phrases.
var picks = new[] { 0, evaluations.Count / 3, 2 * evaluations.Count / 3, evaluations.Count - 1 }.Distinct();
new Table(["step", "validation perplexity", "sample: \"In the beginning\" …"],
    picks.Select(i => Table.Row($"{evaluations[i].Step}", $"{evaluations[i].ValidationPerplexity:F1}",
                                evaluations[i].Sample!.ReplaceLineEndings(" / "))),
    caption: "What the model writes as it learns").Display();

// How far 20 seconds get depends on the machine, and the cells print what this run did: the step count, the tokens
// seen and what share of one pass over the training books that is. Below one pass the model has not seen any training
// text twice, so it cannot have memorised it: a gap between the curves then is the difference between books, not
// overfitting. The samples are what the numbers mean. At step 1 they are random tokens (perplexity near 4 096); as
// the loss falls, the most frequent words and the punctuation of verses come first, then phrases in the Bible's style
// — the shipped model, below, shows where a run of a quarter of an hour or more gets to (its provenance file says
// exactly how long it ran).
//
// ## Gradient clipping
//
// `clip_grad_norm_` computes one norm over all gradients together; when it is above the limit (1.0 here), every
// gradient is scaled by limit / norm, so the step keeps its direction but not its size. It matters most at the start,
// when gradients are large and a single unlucky batch could undo the warm-up. The trainer records the norm before
// clipping at every step:

// Cell 17
var steps = gptTrainer.Steps;
var clippedShare = steps.Count(s => s.Clipped) / (double)steps.Count;
Console.WriteLine($"{steps.Count} steps; clipped: {clippedShare:P0} of all steps, {steps.Take(50).Count(s => s.Clipped)} of the first " +
                  $"{Math.Min(50, steps.Count)}, " +
                  $"{steps.Skip(steps.Count / 2).Count(s => s.Clipped)} of the last {steps.Count - steps.Count / 2}; " +
                  $"largest norm {steps.Max(s => s.GradientNorm):F2}");
Charts.Lines([
    ("gradient norm before clipping", [.. steps.Select(s => (double)s.Step)], [.. steps.Select(s => s.GradientNorm)]),
    ("clipping limit", [1.0, steps.Count], [1.0, 1.0]),
], "optimizer step", "global gradient norm (L2 over all parameters)", logY: true, title: "Gradient norms and the clipping limit").Display();

// ## The RNN it replaced: an LSTM on the same tokens
//
// Before transformers, language models were recurrent: an LSTM reads one token at a time, carrying a state vector
// from each position to the next. `LstmLanguageModel` is embedding → LSTM → a linear head over the vocabulary, here
// with the head tied to the embedding as GPT-2's is, trained by the same loop on the same windows, for the same
// number of seconds.

// Cell 19
torch.manual_seed(0);
var lstm = new LstmLanguageModel(tokenizer.VocabularySize, embeddingSize: 256, hiddenSize: 256, layers: 1, tieWeights: true);
lstm.to(device);
var lstmTrainer = new LanguageModelTrainer(lstm, options);
lstmTrainer.OnEvaluation = e => Console.WriteLine($"step {e.Step,4}  {e.TrainingSeconds,5:F1} s  validation {e.ValidationLoss:F2} " +
                                                  $"(perplexity {e.ValidationPerplexity,6:F1})  {e.TokensPerSecond:N0} tokens/s");
lstmTrainer.Train(trainingIds, validationIds);
// Both final models on the same, larger set of validation windows.
double FinalLoss(nn.Module<Tensor, Tensor> model) => LanguageModelTrainer.ValidationLoss(model, validationIds, options.ContextLength,
    maxWindows: 128);
var rows = new (string Name, nn.Module<Tensor, Tensor> Model, LanguageModelTrainer Trainer)[] { ("GPT-2, 2 × 128", gpt, gptTrainer),
    ("LSTM, 1 × 256", lstm, lstmTrainer) };
new Table(["model", "parameters", "steps", "tokens/s", "validation perplexity"],
    rows.Select(r => Table.Row(r.Name, $"{r.Model.parameters().Sum(p => p.numel()):N0}", $"{r.Trainer.Steps.Count}",
        $"{r.Trainer.Evaluations[^1].TokensPerSecond:N0}", $"{Math.Exp(FinalLoss(r.Model)):F1}")),
    caption: $"Equal training time ({BudgetSeconds} s each), the same tokens, the same loop; perplexity on 128 held-out windows").Display();

// Cell 20
Charts.Lines([
    ("GPT-2", [.. gptTrainer.Evaluations.Select(e => e.TrainingSeconds)], [.. gptTrainer.Evaluations.Select(e => e.ValidationPerplexity)]),
    ("LSTM", [.. lstmTrainer.Evaluations.Select(e => e.TrainingSeconds)], [.. lstmTrainer.Evaluations.Select(e => e.ValidationPerplexity)]),
], "training time (s)", "validation perplexity", logY: true, title: "Transformer and LSTM at equal time").Display();

// Read the table for what it says on this machine: which model is ahead after the same seconds, and how many tokens
// per second each gets through. The LSTM's recurrence is sequential — position t waits for position t − 1 — while
// attention processes all positions of a window at once, which is what lets transformers use wide hardware. What the
// transformer adds is a direct path from every token to every earlier token in the context, which matters more as
// contexts and models grow — and it is the architecture of every model from chapter 10 on.
//
// ## bfloat16 on the CPU
//
// bfloat16 keeps float32's exponent range with 8 bits of precision (7 stored), so it halves memory and — on hardware
// with bf16 matrix units — speeds up matrix products. TorchSharp 0.107 can convert a model with
// `model.to(ScalarType.BFloat16)`; it has no CPU autocast, so here the whole model, its gradients and its optimizer
// state are bf16 (pure bf16 training). The cell times the same 3 steps, from the same initial weights on the same
// batches, in both types.

// Cell 22
(double SecondsPerStep, double Loss) TimeSteps(ScalarType dtype)
{
    torch.manual_seed(0);
    var model = new Gpt2LMHeadModel(smallConfig, device);
    model.to(dtype);
    var trainer = new LanguageModelTrainer(model,
        options with { Steps = 3, TimeBudgetSeconds = null, WarmupSteps = 1, EvaluateEvery = 3, MaxValidationWindows = 1 });
    trainer.Train(trainingIds, validationIds);
    var result = (trainer.Evaluations[^1].TrainingSeconds / 3, trainer.Steps[^1].Loss);
    model.Dispose();
    return result;
}
var fp32 = TimeSteps(ScalarType.Float32);
var bf16 = TimeSteps(ScalarType.BFloat16);
Console.WriteLine($"float32: {fp32.SecondsPerStep * 1000:F0} ms per step, loss at step 3 {fp32.Loss:F3}");
Console.WriteLine($"bfloat16: {bf16.SecondsPerStep * 1000:F0} ms per step, loss at step 3 {bf16.Loss:F3}");
Console.WriteLine("bfloat16 is " +
                  (bf16.SecondsPerStep < fp32.SecondsPerStep
                      ? $"{fp32.SecondsPerStep / bf16.SecondsPerStep:F2}× faster"
                      : $"{bf16.SecondsPerStep / fp32.SecondsPerStep:F2}× slower") + " per step here");

// On a CPU without bf16 matrix instructions (most laptops and this project's CI machines), libtorch computes bf16
// products through conversions to float32, so there is no speed to gain and often some to lose; and pure bf16
// training rounds an update away whenever it is smaller than about 0.2–0.4 % of the weight it changes (half the
// spacing of bf16 numbers there), so late in a run, when updates are small, many are lost and the loss lags behind
// float32's. The printout above is this machine's answer. Mixed precision (float32 master weights, bf16 only in the
// products) is what GPUs use; storing a trained model in 16 bits is a different matter, and harmless — the shipped
// model is stored in fp16.
//
// ## The shipped model: the same recipe, run longer
//
// `tools/train-small-gpt.sh` runs `SmallGptPretraining` — the same BPE, the same loop — once, for much longer, with a
// larger model, and writes `data/models/kjv-gpt`: a complete Hugging Face folder (`config.json`, `model.safetensors`
// in fp16 with GPT-2's tensor names, `vocab.json`, `merges.txt`, `generation_config.json`, `tokenizer_config.json`)
// and a `provenance.json` that records what it was trained on, how, how long and where, and its validation perplexity
// on the held-out books. The numbers below are read from that file, and the perplexity is measured again here on the
// weights as they are stored.

// Cell 24
var provenance = SmallGptProvenance.Load(Path.Combine(shipped, "provenance.json"));
var s = provenance.Settings;
Console.WriteLine($"{s.Layers} layers × {s.Width} wide, {s.Heads} heads, context {s.ContextLength}, vocabulary {s.VocabularySize:N0}: " +
                  $"{provenance.Parameters:N0} parameters");
Console.WriteLine($"{provenance.Steps:N0} steps of {s.BatchSize} × {s.ContextLength} tokens = {provenance.TokensSeen:N0} tokens " +
                  $"({(double)provenance.TokensSeen / provenance.TrainingTokens:F1} passes over the training books) " +
                  $"in {provenance.TrainingSeconds / 60:F1} min at {provenance.TokensPerSecond:N0} tokens/s");
Console.WriteLine($"machine: {provenance.Machine}; command: {provenance.Command}");
Console.WriteLine($"validation perplexity on the held-out books (fp16 weights, every window): {provenance.ValidationPerplexity:F2}");
var kjvGpt = Gpt2TextGenerator.FromFolder(shipped, device);
var measured = Math.Exp(LanguageModelTrainer.ValidationLoss(kjvGpt.Model, kjvGpt.Tokenizer.Encode(validationText), s.ContextLength));
Console.WriteLine($"measured again here: {measured:F2}; the chapter's 20-second model: {Math.Exp(FinalLoss(gpt)):F1} (on 128 windows)");
Console.WriteLine("files: " + string.Join(", ",
    Directory.EnumerateFiles(shipped).Select(f => $"{Path.GetFileName(f)} {new FileInfo(f).Length:N0} bytes")));

// Cell 25
foreach (var prompt in new[] { "In the beginning", "I love", "And the LORD said unto Moses," })
{
    Console.WriteLine($"greedy:  {kjvGpt.Generate(prompt, GenerationOptions.Greedy(30)).ReplaceLineEndings(" / ")}");
    var sampled = kjvGpt.Generate(prompt, GenerationOptions.Sampling(30, seed: 7, temperature: 0.8, topK: 40));
    Console.WriteLine($"sampled: {sampled.ReplaceLineEndings(" / ")}");
}

// A few million parameters trained for minutes on one corpus write words, spelling and verse punctuation of the King
// James style, with the grammar of short phrases and little sense beyond them; greedy decoding falls into loops,
// which sampling avoids (chapter 10 explains both). It knows nothing outside the Bible: "I love" continues as the
// Bible would. That is the honest scale of pretraining: the same loop, with a thousand times the parameters and a
// million times the tokens, gives GPT-2.
//
// ## The classic snippet, fixed
//
// | Line of the classic snippet | What goes wrong | The fix here |
// |---|---|---|
// | `random.shuffle(lines)`; validation = random lines | neighbouring verses share phrases, so validation text leaks into training and the validation loss is optimistic (exercise 3 measures by how much) | split by book (`SplitByBook`) |
// | `reduction="sum"` | the loss, and the gradient, grow with batch × context: the learning rate then means something different for every batch size | the mean over every predicted token |
// | one constant `lr` from step 1 | Adam's early estimates are noise; full-size first steps can wreck a fresh transformer | warm-up, then cosine decay (`WarmupCosineSchedule`) |
// | no clipping | one batch with a huge gradient undoes hundreds of steps | `clip_grad_norm_` to 1.0, with the norm recorded |
// | validation without `model.eval()` / `torch.no_grad()` | dropout (where a model has it) stays on, and a full autograd graph is built and kept for nothing | the trainer evaluates in eval mode under `no_grad` |
// | validation on one random batch | a noisy number that changes with the batch, not with the model | fixed windows spread over all held-out books, every token counted once |
// | `loss.item()` of the current batch printed as "training loss" | one batch's loss jumps around | the mean since the last evaluation |
//
// ## Exercises
//
// 1. Train the BPE at 1 024 and at 16 384 tokens. How do tokens per word and the embedding's share of the parameters
//    change? Which would you choose for a 4-layer, 128-wide model, and why?
//    <details><summary>Hint</summary>
//
//    `BpeTrainer.Train(trainingText, size)`, save it, load it with `Gpt2Tokenizer.FromFolder`, and reuse `PerWord`.
//    The embedding has size × width parameters; the blocks have about 12 × width² each.
//    </details>
//    <details><summary>Solution</summary>
//
//    ```csharp
//    foreach (var size in new[] { 1024, 4096, 16384 })
//    {
//        var folder = Directory.CreateTempSubdirectory("bpe-").FullName;
//        BpeTrainer.Train(trainingText, size).Save(folder);
//        var t = Gpt2Tokenizer.FromFolder(folder);
//        double embedding = size * 128, blocks = 4 * 12 * 128 * 128;
//        Console.WriteLine($"{size}: {PerWord(t, validationText):F2} tokens per word, embedding {embedding / (embedding + blocks):P0} of the parameters");
//    }
//    ```
//    Fewer tokens per word means more text per context window, but a larger share of the model spent on the table
//    (and rare tokens seen too seldom to learn); for a model this small a few thousand tokens is the usual
//    compromise.
//    </details>
// 2. Train the small GPT-2 without warm-up and with a peak rate five times higher (`WarmupSteps = 0`,
//    `PeakLearningRate = 1e-2`), with and without clipping (`GradientClipNorm = null`). What happens to the loss and
//    the gradient norms in the first 50 steps?
//    <details><summary>Hint</summary>
//
//    Build the model and trainer as in the pretraining cell with `options with { ... }`, then chart `Steps` (loss and
//    `GradientNorm`) of the runs together.
//    </details>
//    <details><summary>Solution</summary>
//
//    ```csharp
//    foreach (var clip in new double?[] { 1.0, null })
//    {
//        torch.manual_seed(0);
//        var model = new Gpt2LMHeadModel(smallConfig, device);
//        var trainer = new LanguageModelTrainer(model, options with { WarmupSteps = 0, PeakLearningRate = 1e-2, GradientClipNorm = clip, TimeBudgetSeconds = 10 });
//        trainer.Train(trainingIds, validationIds);
//        Console.WriteLine($"clip {clip?.ToString() ?? "none"}: loss at step 50 {trainer.Steps[Math.Min(49, trainer.Steps.Count - 1)].Loss:F2}, final validation {trainer.Evaluations[^1].ValidationLoss:F2}");
//    }
//    ```
//    Without warm-up the first steps are the largest; the loss usually spikes or plateaus before it falls, and
//    without clipping the spike is larger. How much depends on the seed: try two.
//    </details>
// 3. Measure the leak: split the verses at random (every 20th verse to validation) instead of by book, train the same
//    20 seconds, and compare the validation perplexity with the training perplexity and with the by-book split's.
//    <details><summary>Hint</summary>
//
//    `bible.Verses.Where((v, i) => i % 20 == 0)` and the others; tokenize both texts with `tokenizer`, and train a
//    fresh model with the same `options`.
//    </details>
//    <details><summary>Solution</summary>
//
//    ```csharp
//    var randomValidation = KingJamesBible.Text(bible.Verses.Where((v, i) => i % 20 == 0));
//    var randomTraining = KingJamesBible.Text(bible.Verses.Where((v, i) => i % 20 != 0));
//    torch.manual_seed(0);
//    var leaky = new Gpt2LMHeadModel(smallConfig, device);
//    var leakyTrainer = new LanguageModelTrainer(leaky, options);
//    leakyTrainer.Train(tokenizer.Encode(randomTraining), tokenizer.Encode(randomValidation));
//    Console.WriteLine($"random-verse validation perplexity {leakyTrainer.Evaluations[^1].ValidationPerplexity:F1} vs by book {gptTrainer.Evaluations[^1].ValidationPerplexity:F1}");
//    ```
//    The random split scores better, because its "unseen" verses sit between verses the model trained on (and the BPE
//    here was trained on all of them too). The difference grows with training time, as the model memorises more.
//    </details>

// Cell 27
// Your experiments here: trainingText, validationText, tokenizer, trainingIds, validationIds, smallConfig, options, PerWord,
// gpt / gptTrainer, lstm / lstmTrainer and kjvGpt (the shipped model) are defined.
kjvGpt.Generate("Blessed are", GenerationOptions.Sampling(30, seed: 3, temperature: 0.8, topK: 40)).Display();

// --- **Previous:** [08 · Transfer learning](08-transfer-learning.ipynb) · **Next:** [10 · GPT-2 text
// generation](10-gpt2-text-generation.ipynb) · [Chapter list](../README.md#chapters)
