// Generated from notebooks/10-gpt2-text-generation.ipynb by tools/notebook-to-app.sh: edit the notebook, then regenerate.
// Run from the repository root: dotnet run apps/10-gpt2-text-generation.cs
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
using Plotly.NET.CSharp;
using Workbook.Gpt2;
using Workbook.Hub;
using Workbook.Notebook;
using Workbook.Text;
using Workbook.Notebook.Apps;   // .Display() on the console

// # 10 · GPT-2 text generation
//
// The classic snippet in Python:
//
// ```python
// tokenizer = GPT2Tokenizer.from_pretrained("gpt2")
// model = GPT2LMHeadModel.from_pretrained("gpt2")
// input_ids = tokenizer.encode("I love", return_tensors="pt")
// output = model.generate(input_ids, max_length=50)
// print(tokenizer.decode(output[0]))
// ```
//
// This chapter does the same in C# — the real `gpt2` files from the Hugging Face hub, loaded straight from
// `model.safetensors` into a GPT-2 written in TorchSharp (`lib/Gpt2`), producing the same tokens as transformers —
// and opens up every step of it.
//
// **What you will learn**
// - how GPT-2's byte-level BPE tokenizer cuts text into tokens, shown token by token;
// - how a decoder-only transformer turns token ids into a next-token distribution, with the tensor shapes at each
//   step;
// - greedy decoding, temperature, top-k and top-p sampling, with a chart of how each reshapes or cuts the
//   distribution;
// - why greedy text repeats itself and what a repetition penalty does;
// - the KV cache, and its speed-up measured;
// - streaming output, token by token, without splitting a UTF-8 character.
//
// Without access to the hub (as on this project's CI) the chapter says so in one line and continues with the small
// GPT the workbook ships in `data/models/kjv-gpt`: the same architecture, much smaller, with its own byte-level BPE
// vocabulary, trained by chapter 09's recipe on the King James Bible. Every cell runs the same code on it; it writes
// English in the manner of that one book, and every number it prints is its own, not GPT-2's.

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

// Large models on Linux: keep glibc from holding on to freed activation blocks (lower peak memory; see the README's benchmark).
Workbook.Native.GlibcMalloc.FixMmapThreshold();

// ## Getting the model
//
// `HubClient` resolves `openai-community/gpt2` (the hub's current name for `gpt2`) to
// `https://huggingface.co/openai-community/gpt2/resolve/main/<file>` and stores the files in the cache layout the
// Python `huggingface_hub` uses (`~/.cache/huggingface/hub`, or `HF_HUB_CACHE` / `HF_HOME`), so Python and .NET share
// one copy. It resumes interrupted downloads and checks each large file's SHA-256 against the hub's. The cell looks
// in the cache first, then asks the hub, and otherwise takes the shipped small model (`Gpt2ModelChoice`).

// Cell 5
var hub = new HubClient(new HubOptions { ConnectTimeout = TimeSpan.FromSeconds(5), RequestTimeout = TimeSpan.FromSeconds(5) });
Action<DownloadProgress> updateBar = null;                               // the bar appears with the first byte: a cached model shows none
var progress = new Progress<DownloadProgress>(p =>
{
    if (updateBar is null) { var shown = p.ToProgressBar().Display(); updateBar = q => shown.Update(q.ToProgressBar()); }
    else updateBar(p);
});
var choice = await Gpt2ModelChoice.FindAsync(hub, progress);             // cache, else hub, else the shipped small model
Console.WriteLine(choice.Message);
var isRealGpt2 = choice.IsRealGpt2;
var gpt2 = choice.Load(device);
var model = gpt2.Model;
var tokenizer = gpt2.Tokenizer;
var config = model.Config;
Console.WriteLine($"{config.LayerCount} layers, {config.HeadCount} heads, embedding {config.EmbeddingSize}, " +
                  $"context {config.ContextLength}, " +
                  $"vocabulary {config.VocabSize}: {model.parameters().Sum(p => p.numel()):N0} parameters");

// ## Tokens
//
// GPT-2 does not see characters or words but **tokens**: byte-level BPE pieces from a vocabulary of 50 257 (the
// shipped small model learned its own, smaller vocabulary from the Bible the same way: its size is printed above).
// Frequent words are one token, rare ones several; a leading space belongs to the token and is shown as `Ġ` (a
// newline as `Ċ`), because the vocabulary maps each of the 256 byte values to a printable character. Any byte
// sequence can be encoded, so there is no "unknown" token — an emoji simply takes several byte-tokens.

// Cell 7
new Table(["text", "tokens", "ids"],
    new[] { "I love", "I love tokenization!", "Unbelievably, 1234567 ☕" }.Select(text =>
        Table.Row(text, string.Join(" | ", tokenizer.Tokenize(text)), string.Join(", ", tokenizer.Encode(text))))).Display();

