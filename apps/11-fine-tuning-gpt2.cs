// Generated from notebooks/11-fine-tuning-gpt2.ipynb by tools/notebook-to-app.sh: edit the notebook, then regenerate.
// Run from the repository root: dotnet run apps/11-fine-tuning-gpt2.cs
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
using Workbook.Runtime;
using System.Diagnostics;
using System.IO;
using Plotly.NET.CSharp;
using Workbook.Data;
using Workbook.Gpt2;
using Workbook.Hub;
using Workbook.LanguageModels;
using Workbook.Lora;
using Workbook.Notebook;
using Workbook.Notebook.Apps;   // .Display() on the console

// # 11 · Fine-tuning GPT-2: full and LoRA
//
// The classic snippet in Python — LoRA with the PEFT library, as it is usually copied from a Llama tutorial onto
// GPT-2:
//
// ```python
// model = AutoModelForCausalLM.from_pretrained("gpt2")
// config = LoraConfig(r=8, lora_alpha=16, lora_dropout=0.05, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM")
// model = get_peft_model(model, config)
// optimizer = torch.optim.AdamW(model.parameters(), lr=2e-5)
// for batch in loader:
//     loss = model(**batch, labels=batch["input_ids"]).loss
//     loss.backward()
//     optimizer.step()
// model.save_pretrained("bierce-lora")
// ```
//
// It has five mistakes; the section "The snippet, fixed" near the end lists them with the fixes. This chapter
// fine-tunes a GPT-2 in C# on a second text in a very different style — Ambrose Bierce's *The Devil's Dictionary*
// (1911) — twice: every weight (**full fine-tuning**), and small low-rank adapters beside frozen weights (**LoRA**,
// `lib/Lora`), and measures what each costs and what each forgets.
//
// **What you will learn**
// - what full fine-tuning trains, and what it costs in gradients and optimizer state;
// - how LoRA works: a frozen weight W plus a trainable low-rank update (α/r)·B·A, with rank r, alpha α and dropout;
//   why B starts at zero; how many parameters that is;
// - validation perplexity on the new text *and* on the old one, before and after: what forgetting looks like;
// - samples before and after that show the change of style; the time and memory of each way, measured;
// - merging an adapter into the weights, and saving it alone in the PEFT library's file layout.
//
// The chapter starts from OpenAI's `gpt2` when it is in the Hugging Face cache or the hub answers; otherwise (as on
// this project's CI) it says so in one line and starts from the small GPT the workbook ships, which chapter 09's
// recipe trained on the King James Bible. Either way Bierce's dictionary is far from what the base model has mostly
// read.

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

// ## The base model
//
// `Gpt2ModelChoice.FindAsync` looks for `openai-community/gpt2` in the Hugging Face cache, then asks the hub, and
// otherwise takes `data/models/kjv-gpt`. Both are GPT-2s (`Gpt2LMHeadModel`, the same code); they differ in size and
// in what they have read. Each run below loads its own copy from the folder, so the runs cannot disturb each other.
//
// Each run gets the same **time budget** (printed below): it trains until the budget is spent, the learning rate's
// cosine following the clock, so the two ways of fine-tuning are compared at equal time and the chapter ends on time
// on a slow or busy machine. GPT-2 124M costs far more per token than the small model, so with it the windows are
// shorter, the budget longer, and the chapter takes several minutes on a CPU.

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
var baseline = choice.Load(device);
var tokenizer = baseline.Tokenizer;
var config = baseline.Model.Config;
long ParameterCount(nn.Module model) => model.parameters().Sum(p => p.numel());
Console.WriteLine($"{config.LayerCount} layers × {config.EmbeddingSize} wide, {config.HeadCount} heads, context {config.ContextLength}, " +
                  $"vocabulary {config.VocabSize:N0}: {ParameterCount(baseline.Model):N0} parameters");

var context = Math.Min(config.ContextLength, choice.IsRealGpt2 ? 64 : 128);
var batchSize = choice.IsRealGpt2 ? 4 : 8;
var budgetSeconds = choice.IsRealGpt2 ? 120.0 : 20.0;
var validationWindows = choice.IsRealGpt2 ? 16 : 32;                    // windows of `context` tokens per perplexity
Console.WriteLine($"each run: {budgetSeconds} s of training on batches of {batchSize} windows × {context} tokens");

