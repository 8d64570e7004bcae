// Generated from notebooks/12-encoders-and-multimodal.ipynb by tools/notebook-to-app.sh: edit the notebook, then regenerate.
// Run from the repository root: dotnet run apps/12-encoders-and-multimodal.cs
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
using System.Diagnostics;
using System.IO;
using Plotly.NET.CSharp;
using TorchSharp;
using Workbook.Data;
using Workbook.Encoders;
using Workbook.Metrics;
using Workbook.Multimodal;
using Workbook.Notebook;
using Workbook.Text;
using Workbook.Vision;
using static TorchSharp.torch;
using Workbook.Notebook.Apps;   // .Display() on the console

// # 12 · Encoders and multimodal
//
// GPT-2 (chapters 09–11) is a **decoder**: each token sees only the tokens before it, which is what generating text
// needs. **BERT** (Devlin et al., 2018) is the other half of the original transformer, an **encoder**: every token
// sees the whole input, left and right, so each output vector describes a word *in its context*. Such a model is not
// trained to continue text but to **fill in blanks**, and then it is **fine-tuned** for a task — here, telling which
// kind of book of the King James Bible a verse comes from. The chapter's second half pairs a small text encoder with
// the image model of chapter 07 and trains them together on pictures and captions, CLIP-style.
//
// **What you will learn**
// - what an encoder is and how BERT is built: word + position + segment embeddings, post-LN layers of self-attention
//   and GELU feed-forward, the [CLS] pooler, and the masked-LM head tied to the word embeddings — with Hugging Face's
//   tensor names, so a real `bert-base-uncased` folder loads into the same code;
// - WordPiece tokenization (`##` pieces, [CLS] [SEP] [PAD] [MASK]), learned here on the King James text and read by
//   Microsoft.ML.Tokenizers' `BertTokenizer`;
// - masked-language modelling: 15 % of the tokens chosen, of those 80 % [MASK], 10 % random, 10 % unchanged, and why;
// - fill-in-the-blank before and after pretraining, and the loss and masked-token accuracy curves of the shipped
//   model;
// - fine-tuning for classification, compared honestly with the same model from random initialisation and with a
//   bag-of-words logistic regression, against the number of labelled verses — accuracy, macro-F1, a confusion matrix,
//   and what chance and the majority class give;
// - attention maps, per head, for one verse: what they show and what they do not explain.
// - a CLIP-style image–text model: two encoders trained with the symmetric InfoNCE loss on Fashion-MNIST and captions
//   written from shared attributes, zero-shot classification of classes never trained on, retrieval in both
//   directions, and both modalities in one PCA picture — with what such a toy can and cannot show about CLIP.

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

// ## A small BERT
//
// BERT reads a whole sequence at once. Its input is `[CLS] word pieces [SEP]` (and, for sentence pairs, a second
// segment ending in `[SEP]`). Each position's vector is the sum of three learned embeddings — the word piece, the
// position (0, 1, 2, …), and the segment (0 or 1, the **token type**) — normalised by a LayerNorm. Then come the
// encoder layers, each **post-LN** like the original transformer: `x = LN(x + SelfAttention(x))`, then `x = LN(x +
// FFN(x))` with a GELU feed-forward block four times wider than the model. GPT-2 puts the LayerNorm *before* each
// sub-layer instead (pre-LN) and masks attention to the past; BERT masks only padding, so every token attends to
// every real token on both sides.
//
// On top sit two small heads. The **pooler** turns the first vector — the one at `[CLS]` — into one vector per
// sequence (a dense layer and tanh); a classifier reads that. The **masked-LM head** transforms each vector (dense,
// GELU, LayerNorm) and scores the vocabulary against the *word embedding matrix itself* (the decoder is tied to it)
// plus a bias per word.
//
// `lib/Encoders/BertModel.cs` is all of this in one file, from the root down, with Hugging Face's names —
// `bert.embeddings.word_embeddings.weight`, `bert.encoder.layer.0.attention.self.query.weight`,
// `cls.predictions.transform.dense.weight`, `classifier.weight` — so its unit tests can build `bert-base-uncased` on
// the meta device (shapes, no memory) and compare every one of its 206 published tensors, and a real checkpoint
// folder loads with `BertForMaskedLM.FromPretrained`.
//
// Pretraining even a small BERT takes longer than a chapter may. The model used here was pretrained once by
// `tools/train-small-bert.sh` and ships in `data/models/kjv-bert` as a complete Hugging Face folder; its
// `provenance.json` records how.

// Cell 5
var shipped = SmallBertPretraining.ShippedFolder();
var provenance = SmallBertProvenance.Load(shipped);
var vocabulary = WordPieceVocabulary.Load(shipped);
var tokenizer = vocabulary.CreateTokenizer();
var bert = BertForMaskedLM.FromPretrained(shipped, device);
var s = provenance.Settings;
Console.WriteLine($"{s.Layers} layers × {s.Width} wide, {s.Heads} heads, up to {s.ContextLength} tokens, " +
                  $"vocabulary {vocabulary.Count:N0}: {provenance.Parameters:N0} parameters");
Console.WriteLine($"pretrained for {provenance.Steps:N0} steps of {s.BatchSize} sequences ({provenance.TrainingSeconds / 60:F1} min) " +
                  $"on {provenance.Machine}");
Console.WriteLine("files: " + string.Join(", ",
    Directory.GetFiles(shipped).Select(f => $"{Path.GetFileName(f)} ({new FileInfo(f).Length / 1024.0:N0} KB)")));
new Table(["tensor", "shape"],
    bert.named_parameters().Where(p => !p.name.Contains(".layer.") || p.name.Contains(".layer.0."))
        .Select(p => Table.Row(p.name, $"[{string.Join(", ", p.parameter.shape)}]")),
    caption: "the masked-LM model's tensors (layer 0 shown; layers 1… repeat it)").Display();

// ### WordPiece
//
// BERT's tokenizer first cuts text into words and punctuation (lower-cased: this is an *uncased* model), then splits
// each word into the longest pieces its vocabulary holds, left to right; a piece that continues a word is written
// with `##`. A word that cannot be spelled from the vocabulary becomes `[UNK]`. The vocabulary (`vocab.txt`, one
// piece per line, the line number being the id) was learned on the training books by `WordPieceTrainer`: start from
// single characters and repeatedly add the most frequent adjacent pair — the procedure of Hugging Face's `tokenizers`
// WordPiece trainer. Microsoft.ML.Tokenizers' `BertTokenizer` reads the file and does the encoding; a real
// checkpoint's `vocab.txt` loads the same way.