// ## The classic snippet
//
// `max_length=50` counts the prompt too: two prompt tokens plus 48 new ones. Without `do_sample`, `generate` is
// **greedy**: at each step it appends the single most likely next token.

// Cell 9
var classic = gpt2.Generate("I love", new GenerationOptions { MaxLength = 50 });
Console.WriteLine(classic);

// With the real weights this prints the same text as transformers (the library's tests check the published greedy
// continuation of "The dog" token for token when real weights are present; see the README), and greedy text from a
// trained model tends to repeat itself — a section below is about that. With the shipped small model the text is its
// own: the words and phrases of the King James Bible, which is all it has read, and greedy decoding falls into a loop
// within a sentence or two.
//
// ## From token ids to a next-token distribution
//
// GPT-2 is a **decoder-only transformer**. For a prompt of *n* tokens:
//
// 1. each id picks a row of the token embedding `wte` and each position a row of the position embedding `wpe`; their
//    sum is the input, shape [batch, n, d] — d = 768 for `gpt2`;
// 2. L blocks (12 for `gpt2`) each apply layer norm → causal self-attention (every position mixes in the positions
//    before it, never after) → residual add, then layer norm → MLP (d → 4d → d, GELU) → residual add; shapes stay
//    [batch, n, d];
// 3. a final layer norm, then a product with `wte` itself (the head is *tied* to the embedding) gives logits [batch,
//    n, 50257]: a score for every vocabulary token at every position;
// 4. the last position's logits, through a softmax, are the distribution of the next token.
//
// The same steps, on the loaded model's tensors (its own d and L, printed when it was loaded):

// Cell 11
var prompt = tokenizer.Encode("I love").Select(id => (long)id).ToArray();
var ids = torch.tensor(prompt, device: device).unsqueeze(0);
using (torch.no_grad())
{
    var hidden = model.HiddenStates(ids);
    var logits = model.Logits(hidden);
    var next = logits[0, -1].softmax(-1);
    new Table(["step", "shape"], new (string, long[])[]
    {
        ("token ids", ids.shape),
        ($"after {config.LayerCount} blocks and ln_f", hidden.shape),
        ("logits (hidden · wteᵀ)", logits.shape),
        ("next-token probabilities (last position)", next.shape),
    }.Select(r => Table.Row(r.Item1, $"[{string.Join(", ", r.Item2)}]"))).Display();
    var top = next.topk(5);
    for (var i = 0; i < 5; i++)
        Console.WriteLine($"{tokenizer.TokenString((int)top.indexes[i].item<long>()),-12} {top.values[i].item<float>():P3}");
    Console.WriteLine($"the most likely token has {top.values[0].item<float>() * config.VocabSize:F0}× the probability of a uniform " +
                      $"guess (1/{config.VocabSize})");
}

// ## Greedy, temperature, top-k, top-p
//
// Sampling draws the next token at random from the distribution instead of taking the top one. Three knobs reshape or
// cut the distribution first (applied in this order, as in transformers):
//
// - **temperature** T divides the logits: T < 1 sharpens the distribution toward the top tokens, T > 1 flattens it;
// - **top-k** keeps only the k most likely tokens;
// - **top-p** (nucleus) keeps the smallest set of most likely tokens whose probabilities add up to at least p.
//
// Here is the next-token distribution after "I love" — its 15 most likely tokens — under each:

// Cell 13
Tensor nextLogits;
using (torch.no_grad()) nextLogits = model.call(ids)[.., -1, ..];          // [1, vocab]
var shownIds = nextLogits[0].topk(15).indexes.cpu().data<long>().ToArray();
var labels = shownIds.Select(id => tokenizer.TokenString((int)id).Replace('Ġ', '␣')).ToArray();
double[] Probabilities(Tensor scores)
{
    var p = scores.softmax(-1)[0].cpu();
    return shownIds.Select(id => (double)p[id].item<float>()).ToArray();
}

var variants = new (string Name, Tensor Scores)[]
{
    ("plain (T = 1)", nextLogits),
    ("temperature 0.7", LogitsProcessing.Temperature(nextLogits, 0.7)),
    ("temperature 1.5", LogitsProcessing.Temperature(nextLogits, 1.5)),
    ("top-k = 5", LogitsProcessing.TopK(nextLogits, 5)),
    ("top-p = 0.5", LogitsProcessing.TopP(nextLogits, 0.5)),
};
Chart.Combine(variants.Select(v => Chart.Column<double, string, string>(Probabilities(v.Scores), Keys: labels, Name: v.Name)))
     .WithXAxisStyle<double, double, string>(TitleText: "next token: the 15 most likely at T = 1 (␣ marks a leading space)")
     .WithYAxisStyle<double, double, string>(TitleText: "probability")
     .Titled("Next token after \"I love\": how each strategy reshapes or cuts the distribution").Display();