// ## The data
//
// *The Devil's Dictionary* is about a thousand satirical definitions ("ABDOMEN, n. The temple of the god Stomach…"),
// split **by entry**: every tenth entry is held out for validation, so no validation definition was seen in training,
// not even in part. The second validation text is the Bible's held-out books (Ruth, Ecclesiastes, Joel, Jonah, Mark,
// Galatians) — the old kind of text, on which forgetting shows. Both are tokenized with the base model's own
// tokenizer; characters per token say how well its vocabulary fits each text.

// Cell 7
var entries = DevilsDictionary.Load();
var (bierceTraining, bierceValidation) = DevilsDictionary.Split(entries);
var (_, bibleValidation) = KingJamesBible.Load().SplitByBook();
var bierceTrainingText = DevilsDictionary.Text(bierceTraining);
var bierceValidationText = DevilsDictionary.Text(bierceValidation);
var bibleValidationText = KingJamesBible.Text(bibleValidation);
var bierceTrainingIds = tokenizer.Encode(bierceTrainingText);
var bierceValidationIds = tokenizer.Encode(bierceValidationText);
var bibleValidationIds = tokenizer.Encode(bibleValidationText);
new Table(["text", "entries or verses", "characters", "tokens", "characters per token"], new (string, int, string, int[])[]
{
    ("Devil's Dictionary, training", bierceTraining.Count, bierceTrainingText, bierceTrainingIds),
    ("Devil's Dictionary, validation", bierceValidation.Count, bierceValidationText, bierceValidationIds),
    ("Bible, validation books", bibleValidation.Count, bibleValidationText, bibleValidationIds),
}.Select(r => Table.Row(r.Item1, $"{r.Item2:N0}", $"{r.Item3.Length:N0}", $"{r.Item4.Length:N0}",
                        $"{(double)r.Item3.Length / r.Item4.Length:F2}"))).Display();

// ## Before fine-tuning
//
// **Perplexity** is e to the mean cross-entropy per token: a perplexity of 20 means the model is, on average, as
// unsure as if it chose among 20 equally likely tokens. It is measured here on up to 32 windows spread evenly over
// each validation text (16 with GPT-2; the same windows every time, `LanguageModelTrainer.ValidationLoss`), so the
// numbers before and after compare like with like. Perplexities of models with different tokenizers are not
// comparable — only a model with itself, before and after.
//
// The samples use seeded sampling (temperature 0.8, top-k 40), the same seed for every model below, from two
// Bierce-style prompts and one Bible-style prompt.

// Cell 9
(double Bierce, double Bible) Perplexities(nn.Module<Tensor, Tensor> model) =>
    (Math.Exp(LanguageModelTrainer.ValidationLoss(model, bierceValidationIds, context, batchSize, validationWindows)),
     Math.Exp(LanguageModelTrainer.ValidationLoss(model, bibleValidationIds, context, batchSize, validationWindows)));
string[] prompts = ["LOVE, n.", "PRAYER, n.", "And the LORD said unto"];
var sampling = GenerationOptions.Sampling(40, seed: 5, temperature: 0.8, topK: 40);
string[] Samples(Gpt2TextGenerator generator) => [.. prompts.Select(p => generator.Generate(p, sampling).ReplaceLineEndings(" "))];

var before = Perplexities(baseline.Model);
var beforeSamples = Samples(baseline);
Console.WriteLine($"validation perplexity of the base model: {before.Bierce:F1} on the Devil's Dictionary, {before.Bible:F1} on the Bible");
new Table(["prompt", "base model"], prompts.Zip(beforeSamples, (p, s) => Table.Row(p, s))).Display();

