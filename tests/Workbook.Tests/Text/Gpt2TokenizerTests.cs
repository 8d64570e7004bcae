using Workbook.Text;

namespace Workbook.Tests.Text;

public class Gpt2TokenizerTests
{
    /// <summary>Text that exercises every branch of GPT-2's pre-tokenizer and multi-byte UTF-8.</summary>
    private static readonly string[] TextList =
    [
        "Hello world",
        "The dog was found in a field near the intersection of West and West Streets.\n\nThe dog",
        "it's   'S 123 4567 a\tb\r\n  trailing   ",
        "naïve café — déjà vu; Straße, Ærø",
        "日本語のテキストと中文，한국어",
        "emoji 😀🎉👍🏽 and flags 🇫🇷",
        "code: for (int i = 0; i < n; i++) { x += y[i]; }",
        "<|endoftext|>Next document",
    ];

    public static TheoryData<string> Texts() => [.. TextList];

    [Theory]
    [InlineData("I love", new[] { 40, 1842 })]
    [InlineData("The dog", new[] { 464, 3290 })]
    [InlineData("Hello world", new[] { 15496, 995 })]
    [InlineData("Hello, world", new[] { 15496, 11, 995 })]
    [InlineData("<|endoftext|>", new[] { 50256 })]
    public void GPT2_ids_match_the_published_ones(string text, int[] ids)
    {
        Assert.Equal(ids, Gpt2Tokenizer.Default.Encode(text));
        Assert.Equal(text, Gpt2Tokenizer.Default.Decode(ids));
    }

    [Fact]
    public void The_vocabulary_has_50257_tokens_with_end_of_text_last_and_shows_spaces_as_G_dot()
    {
        var tokenizer = Gpt2Tokenizer.Default;
        Assert.Equal(50257, tokenizer.VocabularySize);
        Assert.Equal(50256, tokenizer.EosTokenId);
        Assert.True(tokenizer.IsSpecial(50256));
        Assert.False(tokenizer.IsSpecial(40));
        Assert.Equal("Ġlove", tokenizer.TokenString(1842));
        Assert.Equal(["I", "Ġlove"], tokenizer.Tokenize("I love"));
        Assert.Equal(["Hello", ",", "Ċ", "Ċ", "world"], tokenizer.Tokenize("Hello,\n\nworld"));
        Assert.Equal(1842, tokenizer.TokenId("Ġlove"));
        Assert.Null(tokenizer.TokenId("not a token"));
        Assert.Equal(" love"u8.ToArray(), tokenizer.TokenBytes(1842).ToArray());
        Assert.Equal("", tokenizer.Decode([50256], skipSpecialTokens: true));
        Assert.Same(tokenizer, Gpt2Tokenizer.Default);
        Assert.Contains("50,257 tokens", tokenizer.ToString());
    }

    [Theory]
    [MemberData(nameof(Texts))]
    public void Unicode_text_survives_a_round_trip(string text) =>
        Assert.Equal(text, Gpt2Tokenizer.Default.Decode(Gpt2Tokenizer.Default.Encode(text)));

    [Theory]
    [MemberData(nameof(Texts))]
    public void A_checkpoints_vocab_and_merges_give_the_same_ids_as_the_package(string text)
    {
        var fromFiles = Gpt2Tokenizer.FromFolder(Gpt2Files.Folder);
        Assert.Equal(Gpt2Tokenizer.Default.Encode(text), fromFiles.Encode(text));
        Assert.Equal(text, fromFiles.Decode(fromFiles.Encode(text)));
    }