// Cell 7
string[] examples =
[
    "In the beginning God created the heaven and the earth.",
    "And the children of Israel murmured against Moses.",
    "Xerxes checked his smartphone.",
];
string Pieces(string text) => string.Join(" ", BertInputs.Encode(tokenizer, text, s.ContextLength).Select(id => vocabulary.Tokens[id]));
new Table(["text", "word pieces"], examples.Select(t => Table.Row(t, Pieces(t)))).Display();

// ### Masked-language modelling
//
// The pretraining task: hide some tokens and predict them from both sides. `MaskedLanguageModeling` chooses each
// ordinary token with probability 15 % (special tokens never). A chosen token is replaced by `[MASK]` 80 % of the
// time, by a random word piece 10 % of the time, and left as it is 10 % of the time; the label is the original token
// at chosen positions and −100 (ignored by the loss) everywhere else. The random and unchanged tokens matter because
// `[MASK]` never occurs in fine-tuning: the model must keep a useful vector for every token, not only for the masked
// ones. The cell below applies it to 2 000 verses and counts.

// Cell 9
var bible = KingJamesBible.Load();
var masking = new MaskedLanguageModeling(vocabulary.Count, vocabulary.MaskId, vocabulary.SpecialIds);
var sample = bible.Verses.Take(2000).Select(v => BertInputs.Encode(tokenizer, v.Text, s.ContextLength)).ToList();
var (sampleIds, _) = BertInputs.Pad(sample, vocabulary.PadId);
var (corrupted, maskLabels) = masking.Mask(sampleIds, new Random(12));
long[] original = sampleIds.data<long>().ToArray(), input = corrupted.data<long>().ToArray(), label = maskLabels.data<long>().ToArray();
var ordinaryCount = original.Count(id => !vocabulary.SpecialIds.Contains((int)id));
var chosen = Enumerable.Range(0, original.Length).Where(i => label[i] != MaskedLanguageModeling.IgnoreIndex).ToArray();
double Share(Func<int, bool> test) => chosen.Count(test) / (double)chosen.Length;
Console.WriteLine($"{ordinaryCount:N0} ordinary tokens in {sample.Count:N0} verses; " +
                  $"{chosen.Length:N0} chosen ({(double)chosen.Length / ordinaryCount:P1})");
Console.WriteLine($"of the chosen: [MASK] {Share(i => input[i] == vocabulary.MaskId):P1}, " +
                  $"random {Share(i => input[i] != vocabulary.MaskId && input[i] != original[i]):P1}, " +
                  $"unchanged {Share(i => input[i] == original[i]):P1}");
Console.WriteLine("Genesis 1:1 as the model sees it: " + string.Join(" ",
    Enumerable.Range(0, sample[0].Length).Select(i => vocabulary.Tokens[(int)input[i]])));
Console.WriteLine("its labels (· = not scored):      " + string.Join(" ",
    Enumerable.Range(0, sample[0].Length).Select(i => label[i] < 0 ? "·" : vocabulary.Tokens[(int)label[i]])));

// ### Fill in the blank, before and after
//
// `FillMask.Predict` runs the masked-LM model on a text holding one `[MASK]` and lists the most probable word pieces
// at that position. Before pretraining — the same architecture with BERT's random initialisation — the guesses are
// noise spread almost evenly over the vocabulary. The shipped model has read the training books; the last two lines
// come from books it never saw (Ecclesiastes and Ruth are held out). Its guesses are words that fit the sentence:
// sometimes the verse's own word, and otherwise a word of the right kind for that place — a noun after "the", a verb
// after "shall not". Nothing told it what a noun is; predicting hidden words from both sides taught it. The held-out
// lines are the fairer test: a model that had only memorised its training verses would fail there.

// Cell 11
(string Text, string Book)[] blanks =
[
    ("In the beginning God created the heaven and the [MASK].", "Genesis"),
    ("And God said, Let there be [MASK]: and there was light.", "Genesis"),
    ("The LORD is my shepherd; I shall not [MASK].", "Psalms"),
    ("Vanity of vanities, saith the Preacher, vanity of vanities; all is [MASK].", "Ecclesiastes (held out)"),
    ("Thy people shall be my people, and thy [MASK] my God.", "Ruth (held out)"),
];
manual_seed(0);
var untrained = new BertForMaskedLM(bert.Config, device);
string Guesses(BertForMaskedLM model, string text) =>
    string.Join(", ", FillMask.Predict(model, vocabulary, tokenizer, text, 3).Select(p => $"{p.Token} {p.Probability:P0}"));
new Table(["text", "book", "random initialisation", "shipped model"],
          blanks.Select(b => Table.Row(b.Text, b.Book, Guesses(untrained, b.Text), Guesses(bert, b.Text)))).Display();

// ### The pretraining curves
//
// These curves were **not** computed by this notebook: they are the evaluations `tools/train-small-bert.sh` recorded
// in the shipped folder's `provenance.json` while it trained the model. "Training" is the mean over the batches since
// the previous point (dropout on); "validation" is the held-out books, masked once with a fixed seed so that every
// point scores the same positions. Masked-token accuracy is the share of chosen tokens whose original piece is the
// model's top prediction — the masked ones, the random ones and the unchanged ones together.
//
// Look at the shape. For the first few thousand steps the accuracy sits in the teens: the model predicts the
// commonest pieces ("the", ",", "and") whatever the context, which is what a model that knows only word frequencies
// can do. Then it starts to use the surrounding words and the curve climbs. A run stopped on that plateau fills every
// blank with "the" or ",".

// Cell 13
var curve = provenance.Curve;
var steps = curve.Select(e => (double)e.Step).ToList();
Console.WriteLine($"first evaluation: validation loss {curve[0].ValidationLoss:F2} nats (ln {vocabulary.Count:N0} = " +
                  $"{Math.Log(vocabulary.Count):F2} is a uniform guess), accuracy {curve[0].ValidationAccuracy:P1}");
Console.WriteLine($"last: validation loss {curve[^1].ValidationLoss:F2}, accuracy {curve[^1].ValidationAccuracy:P1}; saved fp16 weights: " +
                  $"{provenance.FinalValidationLoss:F2}, {provenance.FinalValidationAccuracy:P1}");