// ## Full fine-tuning
//
// Full fine-tuning is pretraining continued on the new text: every parameter gets a gradient and AdamW keeps two
// running averages (first and second moments) per parameter. In float32 that is 4 bytes of weight, 4 of gradient and
// 8 of optimizer state per parameter — four times the model, before any activation.
//
// `LanguageModelTrainer` (chapter 09) runs the loop: seeded random windows of the training text, AdamW, a short
// linear warm-up (10 steps), cosine decay, gradient clipping at norm 1. The peak learning rate is small (1e-4): a
// large one would overwrite what the model knows faster than it learns the new text. Time is the run's wall-clock
// time, its final evaluation included; memory is the process's peak resident memory during the run above what it held
// before (`PeakMemory`, Linux's high-water mark reset for the run), which includes the activations kept for the
// backward pass.

// Cell 11
FineTuning FineTune(string name, Gpt2TextGenerator generator, LanguageModelTrainingOptions options)
{
    var trainer = new LanguageModelTrainer(generator.Model, options);
    var clock = Stopwatch.StartNew();
    var memory = PeakMemory.Measure(() => trainer.Train(bierceTrainingIds, bierceValidationIds));
    return new FineTuning(name, generator, trainer, clock.Elapsed.TotalSeconds,
                          memory is { } m ? (m.PeakBytes - m.BeforeBytes) / 1_000_000 : null);
}

var fullOptions = new LanguageModelTrainingOptions
{
    TimeBudgetSeconds = budgetSeconds, Steps = 10_000, ContextLength = context, BatchSize = batchSize, WarmupSteps = 10,
    PeakLearningRate = 1e-4, MinimumLearningRate = 1e-5, WeightDecay = 0, EvaluateEvery = 10_000,
    MaxValidationWindows = validationWindows, Seed = 0,
};
var full = FineTune("full fine-tuning", choice.Load(device), fullOptions);
var afterFull = Perplexities(full.Generator.Model);
Console.WriteLine($"full fine-tuning: {full.Trainable:N0} trainable parameters, {full.Trainer.Steps.Count} steps in {full.Seconds:F1} s, " +
                  $"training loss {full.Trainer.Steps[0].Loss:F2} → {full.Trainer.Steps[^1].Loss:F2}; " +
                  $"perplexity {before.Bierce:F1} → {afterFull.Bierce:F1} on the Devil's Dictionary, " +
                  $"{before.Bible:F1} → {afterFull.Bible:F1} on the Bible");

// ## LoRA: a low-rank update beside frozen weights
//
// LoRA (Hu et al., 2021) freezes every weight of the model and learns, for chosen projections y = x·W + b, an update
// of low rank r:
//
//   y = x·W + b + (α / r) · B(A(dropout(x)))   with A of shape [r, in] and B of shape [out, r].
//
// - **r** (rank) bounds what the update can express: B·A is an [out, in] matrix of rank at most r. A projection of
//   GPT-2 124M has 768 × 2 304 weights (`c_attn`); with r = 8 the adapter has 8 × (768 + 2 304) = 24 576, 1.4 % of
//   them.
// - **α** (alpha) and the **scaling α / r**: the update is multiplied by α / r, so changing r does not change how big
//   the update starts out to be for a given learning rate. Here α = 16, r = 8: scaling 2.
// - **dropout** on the adapter's input (training only) regularises the small update.
// - **initialisation**, as the PEFT library does it: A Kaiming-uniform (like any linear layer), **B = 0**. The update
//   B·A is then exactly zero, so training starts from the base model's outputs bit for bit (the library's tests check
//   this), and the gradient of B is non-zero from the first step.
// - **target modules**, by name: GPT-2's attention has one fused query-key-value projection `c_attn` and an output
//   projection `c_proj`; its MLP has `c_fc` and another `c_proj`. A name matches every module that ends in it, so
//   `c_proj` adapts both. This run adapts all three names in every block.
//
// GPT-2 keeps these weights as [in, out] (its `Conv1D`, where a linear layer keeps [out, in]); the adapters keep A
// and B in the usual layout and the merge adds (B·A)ᵀ — what PEFT calls `fan_in_fan_out`.