// Greedy always takes the tallest bar. Top-k = 5 zeroes everything after the fifth bar and renormalises the rest;
// top-p = 0.5 keeps however many bars it takes to reach half of the probability mass. Generating with each — sampling
// is seeded, so every run of this cell prints the same text:

// Cell 15
var strategies = new (string Name, GenerationOptions Options)[]
{
    ("greedy", GenerationOptions.Greedy(30)),
    ("temperature 0.7", GenerationOptions.Sampling(30, seed: 42, temperature: 0.7, topK: 0)),
    ("temperature 1.5", GenerationOptions.Sampling(30, seed: 42, temperature: 1.5, topK: 0)),
    ("top-k 40", GenerationOptions.Sampling(30, seed: 42, topK: 40)),
    ("top-p 0.9", GenerationOptions.Sampling(30, seed: 42, topK: 0, topP: 0.9)),
};
new Table(["strategy", "text"], strategies.Select(s => Table.Row(s.Name, gpt2.Generate("I love", s.Options)))).Display();

// > **Question.** transformers' `generate` defaults to `top_k=50` whenever `do_sample=True`.
// > `GenerationOptions.Sampling` copies that default; the cell above passes `topK: 0` to switch it off for the pure
// > temperature and top-p rows. What would the "temperature 1.5" row look like with the default left on?
//
// ## Repetition and its penalty
//
// Greedy decoding maximises each step's probability, and a text that has just said something makes saying it again
// more likely — so greedy text falls into loops. The **repetition penalty** (from the CTRL paper, as transformers
// implements it) divides the positive logits of every token already in the text by a factor > 1 (and multiplies the
// negative ones), making repeats less attractive. A simple measure of repetitiveness is the share of distinct
// three-token sequences:

// Cell 17
double DistinctTrigrams(string text)
{
    var t = tokenizer.Encode(text);
    var trigrams = Enumerable.Range(0, Math.Max(0, t.Length - 2)).Select(i => (t[i], t[i + 1], t[i + 2])).ToList();
    return trigrams.Count == 0 ? 1 : (double)trigrams.Distinct().Count() / trigrams.Count;
}
new Table(["repetition penalty", "distinct trigrams", "text"],
    new[] { 1.0, 1.2, 1.5 }.Select(penalty =>
    {
        var text = gpt2.Generate("I love", new GenerationOptions { MaxNewTokens = 60, RepetitionPenalty = penalty });
        return Table.Row($"{penalty}", $"{DistinctTrigrams(text):P0}", text);
    })).Display();

// ## The KV cache
//
// Each new token needs attention over all previous positions. Without a cache, step *t* runs the whole prefix again:
// O(t) work in the projections and the MLP and O(t²) in attention (every position against every earlier one), so a
// generation of n tokens costs O(n²) and O(n³) in total. The **KV cache** keeps each layer's keys and values from
// earlier steps, so step *t* computes only the new position — O(1) in the projections and MLP, O(t) in attention (the
// new query against the cached keys), O(n) and O(n²) over the generation: a *prefill* of the prompt, then one cheap
// *decode* step per token. The output is identical; only the time changes. Timed on the loaded model and, when that
// is the small one, also on a model of GPT-2's real size (124 M parameters with random weights, which take exactly as
// long as trained ones), then the text the loaded model wrote:

// Cell 19
// The loaded model, and — when that is the small one — a GPT-2 of the real size with random weights, which takes as long per token.
var loadedName = isRealGpt2 ? "gpt2 (124 M)" : $"the loaded model ({model.parameters().Sum(p => p.numel()) / 1e6:F1} M)";
var timedModels = new List<(string Name, Gpt2TextGenerator Generator)> { (loadedName, gpt2) };
if (!isRealGpt2) timedModels.Add(("GPT-2's size, random weights (124 M)",
                                  new Gpt2TextGenerator(new Gpt2LMHeadModel(Gpt2Config.Gpt2, device), tokenizer)));
var timedPrompt = tokenizer.Encode("The KV cache makes each decoding step cheap because");
var rows = new List<IReadOnlyList<string>>();
int[] loadedWithCache = null;
foreach (var (name, timed) in timedModels)
{
    timed.Generator.Generate(timedPrompt, GenerationOptions.Greedy(2));    // warm-up
    int[] withCache = null;
    foreach (var useCache in new[] { true, false })
    {
        var clock = Stopwatch.StartNew();
        var output = timed.Generator.Generate(timedPrompt, GenerationOptions.Greedy(32) with { UseCache = useCache, StopAtEos = false });
        var seconds = clock.Elapsed.TotalSeconds;
        withCache ??= output;
        loadedWithCache ??= output;
        rows.Add([name, useCache ? "with KV cache" : "without", $"{seconds:F2}", $"{32 / seconds:F1}",
                  output.SequenceEqual(withCache) ? "yes" : "NO"]);
    }
}
new Table(["model", "decoding", "seconds for 32 tokens", "tokens/s", "same tokens"], rows).Display();
Console.WriteLine(tokenizer.Decode(loadedWithCache));

