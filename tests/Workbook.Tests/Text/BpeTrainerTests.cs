using System.Text;
using System.Text.Json;
using Workbook.Text;

namespace Workbook.Tests.Text;

/// <summary>The BPE trainer against an independent Python re-implementation, GPT-2's tokenizer and itself.</summary>
public sealed class BpeTrainerTests : IDisposable
{
    private static readonly string Corpus = File.ReadAllText(Repository.Fixture("text/bpe-trainer/corpus.txt"));
    private readonly string _folder = Directory.CreateTempSubdirectory("wb-bpe-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Merges_and_vocabulary_match_the_Python_reference_exactly()
    {
        // tests/fixtures/text/bpe-trainer/make_golden.py, Debian's python3 + python3-regex, naive recounting every merge.
        BpeTrainer.Train(Corpus, 320).Save(_folder);
        Assert.Equal(
            File.ReadAllText(Repository.Fixture("text/bpe-trainer/golden-merges.txt")),
            File.ReadAllText(Path.Combine(_folder, "merges.txt"))
        );
        var golden = JsonSerializer.Deserialize<Dictionary<string, int>>(
            File.ReadAllText(Repository.Fixture("text/bpe-trainer/golden-vocab.json"))
        )!;
        var ours = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(Path.Combine(_folder, "vocab.json")))!;
        Assert.Equal(golden.OrderBy(p => p.Value), ours.OrderBy(p => p.Value));
    }

    [Fact]
    public void Hand_computed_merges_on_a_tiny_corpus()
    {
        // "aaab aab ab" → pieces "aaab", "Ġaab", "Ġab". Pair counts (a,a) 3, (a,b) 3, (Ġ,a) 2: the tie goes to "a a"
        // (equal left, "a" < "b"). Then "aaab" = [aa, a, b], "Ġaab" = [Ġ, aa, b], "Ġab" = [Ġ, a, b]: (a,b) 2 wins.
        // Then every pair counts 1: (aa,ab), (aa,b), (Ġ,aa), (Ġ,ab); "aa" sorts before "Ġ" (U+0120), "ab" before "b".
        var bpe = BpeTrainer.Train("aaab aab ab", 260);
        Assert.Equal([("a", "a"), ("a", "b"), ("aa", "ab")], bpe.Merges);
        Assert.Equal(["aa", "ab", "aaab"], bpe.Tokens.Skip(256).Take(3));
        Assert.Equal(Gpt2Tokenizer.EndOfText, bpe.Tokens[^1]);
        Assert.Equal(260, bpe.Count);
    }

    [Fact]
    public void Training_is_deterministic()
    {
        var first = BpeTrainer.Train(Corpus, 300);
        var second = BpeTrainer.Train(Corpus, 300);
        Assert.Equal(first.Tokens, second.Tokens);
        Assert.Equal(first.Merges, second.Merges);
    }

    [Fact]
    public void Gpt2Tokenizer_applying_the_saved_merges_gives_the_trainers_own_segmentation()
    {
        var bpe = BpeTrainer.Train(Corpus, 400);
        bpe.Save(_folder);
        var tokenizer = Gpt2Tokenizer.FromFolder(_folder);
        Assert.Equal(400, tokenizer.VocabularySize);
        Assert.Equal(399, tokenizer.EosTokenId);
        var pieces = Gpt2Tokenizer.Gpt2Pattern().Matches(Corpus).Select(m => m.Value).Distinct().ToArray();
        Assert.True(pieces.Length > 100);
        foreach (var piece in pieces)
            Assert.Equal(bpe.TrainingSegmentation(piece), tokenizer.Encode(piece));
    }

    [Theory]
    [InlineData("And God said, Let there be light: and there was light.")]
    [InlineData("Words it never saw: quantum, Zürich, 😀, \t tabs\r\n and 12345.")]
    [InlineData("日本語 and Ελληνικά")]
    public void Any_text_round_trips_through_the_saved_tokenizer(string text)
    {
        BpeTrainer.Train(Corpus, 300).Save(_folder);
        var tokenizer = Gpt2Tokenizer.FromFolder(_folder);
        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
    }

    [Fact]
    public void A_vocabulary_size_below_the_byte_alphabet_is_refused_with_the_limits()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => BpeTrainer.Train("abc", 100));
        Assert.Contains("between 257", error.Message);
    }

    [Fact]
    public void A_corpus_with_too_few_pairs_stops_early_with_end_of_text_last()
    {
        var bpe = BpeTrainer.Train("ab", 1000);
        Assert.Equal([("a", "b")], bpe.Merges);
        Assert.Equal(258, bpe.Count);
        Assert.Equal(257, bpe.EndOfTextId);
    }

    [Fact]
    public void The_saved_files_have_GPT2s_layout()
    {
        BpeTrainer.Train(Corpus, 300).Save(_folder);
        var merges = File.ReadAllLines(Path.Combine(_folder, "merges.txt"), Encoding.UTF8);
        Assert.Equal("#version: 0.2", merges[0]);
        Assert.Equal(300 - 257 + 1, merges.Length);
        var vocab = File.ReadAllText(Path.Combine(_folder, "vocab.json"), Encoding.UTF8);
        Assert.Contains("\"Ġ\":32", vocab); // bytes stand as GPT-2's alphabet, unescaped
        Assert.EndsWith("\"<|endoftext|>\":299}", vocab);
    }
}