// Cell 13
var loraConfig = new LoraConfig
{
    Rank = 8, Alpha = 16, Dropout = 0.05, TargetModules = ["c_attn", "c_proj", "c_fc"], BaseModelNameOrPath = choice.Name,
};
var loraBase = choice.Load(device);
var adapted = Gpt2Lora.Apply(loraBase.Model, loraConfig);
var (trainable, total) = Gpt2Lora.ParameterCounts(loraBase.Model);
Console.WriteLine($"{adapted.Count} projections adapted; scaling α / r = {loraConfig.Scaling}");
Console.WriteLine($"trainable: {trainable:N0} of {total:N0} parameters ({(double)trainable / total:P2}); " +
                  $"full fine-tuning trained {full.Trainable:N0}");
string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";
new Table(["projection", "frozen weight", "A", "B", "adapter parameters"],
    Gpt2Lora.Adapters(loraBase.Model).Take(4).Select(a => Table.Row(
        a.Name, Shape(a.Layer.BaseLayer.Weight), Shape(a.Layer.A), Shape(a.Layer.B), $"{a.Layer.A.numel() + a.Layer.B.numel():N0}"))).Display();

// The adapters train with the same loop, windows and time budget. Only their parameters reach the optimizer (the
// trainer passes it the parameters that require gradients), and the learning rate is higher (2e-3): the update starts
// at zero and has few parameters to move, the usual LoRA setting.

// Cell 15
var lora = FineTune("LoRA", loraBase, fullOptions with { PeakLearningRate = 2e-3, MinimumLearningRate = 2e-4 });
var afterLora = Perplexities(lora.Generator.Model);
Console.WriteLine($"LoRA: {lora.Trainable:N0} trainable parameters, {lora.Trainer.Steps.Count} steps in {lora.Seconds:F1} s, " +
                  $"training loss {lora.Trainer.Steps[0].Loss:F2} → {lora.Trainer.Steps[^1].Loss:F2}; " +
                  $"perplexity {before.Bierce:F1} → {afterLora.Bierce:F1} on the Devil's Dictionary, " +
                  $"{before.Bible:F1} → {afterLora.Bible:F1} on the Bible");

// ## What each learned and what each forgot
//
// Validation perplexity on both texts, before and after each run (lower is better; a logarithmic axis, because the
// texts differ so much). The Devil's Dictionary bars show what was learned; the Bible bars show what was lost.

// Cell 17
Charts.Columns(
    [("Devil's Dictionary (new text)", [before.Bierce, afterFull.Bierce, afterLora.Bierce]),
     ("Bible (old text)", [before.Bible, afterFull.Bible, afterLora.Bible])],
    ["base model", "full fine-tuning", "LoRA"], "model", "validation perplexity (log scale)", logY: true,
    title: "Fine-tuning on Bierce: what is learned and what is forgotten").Display();

// Cell 18
// Gradients and AdamW's two moments: 12 bytes per trainable float32 parameter, whatever the data.
string TrainingStateMegabytes(FineTuning run) => $"{run.Trainable * 12 / 1e6:F1}";
new Table(["run", "trainable parameters", "share of the model", "gradients + AdamW state (MB)", "peak memory above start (MB)",
           "steps", "seconds (with evaluation)", "training tokens/s", "perplexity, Devil's Dictionary", "perplexity, Bible"],
    new[] { (full, afterFull), (lora, afterLora) }.Select(r => Table.Row(
        r.Item1.Name, $"{r.Item1.Trainable:N0}", $"{(double)r.Item1.Trainable / ParameterCount(r.Item1.Generator.Model):P2}",
        TrainingStateMegabytes(r.Item1), r.Item1.PeakMegabytes is { } mb ? $"{mb:N0}" : "n/a (not Linux)",
        $"{r.Item1.Trainer.Steps.Count}", $"{r.Item1.Seconds:F1}", $"{r.Item1.Trainer.Evaluations[^1].TokensPerSecond:N0}",
        $"{r.Item2.Bierce:F1}", $"{r.Item2.Bible:F1}"))).Display();
string Change(double after, double beforeValue) => $"{(after - beforeValue) / beforeValue:+0.0%;-0.0%}";
Console.WriteLine($"Devil's Dictionary perplexity (learning): full fine-tuning {Change(afterFull.Bierce, before.Bierce)}, " +
                  $"LoRA {Change(afterLora.Bierce, before.Bierce)}");
