using System.Text.Json.Nodes;
using Workbook.Text;

namespace Workbook.Tests.Text;

/// <summary>Damaged tokenizer files are named with the entry at fault; a text BPE would take hours on is refused at once.</summary>
public sealed class Gpt2TokenizerRefusalTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("wb-tokenizer-bad-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string TinyJson => File.ReadAllText(Repository.Fixture("text/tiny-bpe-json/tokenizer.json"));

    private string WriteJson(Action<JsonNode> edit)
    {
        var root = JsonNode.Parse(TinyJson)!;
        edit(root);
        var path = Path.Combine(_folder, "tokenizer.json");
        File.WriteAllText(path, root.ToJsonString());
        return path;
    }

    [Fact]
    public void A_wrong_typed_vocabulary_entry_is_named_with_its_file()
    {
        var vocabPath = Path.Combine(_folder, "vocab.json");
        var vocab = JsonNode.Parse(File.ReadAllText(Repository.Fixture("text/tiny-bpe/vocab.json")))!;
        vocab["Ġl"] = "seven";
        File.WriteAllText(vocabPath, vocab.ToJsonString());
        var error = Assert.Throws<InvalidDataException>(() =>
            Gpt2Tokenizer.FromFiles(vocabPath, Repository.Fixture("text/tiny-bpe/merges.txt"))
        );
        Assert.Contains($"{vocabPath}: vocabulary entry \"Ġl\" has the value \"seven\", not a token id", error.Message);

        var json = WriteJson(root => root["model"]!["vocab"]!["o"] = 1.5);
        Assert.Contains(
            $"{json}: vocabulary entry \"o\" has the value 1.5, not a token id",
            Assert.Throws<InvalidDataException>(() => Gpt2Tokenizer.FromTokenizerJson(json)).Message
        );
    }

    [Fact]
    public void An_added_token_without_an_id_is_named()
    {
        var json = WriteJson(root => root["added_tokens"]![0]!.AsObject().Remove("id"));
        var error = Assert.Throws<InvalidDataException>(() => Gpt2Tokenizer.FromTokenizerJson(json));
        Assert.Contains($"{json}: added_tokens entry 0 ('<|endoftext|>') has no \"id\"", error.Message);
    }

    [Fact]
    public void A_merge_of_a_token_not_in_the_vocabulary_is_named()
    {
        var json = WriteJson(root => root["model"]!["merges"]!.AsArray().Add("Ġ zz"));
        var error = Assert.Throws<InvalidDataException>(() => Gpt2Tokenizer.FromTokenizerJson(json));
        Assert.Contains($"{json}: merge 5 'Ġ zz' uses the token 'zz', which is not in the vocabulary", error.Message);

        var merges = Path.Combine(_folder, "merges.txt");
        File.WriteAllText(merges, "#version: 0.2\nĠ l\nl o\n");
        var makes = Assert.Throws<InvalidDataException>(() =>
            Gpt2Tokenizer.FromFiles(Repository.Fixture("text/tiny-bpe/vocab.json"), merges)
        );
        Assert.Contains("merge 2 'l o' makes the token 'lo', which is not in the vocabulary", makes.Message);
    }

    [Fact]
    public void A_folder_named_like_a_tokenizer_file_is_reported_as_a_folder()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "tokenizer.json"));
        var error = Assert.Throws<FileNotFoundException>(() => Gpt2Tokenizer.FromFolder(_folder));
        Assert.Contains("tokenizer.json", error.Message);
        Assert.Contains("is a directory, not a file", error.Message);
    }

    [Fact]
    public void A_run_without_a_break_longer_than_the_bound_is_refused_before_BPE_starts()
    {
        var huge = new string('x', 10_000_000); // BPE would need hours on this one pre-token
        var error = Assert.Throws<ArgumentException>(() => Gpt2Tokenizer.Default.Encode("Hello " + huge));
        Assert.Contains("a run of 10,000,001 characters without a break at character 5", error.Message);
        Assert.Contains($"runs over {Gpt2Tokenizer.MaxPreTokenLength:N0} characters are refused", error.Message);

        var words = string.Join(' ', Enumerable.Repeat("word", 10_000)); // long text, short runs: fine
        Assert.Equal(10_000, Gpt2Tokenizer.Default.Encode(words).Length);
        Assert.Throws<ArgumentException>(() => Gpt2Tokenizer.Default.Encode(new string('y', 300), maxPreTokenLength: 100));
        Assert.Equal(Gpt2Tokenizer.Default.Encode("yyyy"), Gpt2Tokenizer.Default.Encode("yyyy", maxPreTokenLength: 4));
    }
}