Charts.Lines([("training", steps, curve.Select(e => e.TrainingLoss).ToList()),
              ("validation (held-out books)", steps, curve.Select(e => e.ValidationLoss).ToList())],
    "optimizer step", "masked-token loss (nats)", title: "Pretraining loss of the shipped model (recorded in provenance.json)").Display();

// Cell 14
Charts.Lines([("training", steps, curve.Select(e => 100 * e.TrainingAccuracy).ToList()),
              ("validation (held-out books)", steps, curve.Select(e => 100 * e.ValidationAccuracy).ToList())],
    "optimizer step", "masked-token accuracy (%)", title: "Pretraining accuracy of the shipped model (recorded in provenance.json)").Display();

// ## Fine-tuning: which kind of book is this verse from?
//
// Each of the 66 books has a kind: law (Genesis–Deuteronomy), history, poetry and wisdom, prophets, gospels and Acts,
// letters, and apocalypse (Revelation). The task: given one verse, name its kind. The classes are very unequal, so
// the first numbers to know are what **chance** (1 in 7) and the **majority class** (always answering the most common
// kind) give.
//
// The split is by **chapter** (`ChapterSplit`): a fifth of each kind's chapters form the test set, and no chapter has
// verses on both sides — neighbouring verses share names and phrases, and a split by verse would reward recognising
// the chapter instead of the style. Note what the encoder has seen: it was pretrained on the training *books*
// (without labels), which include most test chapters; only the six held-out books were unseen. Using unlabelled text
// from the same domain is exactly what pretraining is for, but it means the comparison below measures "pretrained on
// this corpus" rather than "pretrained elsewhere". The test set is 300 verses drawn from the test chapters, fixed by
// a seed.

// Cell 16
IReadOnlyList<string> kinds = KingJamesBible.Kinds;
var kindIndex = kinds.Select((k, i) => (k, i)).ToDictionary(p => p.k, p => p.i);
string KindOf(BibleVerse v) => bible.Book(v.Book).Kind;
var (trainingVerses, testVerses) = ChapterSplit.Split(bible.Verses, KindOf, 0.2, seed: 12);
var shuffle = new Random(12);
var testSample = testVerses.OrderBy(_ => shuffle.Next()).Take(300).ToList();
var labelledPool = trainingVerses.OrderBy(_ => shuffle.Next()).ToList();
const int MaxTokens = 64;
int[] Encode(BibleVerse v) => BertInputs.Encode(tokenizer, v.Text, MaxTokens);
var testIds = testSample.Select(Encode).ToList();
var testLabels = testSample.Select(v => kindIndex[KindOf(v)]).ToList();

var majority = trainingVerses.GroupBy(KindOf).MaxBy(g => g.Count())!.Key;
int[] alwaysMajority = [.. testLabels.Select(_ => kindIndex[majority])];
Console.WriteLine($"{trainingVerses.Count:N0} training verses, {testVerses.Count:N0} test verses (chapters never shared); " +
                  $"test sample {testSample.Count}");
Console.WriteLine($"chance: accuracy {1.0 / kinds.Count:P1}; always '{majority}': " +
                  $"accuracy {ClassificationMetrics.Accuracy(testLabels, alwaysMajority):P1}, " +
                  $"macro-F1 {ClassificationMetrics.F1(testLabels, alwaysMajority, Averaging.Macro):F3}");
new Table(["kind", "training verses", "test sample"],
          kinds.Select(k => Table.Row(k, $"{trainingVerses.Count(v => KindOf(v) == k):N0}", $"{testSample.Count(v => KindOf(v) == k)}"))).Display();

// Three classifiers, each trained on the first *n* verses of the same shuffled training pool, for three sizes of *n*:
//
// - **bag of words** (`BagOfWordsClassifier`): logistic regression on the frequencies of the word pieces, order
//   ignored — the honest baseline;
// - **BERT from random initialisation**: `BertForSequenceClassification` with the shipped model's sizes, untrained,
//   then fine-tuned;
// - **pretrained BERT, fine-tuned**: the same, but the encoder starts from the shipped weights
//   (`FromPretrainedEncoder`: the pooler and the classifier start fresh, as in Hugging Face).
//
// Both BERTs get the same fine-tuning (`SequenceClassifierTraining`): 64 AdamW steps of 16 verses at a peak learning
// rate of 10⁻³ — 1 024 verses in all, so the 100-verse set is seen about ten times, the 400-verse set two or three
// times, and the 1 600-verse set not even once in full. The same cost for every size keeps the chapter inside its
// time budget. Macro-F1 averages the F1 score of the seven kinds with equal weight, so it drops when a classifier
// ignores the small kinds; accuracy does not.

// Cell 18
int[] sizes = [100, 400, 1600];
var fineTuning = new SequenceClassifierTrainingOptions { Steps = 64, BatchSize = 16, LearningRate = 1e-3, WarmupSteps = 6 };
var results = new List<(string Model, int Size, double Accuracy, double MacroF1)>();
void Score(string model, int size, int[] predicted) =>
    results.Add((model, size, ClassificationMetrics.Accuracy(testLabels, predicted),
                 ClassificationMetrics.F1(testLabels, predicted, Averaging.Macro)));
int[] pretrainedPredictions = [];
var clock = Stopwatch.StartNew();
foreach (var n in sizes)
{
    var labelled = labelledPool.Take(n).ToList();
    var ids = labelled.Select(Encode).ToList();
    var y = labelled.Select(v => kindIndex[KindOf(v)]).ToList();
    using (var bag = BagOfWordsClassifier.Train(ids, y, vocabulary.Count, kinds.Count, vocabulary.SpecialIds, iterations: 100))
        Score("bag of words", n, bag.Predict(testIds));
    manual_seed(n);
    using (var scratch = new BertForSequenceClassification(bert.Config.WithLabels(kinds), device))
    {
        SequenceClassifierTraining.FineTune(scratch, ids, y, fineTuning);
        Score("BERT from random init", n, SequenceClassifierTraining.Predict(scratch, testIds));
    }
    manual_seed(n);
    using (var pretrained = BertForSequenceClassification.FromPretrainedEncoder(shipped, kinds, device))
    {
        SequenceClassifierTraining.FineTune(pretrained, ids, y, fineTuning);
        pretrainedPredictions = SequenceClassifierTraining.Predict(pretrained, testIds);
        Score("pretrained BERT, fine-tuned", n, pretrainedPredictions);
    }
}
Console.WriteLine($"9 classifiers trained and tested in {clock.Elapsed.TotalSeconds:F0} s");
foreach (var n in sizes)
{
    var best = results.Where(r => r.Size == n).MaxBy(r => r.MacroF1);
    Console.WriteLine($"{n,5:N0} labelled verses: best macro-F1 {best.MacroF1:F3} ({best.Model})");
}
new Table(["classifier", "labelled verses", "accuracy", "macro-F1"],
          results.Select(r => Table.Row(r.Model, $"{r.Size:N0}", $"{r.Accuracy:P1}", $"{r.MacroF1:F3}"))).Display();