    [Fact]
    public void A_tokenizer_json_gives_the_same_ids_tokens_and_bytes_as_the_package()
    {
        var folder = Directory.CreateTempSubdirectory("workbook-gpt2-json-");
        try
        {
            File.Copy(Path.Combine(Gpt2Files.Folder, "vocab.json"), Path.Combine(folder.FullName, "vocab.json"));
            Gpt2Files.WriteTokenizerJson(folder.FullName); // tokenizer.json wins over vocab.json + merges.txt
            var fromJson = Gpt2Tokenizer.FromFolder(folder.FullName);
            Assert.EndsWith("tokenizer.json", fromJson.Source);
            Assert.Equal((50257, 50256), (fromJson.VocabularySize, fromJson.EosTokenId));
            foreach (var text in TextList)
                Assert.Equal(Gpt2Tokenizer.Default.Encode(text), fromJson.Encode(text));
            for (var id = 0; id < 50257; id += 97)
            {
                Assert.Equal(Gpt2Tokenizer.Default.TokenString(id), fromJson.TokenString(id));
                Assert.Equal(Gpt2Tokenizer.Default.TokenBytes(id).ToArray(), fromJson.TokenBytes(id).ToArray());
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("tiny-bpe")]
    [InlineData("tiny-bpe-json")]
    public void A_tiny_vocabulary_applies_its_merges_and_nothing_else(string fixture)
    {
        var tokenizer = Gpt2Tokenizer.FromFolder(Repository.Fixture(Path.Combine("text", fixture)));
        Assert.Equal((261, 260), (tokenizer.VocabularySize, tokenizer.EosTokenId));
        Assert.Equal([40, 259], tokenizer.Encode("I love"));
        Assert.Equal(["Ġ", "v", "o", "l", "e"], tokenizer.Tokenize(" vole")); // no merge applies
        Assert.Equal(["Ġlov", "Ġl", "o"], tokenizer.Tokenize(" lov lo")); // Ġ+l, then o+v, then Ġl+ov; " lo" stops at Ġl+o
        Assert.Equal([40, 259, 260], tokenizer.Encode("I love<|endoftext|>"));
        Assert.Equal("I love<|endoftext|>", tokenizer.Decode([40, 259, 260]));
    }

    [Fact]
    public void Bad_ids_and_missing_or_malformed_files_are_named()
    {
        var outOfRange = Assert.Throws<ArgumentOutOfRangeException>(() => Gpt2Tokenizer.Default.Decode([40, 50257]));
        Assert.Contains("Token id 50257 at position 1 is not in the vocabulary (ids 0 to 50256)", outOfRange.Message);
        Assert.Contains("Token id -1", Assert.Throws<ArgumentOutOfRangeException>(() => Gpt2Tokenizer.Default.TokenString(-1)).Message);

        var folder = Directory.CreateTempSubdirectory("workbook-gpt2-bad-");
        try
        {
            File.WriteAllText(Path.Combine(folder.FullName, "config.json"), "{}");
            var missing = Assert.Throws<FileNotFoundException>(() => Gpt2Tokenizer.FromFolder(folder.FullName));
            Assert.Contains("has no tokenizer.json and not both vocab.json and merges.txt (it has: config.json)", missing.Message);

            File.WriteAllText(Path.Combine(folder.FullName, "vocab.json"), "[1, 2]");
            File.WriteAllText(Path.Combine(folder.FullName, "merges.txt"), "#version: 0.2\na b\n");
            var vocab = Assert.Throws<InvalidDataException>(() => Gpt2Tokenizer.FromFolder(folder.FullName));
            Assert.Contains("vocab.json is not a vocabulary", vocab.Message);

            File.Copy(Repository.Fixture("text/tiny-bpe/vocab.json"), Path.Combine(folder.FullName, "vocab.json"), overwrite: true);
            File.WriteAllText(Path.Combine(folder.FullName, "merges.txt"), "#version: 0.2\nĠ l\nabc\n");
            Assert.Contains(
                "merge 2 'abc' is not two tokens",
                Assert.Throws<InvalidDataException>(() => Gpt2Tokenizer.FromFolder(folder.FullName)).Message
            );

            File.WriteAllText(Path.Combine(folder.FullName, "tokenizer.json"), """{"model": {"type": "WordPiece", "vocab": {}}}""");
            Assert.Contains(
                "tokenizer.json is not a GPT-2 style byte-level BPE tokenizer.json: its \"model\" is not of type \"BPE\"",
                Assert.Throws<InvalidDataException>(() => Gpt2Tokenizer.FromFolder(folder.FullName)).Message
            );
        }
        finally
        {
            folder.Delete(recursive: true);
        }
        Assert.Throws<DirectoryNotFoundException>(() => Gpt2Tokenizer.FromFolder("/no/such/folder"));
    }
}