Console.WriteLine($"Bible perplexity (forgetting):            full fine-tuning {Change(afterFull.Bible, before.Bible)}, " +
                  $"LoRA {Change(afterLora.Bible, before.Bible)}");

// How to read the table:
//
// - **Trainable parameters** and the **training state** they need (gradient + two AdamW moments) are where LoRA saves
//   most: the adapters are a small fraction of the model. On GPT-2 124M that is the difference between about 1.5 GB
//   of training state and under 20 MB; at 7 billion parameters the full training state alone is 84 GB, more than most
//   single GPUs hold, while the adapters' fits anywhere.
// - **Speed** (tokens per second, in the same time budget) differs much less: LoRA still runs the whole network
//   forwards and backwards (the gradient has to flow down to the adapters in the first block) and adds its own small
//   products; what it skips is computing weight gradients for the frozen matrices and the optimizer's update of them.
// - **Peak memory** is what the machine has to have: the training state, plus the activations of the forward pass
//   kept for the backward pass (about the same for both runs) and whatever the allocator keeps. It is measured, so it
//   moves a little from run to run.
// - **Learning and forgetting**, in numbers, are printed below the table: how much each run lowered the perplexity on
//   the new text and raised it on the old. Full fine-tuning can move every weight; LoRA can only add a rank-8 update
//   to some projections. Over long runs that bound shows as "LoRA learns less and forgets less" (Biderman et al.,
//   2024, who compared the two on code and mathematics); in a short budget like this one the higher learning rate the
//   adapters can take may carry LoRA as far on the new text as full fine-tuning, or further. Read this run's numbers.
//
// ## Samples: the change of style
//
// The same prompts and the same sampling seed for all three models:

// Cell 20
var fullSamples = Samples(full.Generator);
var loraSamples = Samples(lora.Generator);
new Table(["prompt", "base model", "full fine-tuning", "LoRA"],
    prompts.Select((p, i) => Table.Row(p, beforeSamples[i], fullSamples[i], loraSamples[i]))).Display();

// The first two prompts give the dictionary's form (a headword and its part of speech); the third is the base model's
// home ground. Compare the columns: which words and turns of phrase come from Bierce, which from the base model's own
// reading, and which run changed the Bible-style continuation more? How far the style moves depends on the budget and
// the model — with the small model in twenty seconds, expect a start, not Bierce.
//
// ## Merging, and saving the adapter alone
//
// An adapter can stay separate — one base model in memory, a small adapter per task, switched at will — or be
// **merged**: W ← W + (α/r)·(B·A)ᵀ, after which the layer computes exactly the plain projection and inference costs
// what the base model costs. `Gpt2Lora.Merge` does that in place (and `Unmerge` takes it out again);
// `Gpt2Lora.MergeAndUnload` also removes the wrappers, leaving an ordinary GPT-2 that `SavePretrained` writes.
//
// Saved alone, the adapter is two files in the layout of the PEFT library, which `PeftModel.from_pretrained` reads:
// `adapter_config.json` (`peft_type` "LORA", `r`, `lora_alpha`, `lora_dropout`, `target_modules`,
// `base_model_name_or_path`, `fan_in_fan_out` true for GPT-2) and `adapter_model.safetensors` with one A and one B
// per adapted projection, under names like `base_model.model.transformer.h.0.attn.c_attn.lora_A.weight`. The cell
// saves it, loads it into a fresh copy of the base model, merges that copy, and compares the logits each way.

// Cell 22
var outputFolder = Path.Combine(Path.GetTempPath(), "workbook-11-fine-tuning");
var adapterFolder = Path.Combine(outputFolder, "bierce-lora");
var adapterWeights = LoraAdapterFiles.Save(lora.Generator.Model, loraConfig, adapterFolder);