// Cell 19
Charts.Lines(results.GroupBy(r => r.Model).Select(g => (g.Key, (IReadOnlyList<double>)g.Select(r => (double)r.Size).ToList(),
                                                        (IReadOnlyList<double>)g.Select(r => r.MacroF1).ToList())),
    "labelled training verses (log scale: each step is ×4)", "macro-F1 on the 300 test verses", logX: true,
    title: "Which kind of book? Three classifiers against the amount of labelled data").Display();

// How to read the comparison. A fine-tuned BERT that answers one kind for every verse has an accuracy equal to that
// kind's share of the test set and a macro-F1 near 0.06 — the majority line above; that is where a classifier starts.
// The BERT from random initialisation stays close to it: 64 steps on a few hundred labelled verses are far too little
// to learn a language, and the labels are all it has. The pretrained encoder starts from vectors that already
// describe each word in its context, so a few steps are enough to read the kind of book off them; that head start
// matters most where labels are few. The bag of words fits a weight per word piece and class from the frequencies
// alone, and it uses every labelled verse it is given, while the fine-tuned BERTs see the largest set less than once.
// With the step budget fixed, more labelled verses mean each is seen fewer times, so a fine-tuned model's score need
// not rise with their number, and may fall; exercise 2 gives it the steps to use a large set. Read the table for
// where the two meet in this run. Names (Israel, Jesus, Paul), forms of address and favourite words separate the
// kinds well, which is why the baseline is hard to beat once it has enough verses. Do not read much into differences
// of a few points on 300 verses (one verse is a third of a point).
//
// The confusion matrix of the pretrained model fine-tuned on the most verses shows *which* kinds it mixes up: rows
// are the true kinds, columns the predicted ones, and the diagonal counts the correct answers.

// Cell 21
var confusion = ConfusionMatrix.Compute(testLabels, pretrainedPredictions);
Console.WriteLine($"pretrained BERT on {sizes[^1]:N0} labelled verses: {confusion.Total} test verses, " +
                  $"{Enumerable.Range(0, kinds.Count).Sum(k => confusion.Count(k, k))} correct");
Charts.ConfusionMatrix(confusion.ToArray(), kinds, title: $"Pretrained BERT fine-tuned on {sizes[^1]:N0} verses: " +
                                                          "test verses by true and predicted kind").Display();

// ## Attention, head by head
//
// Each attention head computes, for every token (a row), a probability distribution over the tokens it reads from
// (the columns); the rows sum to 1. `Encode(..., outputAttentions: true)` returns these matrices for every layer and
// head. Below: the four heads of the first layer of the shipped model for one verse.
//
// What they **do** show: where each head moved information *in this input* — heads that look at the next or previous
// token, at `[SEP]`, `[CLS]` or a punctuation mark (common "nowhere in particular" sinks), or at repeated words. What
// they do **not** explain: why the model answers as it does. A head's weights mix *value* vectors that are themselves
// transformed and then summed with the residual stream and rewritten by every later layer, so a large weight is not a
// large influence; attention maps of other heads can be swapped for quite different ones without changing the
// prediction (Jain & Wallace, 2019, "Attention is not Explanation"). Read them as a description of the computation,
// not as a reason.

// Cell 23
var verse = "And God said, Let there be light: and there was light.";
var verseIds = BertInputs.Encode(tokenizer, verse, s.ContextLength);
var axis = verseIds.Select((id, i) => $"{i} {vocabulary.Tokens[id]}").ToList();   // numbered: a heatmap axis needs distinct labels
bert.eval();
BertEncoding attention;
using (no_grad()) attention = bert.Bert.Encode(tensor(verseIds.Select(i => (long)i).ToArray()).unsqueeze(0), outputAttentions: true);
Plotly.NET.GenericChart AttentionMap(int layer, int head)
{
    var map = attention.Attentions![layer][0, head].to(ScalarType.Float64).cpu();
    var values = new double[verseIds.Length, verseIds.Length];
    var flat = map.data<double>().ToArray();
    for (var q = 0; q < verseIds.Length; q++) for (var k = 0; k < verseIds.Length; k++) values[q, k] = flat[q * verseIds.Length + k];
    return Charts.Heatmap(values, axis, axis, "query token (reads)", "key token (is read)",
                          $"Layer {layer + 1}, head {head + 1}: attention probabilities", "F2");
}
Console.WriteLine($"{attention.Attentions!.Count} layers × {attention.Attentions[0].shape[1]} heads, " +
                  $"each [{verseIds.Length} × {verseIds.Length}] for \"{verse}\"");
AttentionMap(0, 0).Display();

// Cell 24
AttentionMap(0, 1).Display();

// Cell 25
AttentionMap(0, 2).Display();

// Cell 26
AttentionMap(0, 3).Display();

// ## A CLIP-style image–text model
//
// CLIP (Radford et al., 2021) trains two encoders side by side, one for images and one for text, so that a picture
// and a caption that describes it land close together in one shared space. It learns from pairs alone, with no class
// labels: for a batch of *n* image–caption pairs it computes every image's similarity to every caption, an *n* × *n*
// matrix, and asks each image to pick out its own caption among the *n* (a cross-entropy over the row), and each
// caption to pick out its own image (over the column). That symmetric loss is **InfoNCE**. A learned temperature τ
// divides the similarities before the softmax: small τ makes the choice sharp. Once trained, the text side turns any
// sentence into a classifier: embed one caption per class and give an image the class of its nearest caption —
// **zero-shot classification**, with no training example of those classes.
//
// Here both encoders are this workbook's own: the image encoder is chapter 07's small CNN (its convolution blocks,
// then a linear projection), the text encoder is the small BERT from the first half of this chapter (its token
// vectors averaged, then a projection). The data is Fashion-MNIST, with six short captions per class written from
// what the things look like and how they are worn (`data/captions/fashion-mnist-captions.tsv`).
//
// **What you will learn**
// - what the symmetric InfoNCE loss computes, why a batch with several images of one class needs *groups* of right
//   answers, and what its learned temperature does;
// - how to hold classes out of training entirely (their images *and* their captions) so that zero-shot accuracy means
//   something;
// - how to read a joint embedding space: nearest-caption classification, image→text and text→image retrieval, a
//   similarity matrix, and both modalities in one PCA picture;
// - what a toy of this size can show about CLIP, and what it cannot.

