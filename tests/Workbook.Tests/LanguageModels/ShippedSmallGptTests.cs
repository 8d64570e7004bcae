using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Workbook.Data;
using Workbook.Gpt2;
using Workbook.LanguageModels;
using Workbook.Safetensors;

namespace Workbook.Tests.LanguageModels;

/// <summary>
/// data/models/kjv-gpt, the model tools/train-small-gpt.sh trained: a complete Hugging Face GPT-2 folder within 10 MB,
/// with GPT-2's tensor names, that reproduces the validation perplexity its provenance records.
/// </summary>
public sealed partial class ShippedSmallGptTests
{
    private static readonly string Folder = Path.Combine(Repository.Root, "data", "models", "kjv-gpt");
    private static readonly Lazy<Gpt2TextGenerator> Model = new(() => Gpt2TextGenerator.FromFolder(Folder));
    private static SmallGptProvenance Provenance => SmallGptProvenance.Load(Path.Combine(Folder, "provenance.json"));

    [Fact]
    public void The_folder_is_complete_and_within_10_MB()
    {
        Assert.Equal(SmallGptPretraining.Files.Order(), Directory.EnumerateFiles(Folder).Select(Path.GetFileName).Order());
        Assert.True(Directory.EnumerateFiles(Folder).Sum(f => new FileInfo(f).Length) <= 10_000_000);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, "config.json")))!;
        Assert.Equal("gpt2", (string)config["model_type"]!);
        Assert.Equal("GPT2LMHeadModel", (string)config["architectures"]![0]!);
        Assert.Equal((int)config["n_positions"]!, (int)config["n_ctx"]!);
        var generation = JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, "generation_config.json")))!;
        Assert.Equal((long)config["eos_token_id"]!, (long)generation["eos_token_id"]!);
        Assert.Equal(
            "GPT2Tokenizer",
            (string)JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, "tokenizer_config.json")))!["tokenizer_class"]!
        );
    }

    [Fact]
    public void Config_tokenizer_and_tensors_agree_and_carry_GPT2s_names_and_shapes()
    {
        var config = Gpt2Config.FromFile(Path.Combine(Folder, "config.json"));
        var tokenizer = Model.Value.Tokenizer;
        Assert.Equal(config.VocabSize, tokenizer.VocabularySize);
        Assert.Equal(config.EosTokenId, tokenizer.EosTokenId);
        Assert.Equal(tokenizer.VocabularySize - 1, tokenizer.EosTokenId); // <|endoftext|> last, as in GPT-2
        Assert.Equal(Provenance.Settings.VocabularySize, config.VocabSize);

        // GPT-2 124M's published tensor list, with its sizes replaced by this model's and only its layers kept.
        var sizes = new Dictionary<string, string>
        {
            ["768"] = $"{config.EmbeddingSize}",
            ["2304"] = $"{3 * config.EmbeddingSize}",
            ["3072"] = $"{config.MlpSize}",
            ["50257"] = $"{config.VocabSize}",
            ["1024"] = $"{config.ContextLength}",
        };
        var expected = File.ReadAllLines(Repository.Fixture("gpt2/gpt2-124m-tensors.txt"))
            .Where(l => !l.StartsWith('#') && l.Length > 0)
            .Select(l => l.Split('\t'))
            .Where(p => !p[0].EndsWith(".attn.bias", StringComparison.Ordinal))
            .Where(p => LayerOf(p[0]) is not { } layer || layer < config.LayerCount)
            .Select(p => $"{p[0]} [{string.Join(", ", p[1].Trim('[', ']').Split(", ").Select(n => sizes.GetValueOrDefault(n, n)))}]")
            .Order(StringComparer.Ordinal);
        using var checkpoint = SafetensorsCheckpoint.Open(Folder);
        Assert.Equal(expected, checkpoint.Names.Select(n => $"{n} {checkpoint.Info(n).ShapeText}").Order(StringComparer.Ordinal));
        Assert.All(checkpoint.Names, n => Assert.Equal("F16", checkpoint.Info(n).Dtype));
    }

    [Fact]
    public void It_reproduces_the_validation_perplexity_of_its_provenance_on_the_held_out_books()
    {
        var provenance = Provenance;
        var bible = KingJamesBible.Load();
        Assert.Equal(provenance.ValidationBooks, KingJamesBible.DefaultValidationBooks);
        var validation = Model.Value.Tokenizer.Encode(KingJamesBible.Text(bible.SplitByBook().Validation));
        Assert.Equal(provenance.ValidationTokens, validation.Length);
        var perplexity = Math.Exp(
            LanguageModelTrainer.ValidationLoss(
                Model.Value.Model,
                validation,
                provenance.Settings.ContextLength,
                provenance.Settings.BatchSize
            )
        );
        // The same fp16 weights and windows as the recorded run: only float32 summation order (thread count) differs.
        Assert.InRange(perplexity, provenance.ValidationPerplexity * 0.999, provenance.ValidationPerplexity * 1.001);
    }

    [Fact]
    public void Tokens_log_probabilities_and_greedy_text_match_an_independent_PyTorch_forward_pass()
    {
        // tests/fixtures/kjv-gpt/make_golden.py: BPE from vocab.json + merges.txt and GPT-2's forward pass written from
        // config.json and model.safetensors alone, in Debian's python3-torch 1.13 (float32 from the fp16 file).
        var golden = JsonNode.Parse(File.ReadAllText(Repository.Fixture("kjv-gpt/golden.json")))!.AsObject();
        Assert.Equal(3, golden.Count);
        var model = Model.Value.Model;
        foreach (var (text, entry) in golden)
        {
            int[] ids = [.. entry!["ids"]!.AsArray().Select(n => (int)n!)];
            Assert.Equal(ids, Model.Value.Tokenizer.Encode(text));
            using var scope = TorchSharp.torch.NewDisposeScope();
            using var noGrad = TorchSharp.torch.no_grad();
            var logits = model.forward(TorchSharp.torch.tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]));
            var ours = TorchSharp.torch.nn.functional.log_softmax(logits[0, -1], 0).data<float>().ToArray();
            var theirs = entry["last_log_probs"]!.AsArray().Select(n => (double)n!).ToArray();
            Assert.Equal(theirs.Length, ours.Length);
            // Both float32 from the same fp16 weights; only summation order differs (the file keeps 5 decimals).
            var worst = ours.Zip(theirs, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(worst < 1e-3, $"'{text}': largest log-probability difference {worst}");
            int[] greedy = [.. entry["greedy_ids"]!.AsArray().Select(n => (int)n!)];
            var generated = Model.Value.Generator.Generate(ids, GenerationOptions.Greedy(12) with { StopAtEos = false });
            Assert.Equal(greedy, generated);
        }
    }

    [Fact]
    public void Greedy_continuations_are_words_of_the_King_James_Bible()
    {
        var known = Words(KingJamesBible.Text(KingJamesBible.Load().SplitByBook().Training)).ToHashSet();
        foreach (var prompt in new[] { "In the beginning", "I love" })
        {
            var text = Model.Value.Generate(prompt, GenerationOptions.Greedy(30))[prompt.Length..];
            var words = Words(text).ToArray();
            Assert.True(words.Length >= 10, $"'{text}' has {words.Length} words");
            var share = words.Count(known.Contains) / (double)words.Length;
            Assert.True(share >= 0.9, $"only {share:P0} of the words of '{text}' occur in the training books");
        }
    }

    private static IEnumerable<string> Words(string text) => WordPattern().Matches(text).Select(m => m.Value.ToLowerInvariant());

    private static int? LayerOf(string name) => name.StartsWith("h.", StringComparison.Ordinal) ? int.Parse(name.Split('.')[1]) : null;

    [GeneratedRegex(@"\p{L}+")]
    private static partial Regex WordPattern();
}