var reloaded = choice.Load(device);
LoraAdapterFiles.Load(reloaded.Model, adapterFolder);
reloaded.Model.eval();
lora.Generator.Model.eval();
var probe = torch.tensor(bierceValidationIds.Take(context).Select(id => (long)id).ToArray(), device: device).unsqueeze(0);
double MaxDifference(Tensor a, Tensor b) => (a - b).abs().max().item<float>();
using (torch.no_grad())
{
    var trained = lora.Generator.Model.call(probe);
    var fromFiles = reloaded.Model.call(probe);
    Gpt2Lora.MergeAndUnload(reloaded.Model);
    var merged = reloaded.Model.call(probe);
    Console.WriteLine($"reloaded adapter vs the trained one: max |Δ logit| = {MaxDifference(trained, fromFiles):G3}; " +
                      $"merged vs unmerged: {MaxDifference(fromFiles, merged):G3} (logits span {trained.min().item<float>():F1} to " +
                      $"{trained.max().item<float>():F1})");
}
var mergedFolder = Path.Combine(outputFolder, "bierce-merged");
reloaded.Model.SavePretrained(mergedFolder);
new Table(["file", "bytes"], Directory.GetFiles(adapterFolder).Concat(Directory.GetFiles(mergedFolder))
    .Select(f => Table.Row(Path.GetRelativePath(outputFolder, f), $"{new FileInfo(f).Length:N0}"))).Display();