// ### Captions built from shared attributes
//
// CLIP's zero-shot trick works because the captions of a class it never saw use words it did see ("a photo of a …"
// plus a name it read in other captions). Our captions do the same with attributes: *worn on the feet* describes
// sandals, sneakers and ankle boots; *long sleeves* describes pullovers, coats and shirts; *has a heel* describes
// ankle boots and some sandals. We hold out two classes — **Pullover** and **Ankle boot** — and check that every word
// of their captions also occurs in a caption of a class we train on. If a word were new, the text encoder would see
// it as `[UNK]`.

// Cell 29
var (fashionTrain, fashionTest) = FashionMnist.Load();   // Debian's dataset-fashion-mnist (see data/README.md)
var captions = CaptionSet.Load();
var heldOut = ClipTrainingOptions.DefaultHeldOutClasses;
var classNames = captions.ClassNames;
Console.WriteLine($"{captions}; held out: {string.Join(", ", heldOut.Select(k => classNames[k]))}");
Console.WriteLine("Words of the held-out captions that no trained caption uses: " +
                  $"[{string.Join(", ", captions.UnseenWords([.. heldOut]))}]");
new Table(["label", "class", "", "two of its captions"], Enumerable.Range(0, classNames.Count).Select(k => Table.Row(
    k.ToString(), classNames[k], heldOut.Contains(k) ? "held out" : "trained", string.Join("  |  ",
        captions.OfClass(k).Take(2).Select(c => c.Text))))).Display();

// ### The two encoders
//
// The text encoder starts from **random weights**, with a vocabulary of whole words taken from the *training*
// captions only. The shipped `kjv-bert` of the first half would be the other choice. We did not take it (nor measure
// the difference): its WordPiece vocabulary was built from the King James Bible, which has no word for a sneaker or a
// pullover. The everyday words of our captions are in it, but the clothing words (*sleeves*, *collar*, *buttons*)
// would reach it as fragments it never learned to combine (the next cell counts them), and what it knows of
// seventeenth-century prose says little about clothes. The training captions use fewer than a hundred distinct words
// (the next cell prints the vocabulary), few enough for a two-layer BERT of width 64 to learn from scratch in the
// same few hundred steps as the image encoder.
//
// Both embeddings are L2-normalised, so the similarity of an image and a caption is a cosine in [−1, 1], and the
// logits are that cosine times `exp(logit_scale)`. CLIP starts `logit_scale` at log(1 / 0.07) and clamps the scale at
// 100.

// Cell 31
var trainedClasses = Enumerable.Range(0, classNames.Count).Where(k => !heldOut.Contains(k)).ToArray();
var captionTokenizer = CaptionTokenizer.FromCaptions(captions.OfClasses(trainedClasses));
var textConfig = new BertConfig
{
    VocabSize = captionTokenizer.Vocabulary.Count, HiddenSize = 64, LayerCount = 2, HeadCount = 4, IntermediateSize = 128,
    MaxPositionEmbeddings = 32, Architectures = ["BertModel"],
};
torch.manual_seed(0);
var clip = new ClipModel(new ClipModelOptions(textConfig, EmbeddingSize: 64));
clip.to(device);
long Count(string prefix) => clip.named_parameters().Where(p => p.name.StartsWith(prefix)).Sum(p => p.parameter.numel());
Console.WriteLine($"vocabulary: {captionTokenizer.Vocabulary.Count} tokens (5 special, the rest words and punctuation of the trained " +
                  "captions)");
Console.WriteLine($"image encoder {Count("vision_model") + Count("visual_projection"):N0} parameters, " +
                  $"text encoder {Count("text_model") + Count("text_projection"):N0}, temperature τ = {clip.Temperature:F3}");
Console.WriteLine("tokens of one held-out caption: " + string.Join(" ", captionTokenizer.Tokens(captions.OfClass(9)[0].Text)));

// The road not taken: how many caption words the shipped kjv-bert knows as whole tokens.
var kjv = CaptionTokenizer.FromVocabularyFile(DataDirectory.Find(System.IO.Path.Combine("models", "kjv-bert", "vocab.txt")));
var kjvTokens = kjv.Vocabulary.ToHashSet();
var captionWords = captions.Captions.SelectMany(c => CaptionSet.Words(c.Text)).Distinct().ToList();
Console.WriteLine($"kjv-bert's {kjv.Vocabulary.Count:N0}-token vocabulary has {captionWords.Count(kjvTokens.Contains)} of the captions' " +
                  $"{captionWords.Count} words whole; " +
                  "it splits, e.g., " +
                  string.Join(", ", captionWords.Where(w => !kjvTokens.Contains(w)).Take(4)
                      .Select(w => $"'{w}' → {string.Join(" ", kjv.Tokens(w).Skip(1).SkipLast(1))}")));

// ### The loss on four numbers
//
// Before training on thousands of images, the loss on a case small enough to check by eye: two images and two
// captions in a 2-D space, each image a little closer to its own caption (cosine 0.8) than to the other (0.6). At
// temperature 1 that small margin barely matters and the loss stays near ln 2, a coin toss; at CLIP's starting τ =
// 0.07 the same geometry gives a small loss, and the same captions swapped a large one. The temperature decides how
// much a margin in cosine is worth.

// Cell 33
var images2 = tensor(new float[] { 1, 0, 0, 1 }, [2, 2]);                 // image 0 along x, image 1 along y
var aligned = tensor(new float[] { 0.8f, 0.6f, 0.6f, 0.8f }, [2, 2]);     // caption 0 leans to x, caption 1 to y
var swapped = aligned.flip(0);
foreach (var (name, text) in new[] { ("aligned", aligned), ("swapped", swapped) })
    foreach (var temperature in new[] { 1.0, 0.07 })
    {
        var loss = ContrastiveLoss.Compute(images2, text, tensor((float)Math.Log(1 / temperature))).item<float>();
        Console.WriteLine($"{name,-8} τ = {temperature,-5}: loss {loss:F3}   (ln 2 = {Math.Log(2):F3} is a coin toss)");
    }