// The gap grows with the length of the text: without the cache step *t* processes *t* positions, with it one. The
// benchmark (`tools/bench.sh gpt2`, table in the README) measures prefill and decode separately.
//
// ## Streaming
//
// A chat interface shows text as it is produced. `Stream` (or `StreamAsync`, an `IAsyncEnumerable<string>`) yields
// each new piece as soon as its token is chosen. A piece is not always a token: an emoji or an accented letter can
// span several byte-level tokens, and printing each token's bytes separately would show broken characters (`�`). The
// streaming decoder holds bytes back until they complete a character. One output, updated in place:

// Cell 21
var streamed = "I love";
var display = streamed.Display();
await foreach (var piece in gpt2.StreamAsync("I love", GenerationOptions.Sampling(40, seed: 7, topP: 0.9)))
{
    streamed += piece;
    display.Update(streamed);
}

// ## Exercises
//
// 1. Run the classic snippet with `MaxNewTokens = 48` instead of `MaxLength = 50`. Same text? Why?
//    <details><summary>Hint</summary>
//
//    `gpt2.Generate("I love", new GenerationOptions { MaxNewTokens = 48 })` and compare the string with `classic`. "I
//    love" is two tokens (`tokenizer.Encode("I love").Length`), so 50 tokens in all and 48 new ones are the same
//    request, and greedy decoding is deterministic: the texts are identical. They would differ for a prompt of
//    another length, which is why `max_new_tokens` is the safer habit (and why `MaxNewTokens` wins when both are
//    set).
//    </details>
// 2. Find a temperature at which the top-p = 0.9 text becomes ungrammatical. What does the bar chart look like at
//    that temperature?
//    <details><summary>Hint</summary>
//
//    Use the sampling row of the strategies cell with your own temperature: `gpt2.Generate("I love",
//    GenerationOptions.Sampling(30, seed: 42, temperature: t, topK: 0, topP: 0.9))`, and add `($"temperature {t}",
//    LogitsProcessing.Temperature(nextLogits, t))` to `variants` for the chart. Temperature is applied before the
//    top-p cut, so a flatter distribution needs more tokens to reach 0.9 of the mass: the bars even out and the
//    nucleus admits ever less likely tokens. The shipped small model shows the same, at its own temperatures: its
//    distribution is different from GPT-2's, so the point where its text breaks down is too.
//    </details>
// 3. Batch generation: `gpt2.Generator.Generate([promptA, promptB], GenerationOptions.Greedy(20))` pads the shorter
//    prompt on the left and masks it. Check that each row equals generating that prompt alone.
//    <details><summary>Hint</summary>
//
//    ```csharp
//    var (promptA, promptB) = (tokenizer.Encode("I love"), tokenizer.Encode("The weather in Paris is"));
//    var both = gpt2.Generator.Generate([promptA, promptB], GenerationOptions.Greedy(20));
//    Console.WriteLine(both[0].SequenceEqual(gpt2.Generator.Generate(promptA, GenerationOptions.Greedy(20))));
//    ```
//    and the same for `promptB`. The rows agree up to float rounding: the padded row sums its attention over a
//    differently shaped batch, so where two next-token logits are nearly tied, greedy could pick the other one. If a
//    row differs, look at the first differing step and compare the top two logits there.
//    </details>
// 4. Load `distilbert/distilgpt2` (6 layers) with `Gpt2TextGenerator.FromHubAsync` and time the KV-cache cell again.
//    <details><summary>Hint</summary>
//
//    `var distil = await Gpt2TextGenerator.FromHubAsync(hub, "distilbert/distilgpt2", device: device);` (needs the
//    hub; it throws a `HubException` offline), then set `timed = distil` in the KV-cache cell. Expect it to be
//    faster, but well under 2×: the 6 blocks halve the blocks' work, while the output product with the 50257 × 768
//    embedding (about 39 M multiply-adds per token, as much as five or six blocks) stays the same.
//    </details>
//
// ## Playground

// Cell 23
// Your experiments here: gpt2 (model + tokenizer), model, tokenizer, nextLogits and LogitsProcessing are defined.
gpt2.Generate("The dog", GenerationOptions.Sampling(30, seed: 1, temperature: 0.8)).Display();

// --- **Previous:** [09 · Pretraining a language model](09-pretraining-a-language-model.ipynb) · **Next:** [11 ·
// Fine-tuning GPT-2: full and LoRA](11-fine-tuning-gpt2.ipynb) · [Chapter list](../README.md#chapters)