// The adapter is a small fraction of the merged checkpoint, which holds every weight (in float32 here): every task
// fine-tuned with full fine-tuning costs a whole model on disk, every LoRA task only its adapter. The differences in
// logits are float32 rounding — merging changes the order of the additions, not the result.
//
// ## The snippet, fixed
//
// ```python
// model = AutoModelForCausalLM.from_pretrained("gpt2")
// config = LoraConfig(r=8, lora_alpha=16, lora_dropout=0.05,
//                     target_modules=["c_attn", "c_proj", "c_fc"],   # 1. GPT-2's names
//                     fan_in_fan_out=True,                           # 2. GPT-2's Conv1D stores [in, out]
//                     task_type="CAUSAL_LM")
// model = get_peft_model(model, config)
// model.print_trainable_parameters()
// optimizer = torch.optim.AdamW((p for p in model.parameters() if p.requires_grad), lr=2e-4)   # 3. a LoRA learning rate
// model.train()
// for batch in loader:
//     labels = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)   # 4. no loss on padding
//     loss = model(**batch, labels=labels).loss
//     optimizer.zero_grad()                                                         # 5. gradients do not pile up
//     loss.backward()
//     optimizer.step()
// model.save_pretrained("bierce-lora")          # the adapter alone; model.merge_and_unload() for a plain model
// ```
//
// 1. `q_proj` and `v_proj` are Llama's names. GPT-2 has one fused `c_attn` for queries, keys and values, and
//    `c_proj`, `c_fc` elsewhere; PEFT stops with "target modules not found". (`Gpt2Lora.Apply` refuses the same way,
//    listing GPT-2's names.)
// 2. GPT-2's projections are `Conv1D` layers with the weight stored [in, out]. PEFT notices, warns and sets
//    `fan_in_fan_out` itself; saying it avoids the warning and documents the layout.
// 3. 2e-5 is a rate for fully fine-tuning a large model. An adapter starts at zero and has few parameters; with that
//    rate it barely moves in a short run. LoRA rates are around 1e-4 to 1e-3 (2e-3 above, for a short run).
// 4. `labels = input_ids` makes the model learn to predict padding. GPT-2 has no padding token; tutorials set
//    `pad_token = eos_token` and then train on runs of end-of-text tokens. -100 is the label the loss ignores. (This
//    chapter has no padding: it trains on full windows cut from one long token array.)
// 5. Without `zero_grad` each step adds its gradient to all the previous ones, and the steps grow until training
//    diverges.
//
// ## Exercises
//
// 1. Train LoRA with rank 1, 4 and 32 (same α / r scaling: set `Alpha = 2 * Rank`). How do the trainable-parameter
//    count and the two perplexities change?
//    <details><summary>Hint</summary>
//
//    ```csharp
//    foreach (var r in new[] { 1, 4, 32 })
//    {
//        var run = choice.Load(device);
//        Gpt2Lora.Apply(run.Model, loraConfig with { Rank = r, Alpha = 2 * r });
//        new LanguageModelTrainer(run.Model, fullOptions with { PeakLearningRate = 2e-3, MinimumLearningRate = 2e-4 }).Train(bierceTrainingIds, bierceValidationIds);
//        var (b, k) = Perplexities(run.Model);
//        Console.WriteLine($"r = {r}: {Gpt2Lora.ParameterCounts(run.Model).Trainable:N0} trainable, Bierce {b:F1}, Bible {k:F1}");
//    }
//    ```
//    The count grows linearly with r (r × (in + out) per projection). The new-text perplexity improves with r but
//    with quickly diminishing returns — the LoRA paper found ranks 1 to 8 about equally good for GPT-3's attention —
//    while the old-text perplexity may rise as the update gains room to overwrite.
//    </details>
// 2. Adapt only `c_attn`, the original paper's choice (it adapted the query and value projections). How many
//    parameters, and how much of the improvement on the Devil's Dictionary remains?
//    <details><summary>Hint</summary>
//
//    `loraConfig with { TargetModules = ["c_attn"] }` in the LoRA cell (or in the loop of exercise 1). The count
//    drops to r × (d + 3d) per block, a quarter of the adapters above. Attention-only adapters leave the MLPs — two
//    thirds of each block's weights — as they were, so expect the new-text perplexity to end somewhat higher than
//    with the MLPs adapted too.
//    </details>
// 3. Full fine-tuning with a ten times higher learning rate (1e-3): what happens to the Bible perplexity?
//    <details><summary>Solution</summary>
//
//    ```csharp
//    var fast = FineTune("full, lr 1e-3", choice.Load(device), fullOptions with { PeakLearningRate = 1e-3, MinimumLearningRate = 1e-4 });
//    Console.WriteLine(Perplexities(fast.Generator.Model));
//    ```
//    Expect the Devil's Dictionary perplexity to fall faster at first and the Bible perplexity to rise more: larger
//    steps move every weight further from where pretraining left it. With a small training text it also overfits
//    sooner — the training loss keeps falling while the validation loss turns back up (compare
//    `fast.Trainer.Evaluations[^1].TrainingLoss` and `.ValidationLoss`). This is catastrophic forgetting, and why
//    full fine-tuning uses small rates, few epochs, or a share of the old data mixed in.
//    </details>
// 4. Switch adapters: load the saved adapter into a fresh base model, generate, then `Gpt2Lora.Merge` and
//    `Gpt2Lora.Unmerge` and generate again. Which outputs are the same?
//    <details><summary>Hint</summary>
//
//    ```csharp
//    var switching = choice.Load(device);
//    LoraAdapterFiles.Load(switching.Model, adapterFolder);
//    switching.Model.eval();
//    var a = switching.Generate("LOVE, n.", sampling);
//    Gpt2Lora.Merge(switching.Model);
//    var b = switching.Generate("LOVE, n.", sampling);
//    Gpt2Lora.Unmerge(switching.Model);
//    var c = switching.Generate("LOVE, n.", sampling);
//    ```
//    All three are the same text (merged or not is the same function up to float rounding; with the same seed the
//    same tokens are drawn unless two candidates are within rounding of each other). Unmerging restores the base
//    weights, so the adapter can be merged for fast inference and taken out again.
//    </details>
//
// ## Playground

// Cell 24
// Your experiments here: choice, tokenizer, full, lora (runs: .Generator, .Trainer), loraConfig, fullOptions, Perplexities,
// Samples, prompts, sampling and the token arrays (bierceTrainingIds, bierceValidationIds, bibleValidationIds) are defined.
lora.Generator.Generate("CAT, n.", GenerationOptions.Sampling(40, seed: 1, temperature: 0.8, topK: 40)).Display();

// --- **Previous:** [10 · GPT-2 text generation](10-gpt2-text-generation.ipynb) · **Next:** [12 · Encoders and
// multimodal](12-encoders-and-multimodal.ipynb) · [Chapter list](../README.md#chapters)

// Types the cells declare: C# puts type declarations after the top-level statements.

// From cell 11
record FineTuning(string Name, Gpt2TextGenerator Generator, LanguageModelTrainer Trainer, double Seconds, long? PeakMegabytes)
{
    public long Trainable => Gpt2Lora.ParameterCounts(Generator.Model).Trainable;
}