// ### Training
//
// Each step draws 64 training images, pairs each with a random caption of its class, and minimises the symmetric
// loss. With eight classes in a batch of 64 there are about eight images of each class, and a caption of the same
// class *is* a right answer for all of them; plain InfoNCE would call it wrong. So the batch's classes are passed as
// groups: each row's target is spread evenly over its class's captions. That also sets a floor: a row with *k* right
// answers cannot score below ln *k* (about ln 8 here), so the loss levels off above 2 and that is not a failure to
// learn.
//
// The step runs on one CPU thread. Both models are tiny (a BERT of width 64, a CNN of 16 and 32 channels), and on a
// shared or busy machine two threads working on such small products spend more time waiting on each other than
// computing; the cell sets one thread for training and restores the previous count afterwards.

// Cell 35
var trainingOptions = new ClipTrainingOptions(HeldOutClasses: heldOut, Steps: 200, BatchSize: 64, LearningRate: 2e-3);
var threads = torch.get_num_threads();
torch.set_num_threads(1);
ClipTrainingResult clipRun;
try
{
    clipRun = ClipTraining.Train(clip, fashionTrain, captions, captionTokenizer, trainingOptions,
        (step, loss) => { if (step % 50 == 0) Console.WriteLine($"step {step,3}: loss {loss:F3}"); });
}
finally
{
    torch.set_num_threads(threads);
}
var floor = Math.Log(trainingOptions.BatchSize / (double)clipRun.TrainedClasses.Count);
Console.WriteLine($"{clipRun.Losses.Count} steps on {clipRun.TrainingImages:N0} training images in {clipRun.Elapsed.TotalSeconds:F1} s " +
                  $"on 1 thread (then back to {threads}); " +
                  $"learned temperature τ = {clipRun.FinalTemperature:F4} (from 0.07); " +
                  $"floor ≈ ln({trainingOptions.BatchSize}/{clipRun.TrainedClasses.Count}) = {floor:F2}");

// Cell 36
var smoothed = clipRun.Losses.Select((_, i) => clipRun.Losses.Skip(Math.Max(0, i - 9)).Take(Math.Min(10, i + 1)).Average()).ToArray();
Charts.Curves([("batch loss", clipRun.Losses), ("mean of the last 10 steps", smoothed),
               ("floor ≈ ln 8", Enumerable.Repeat(floor, clipRun.Losses.Count).ToArray())],
    "optimizer step", "symmetric InfoNCE loss (nats)", title: "Contrastive training of the image and text encoders").Display();

// ### Zero-shot classification
//
// Now the test images: 200 of each class, the held-out classes included. Every image gets the class of its most
// similar caption among **all sixty** captions. For the eight trained classes that is ordinary (if unusual)
// classification. For the two held-out classes it is zero-shot: the model has never seen a pullover or an ankle boot,
// nor read a caption written for one. We also score the classic zero-shot setting, where a held-out image only has to
// choose among the held-out classes' captions.

// Cell 38
var fashionTestSample = fashionTest.SamplePerClass(200, seed: 0);
var space = ClipEmbeddings.Compute(clip, fashionTestSample, captions, captionTokenizer);
var zeroShot = space.ZeroShot([.. heldOut]);
new Table(["images", "choosing among", "accuracy", "chance"], [
    ["trained classes (8)", "all 10 classes' captions", $"{zeroShot.TrainedAccuracy:P1}", $"{zeroShot.Chance:P0}"],
    ["held-out classes (2)", "all 10 classes' captions", $"{zeroShot.HeldOutAccuracy:P1}", $"{zeroShot.Chance:P0}"],
    ["held-out classes (2)", "the 2 held-out classes' captions", $"{zeroShot.HeldOutAmongHeldOutAccuracy:P1}",
     $"{zeroShot.HeldOutChance:P0}"]],
    caption: $"Zero-shot classification of {space.ImageLabels.Count:N0} test images by the nearest caption").Display();

// Cell 39
foreach (var k in heldOut)
{
    var row = Enumerable.Range(0, classNames.Count).Select(p => (Class: classNames[p],
        Count: zeroShot.Confusion[k, p])).Where(r => r.Count > 0).OrderByDescending(r => r.Count);
    Console.WriteLine($"{classNames[k]} images were taken for: {string.Join(", ", row.Select(r => $"{r.Class} {r.Count}"))}");
}
Charts.ConfusionMatrix(zeroShot.Confusion, classNames,
                       title: "Nearest caption among all classes (rows: true class of 200 test images each)").Display();

// Read the two held-out rows and compare the last two lines of the table. Choosing between *Pullover* and *Ankle
// boot* only is the easy case: one is worn on the upper body, the other on the feet, and the model learned both
// attributes from other classes. Among all ten classes the held-out images compete with trained classes that look
// like them (the printed counts name which), and the trained classes usually win, because the image encoder was
// trained to put those very shapes next to *their* captions. This pull towards seen classes is the known weakness of
// "generalised" zero-shot learning; CLIP softens it with 400 million pairs of varied text, in which nearly every
// class it is later tested on has been described somewhere.
//
// The similarity matrix below averages, for each class, the test images' embeddings and the captions' embeddings, and
// shows the cosine of every pair. A bright diagonal means images sit nearest their own class's captions; the held-out
// rows and columns show where the new classes landed.

// Cell 41
double[,] ClassSimilarity()
{
    using var _ = no_grad();
    var labels = tensor(space.ImageLabels.Select(l => (long)l).ToArray());
    var captionLabels = tensor(captions.Labels.Select(l => (long)l).ToArray());
    var result = new double[classNames.Count, classNames.Count];
    Tensor MeanOf(Tensor rows, Tensor which,
                  int k) => nn.functional.normalize(rows.index_select(0, which.eq(k).nonzero().squeeze(1)).mean([0]), p: 2, dim: 0);
    for (var i = 0; i < classNames.Count; i++)
        for (var j = 0; j < classNames.Count; j++)
            result[i, j] = MeanOf(space.Images, labels, i).dot(MeanOf(space.Captions, captionLabels, j)).item<float>();
    return result;
}
string Marked(int k) => heldOut.Contains(k) ? $"{classNames[k]} (held out)" : classNames[k];
var classLabels = Enumerable.Range(0, classNames.Count).Select(Marked).ToArray();
Charts.Heatmap(ClassSimilarity(), classLabels, classLabels, "images of class", "captions of class",
    title: "Cosine similarity of class-mean image and caption embeddings", valueFormat: "F2").Display();

// ### Retrieval in both directions
//
// Image → text: for one test image of each class, the three captions nearest to it. Text → image: for a query
// caption, the eight test images nearest to it. The held-out classes are included; look at what their nearest
// captions say. A query made of held-out attributes is the hardest case: each word was learned on some other class,
// and their combination can land nearer a trained class's images than the new class's — compare its row with the
// zero-shot table.

// Cell 43
var shown = new[] { 0, 1, 3, 4, 5, 7, 8, 2,
                   9 }.Select(k => Enumerable.Range(0, space.ImageLabels.Count).First(i => space.ImageLabels[i] == k)).ToArray();
foreach (var i in shown)
{
    var nearest = space.NearestCaptions(i, 3);
    Console.WriteLine($"{Marked(space.ImageLabels[i]),-24} → " +
                      $"{string.Join("  |  ", nearest.Select(n => $"{n.Caption.Text} ({n.Caption.ClassName}, {n.Similarity:F2})"))}");
}
ImageGrid.FromTensor(fashionTestSample.Subset(shown).ToTensors().Images,
    shown.Select(i => $"{classNames[space.ImageLabels[i]]}:\n{space.NearestCaptions(i, 1)[0].Caption.Text}").ToArray(), columns: 9, zoom: 3,
    title: "Test images with their nearest caption").Display();

// Cell 44
var queries = new[] { "worn on the feet for cold weather, covers the ankle", "a warm top with long sleeves and a round neck",
                     "carried in the hand by a handle" };
var (queryIds, queryMask) = captionTokenizer.Encode(queries);
Tensor queryEmbeddings;
using (no_grad()) queryEmbeddings = clip.EncodeTexts(queryIds.to(device), queryMask.to(device)).cpu();
var hits = queries.Select((q, r) => space.NearestImages(queryEmbeddings[r], 8)).ToArray();
for (var r = 0; r < queries.Length; r++)
    Console.WriteLine($"\"{queries[r]}\" → {string.Join(", ", hits[r].Select(i => classNames[space.ImageLabels[i]]))}");
ImageGrid.FromTensor(fashionTestSample.Subset(hits.SelectMany(h => h).ToArray()).ToTensors().Images,
    hits.SelectMany((h, r) => h.Select((_, n) => n == 0 ? $"\"{queries[r]}\"" : "")).ToArray(), columns: 8, zoom: 3,
    title: "The eight test images nearest to each query (one row per query; the first two describe held-out classes)").Display();

// ### Both modalities in one picture
//
// PCA (`Workbook.Data.PrincipalComponents`, the same numbers as scikit-learn's) finds the two directions along which
// the embeddings vary most; below, 30 test images per class (dots) and all sixty captions (diamonds) are projected
// onto them, one colour per class. Two dimensions out of 64 keep only part of the geometry — the printed share of
// variance says how much — so a dot near a diamond here is a hint, not a proof, that they are near in the full space.

// Cell 46
var perClass = Enumerable.Range(0, classNames.Count).SelectMany(k => Enumerable.Range(0,
    space.ImageLabels.Count).Where(i => space.ImageLabels[i] == k).Take(30)).ToArray();
var pictureImages = space.Images.index_select(0, tensor(perClass.Select(i => (long)i).ToArray()));
var pca = PrincipalComponents.Fit(cat([pictureImages, space.Captions], 0), components: 2);
Console.WriteLine($"the two components hold {pca.ExplainedVarianceRatio[0]:P0} and {pca.ExplainedVarianceRatio[1]:P0} of the variance of " +
                  "images and captions together");
var imagePoints = pca.Transform(pictureImages).data<double>().ToArray();
var captionPoints = pca.Transform(space.Captions).data<double>().ToArray();
var series = new List<ScatterSeries>();
for (var k = 0; k < classNames.Count; k++)
{
    var rows = perClass.Select((i, r) => (i, r)).Where(p => space.ImageLabels[p.i] == k).Select(p => p.r).ToArray();
    series.Add(new ScatterSeries($"{Marked(k)} images", rows.Select(r => imagePoints[2 * r]).ToArray(),
                                 rows.Select(r => imagePoints[2 * r + 1]).ToArray(), k));
    var own = Enumerable.Range(0, captions.Captions.Count).Where(j => captions.Captions[j].Label == k).ToArray();
    series.Add(new ScatterSeries($"{Marked(k)} captions", own.Select(j => captionPoints[2 * j]).ToArray(),
                                 own.Select(j => captionPoints[2 * j + 1]).ToArray(), k,
        Emphasised: true, Labels: own.Select(j => captions.Captions[j].Text).ToArray()));
}
Charts.Scatter(series, "first principal component", "second principal component",
               title: "Image (dots) and caption (diamonds) embeddings, PCA to 2-D").Display();

// ### What this toy shows about CLIP, and what it does not
//
// It shows the mechanism, end to end and measured: two encoders that start unrelated, trained only to agree on which
// caption goes with which picture, end up sharing a space where retrieval works in both directions and a caption acts
// as a classifier; the temperature is a parameter like the others (it barely moves in 200 steps here; CLIP's ended at
// the clamp, a scale of 100); and a class neither encoder ever saw can be recognised from captions built of words
// learned on other classes — well when it only has to be told apart from another new class, much less well when seen
// classes compete.
//
// It does not show why CLIP transfers to thousands of real categories. Our captions are sixty templated phrases over
// ten classes, written by hand with the class in mind, so the text side learns little more than which attributes go
// with which shape; CLIP's 400 million captions were written by people for their own purposes, and its encoders are
// thousands of times larger. Our test images come from the very distribution of the training images, so nothing here
// measures robustness to new kinds of pictures, and two held-out classes is a sample of two: the zero-shot figures
// above change with the choice of classes (Exercise 1), the seed and the number of steps. Treat them as a
// demonstration of the method, not as evidence of how well it scales.

// ## Exercises
//
// 1. Mask a word of your own choosing in a verse from a held-out book (Ruth, Ecclesiastes, Joel, Jonah, Mark,
//    Galatians) and one from a training book. Does the shipped model do better on the verse it has read?
//    <details><summary>Hint</summary>
//
//    ```csharp
//    FillMask.Predict(bert, vocabulary, tokenizer, "And Jonah was in the belly of the [MASK] three days and three nights.", 5)
//    ```
//    Jonah is held out; compare with a Genesis verse. The model has learned the King James idiom — recurring phrases
//    ("the [MASK] of the LORD") and which kind of word fits where — rather than the verses themselves, so expect it
//    to be right or plausible on read and unread books alike, and wrong where only the story tells the answer.
//    </details>
// 2. Give the two BERTs 256 fine-tuning steps instead of 64 (`fineTuning with { Steps = 256 }`) on the 1 600-verse
//    set, so that each verse is seen two or three times. Does the pretrained model now reach the bag of words? Does
//    the randomly initialised one catch up?
//    <details><summary>Solution</summary>
//
//    ```csharp
//    var longer = fineTuning with { Steps = 256, WarmupSteps = 20 };
//    var labelled = labelledPool.Take(1600).ToList();
//    var ids = labelled.Select(Encode).ToList();
//    var y = labelled.Select(v => kindIndex[KindOf(v)]).ToList();
//    double MacroF1(BertForSequenceClassification m) =>
//        ClassificationMetrics.F1(testLabels, SequenceClassifierTraining.Predict(m, testIds), Averaging.Macro);
//    manual_seed(1);
//    using var scratch = new BertForSequenceClassification(bert.Config.WithLabels(kinds), device);
//    SequenceClassifierTraining.FineTune(scratch, ids, y, longer);
//    using var pretrained = BertForSequenceClassification.FromPretrainedEncoder(shipped, kinds, device);
//    SequenceClassifierTraining.FineTune(pretrained, ids, y, longer);
//    Console.WriteLine($"random init {MacroF1(scratch):F3}, pretrained {MacroF1(pretrained):F3}");
//    ```
//    Compare with the 1 600-verse rows of the table. Four times the steps cost four times the time (about half a
//    minute per model here). More steps let the pretrained encoder use the whole labelled set; the randomly
//    initialised one gains far less, because what it lacks is the language, not the steps — which is the case for
//    pretraining. Run it with another seed before drawing a conclusion from one number.
//    </details>
// 3. The bag of words ignores order. Build a verse where order is all that matters (swap subject and object of a
//    sentence) and check that its two versions get identical bag-of-words scores but different BERT vectors.
//    <details><summary>Hint</summary>
//
//    The bag of words sees the same frequencies, so `bag.Predict` must give the same class for both. For BERT,
//    compare `bert.Bert.Encode(...)`'s `LastHiddenState` at the `[CLS]` position (index 0) of the two inputs:
//    position embeddings and attention make them differ.
//    </details>
// 4. Look at the attention maps of the last layer (`AttentionMap(s.Layers - 1, h)`). Are they sharper or more diffuse
//    than the first layer's? Mask a word in the verse and see whether any head of any layer attends from `[MASK]` to
//    the word's repetition ("light … light").
//    <details><summary>Hint</summary>
//
//    Change `verse` to "And God said, Let there be [MASK]: and there was light." and re-run the attention cells. A
//    head that links the mask to the other "light" is a plausible mechanism for the fill-in, but remember the caveat
//    above: it shows where information *can* flow, not that the answer came from there.
//    </details>
// 5. Hold out **Sandal** and **Shirt** (labels 5 and 6) instead. First predict, from the captions, which of the two
//    zero-shot accuracies among all captions will be worse, then retrain and check.
//    <details><summary>Hint</summary>
//
//    Set `heldOut` to `[5, 6]` in the captions cell (and pass it on: `trainingOptions` already uses `heldOut`), and
//    look at `captions.UnseenWords([5, 6])` first: a word no trained caption uses reaches the text encoder as
//    `[UNK]`. A shirt shares *collar*, *buttons* and *long sleeves* with the coat, which the model has learned to
//    recognise.
//    </details>
//
//    <details><summary>Solution</summary>
//
//    ```csharp
//    IReadOnlyList<int> heldOut = [5, 6];
//    Console.WriteLine(string.Join(", ", captions.UnseenWords([.. heldOut])));   // an, open, around, toes, are, sometimes, held, shirt
//    ```
//    Then rerun every cell from the captionTokenizer onwards. The sandal's captions lose *open*, *toes* and *around*
//    to `[UNK]`, and the word *shirt* is new too. Even so, expect the shirts to fare worse: a shirt looks like four
//    trained classes (T-shirt, pullover, dress, coat) and its images scatter among their captions, while a sandal
//    competes only with the other footwear. Among the two held-out classes alone, feet against upper body still
//    separates them almost perfectly.
//    </details>
// 6. Train with plain InfoNCE, where only an image's own caption counts as right (`SameClassPositives: false`), and
//    compare the loss curve and the zero-shot table with the grouped run.
//    <details><summary>Hint</summary>
//
//    Add `SameClassPositives: false` to `trainingOptions`, rebuild the model (the `torch.manual_seed(0)` cell) so
//    both runs start from the same weights, and rerun. With about eight images of a class in a batch, seven of the
//    eight captions of that class are now counted as wrong answers for each image.
//    </details>
//
//    <details><summary>Solution</summary>
//
//    ```csharp
//    var trainingOptions = new ClipTrainingOptions(HeldOutClasses: heldOut, Steps: 200, BatchSize: 64, LearningRate: 2e-3,
//                                                  SameClassPositives: false);
//    ```
//    Expect little difference here, and that is the lesson: when two images of a class draw the *same* caption, their
//    text embeddings are identical and no model can say which is whose, so plain InfoNCE has almost the same floor as
//    the grouped loss, and the false negatives it creates (another phrasing of the same class) are few in a batch of
//    64. The groups matter when many pairs of a batch share a class, with a small batch of few classes or a larger
//    batch, and they make the floor explicit. A difference of a few points between two single runs is within what the
//    seed alone changes.
//    </details>

// Cell 49
// Your experiments here: bert (the shipped masked LM), vocabulary, tokenizer, bible, kinds, KindOf, labelledPool,
// testIds / testLabels, fineTuning and AttentionMap are defined.
new Table(["guess", "probability"],
    FillMask.Predict(bert, vocabulary, tokenizer, "And Jonah was in the belly of the [MASK] three days and three nights.", 5)
        .Select(p => Table.Row(p.Token, $"{p.Probability:P1}"))).Display();

// --- **Previous:** [11 · Fine-tuning GPT-2: full and LoRA](11-fine-tuning-gpt2.ipynb) · **Next:** [13 · wav2vec2
// speech recognition](13-wav2vec2-speech-recognition.ipynb) · [Chapter list](../README.md#chapters)
