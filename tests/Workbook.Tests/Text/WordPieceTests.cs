using Workbook.Text;

namespace Workbook.Tests.Text;

public class WordPieceTests
{
    // Word counts: hug 3, pug 1, pun 1, bun 1, hugs 1.
    private static readonly string[] Corpus = ["Hug hug, hug!", "pug pun bun hugs"];

    [Fact]
    public void Training_merges_the_most_frequent_pair_first_and_breaks_ties_by_spelling()
    {
        var vocabulary = WordPieceTrainer.Train(Corpus, 17);
        // Pairs: (##u, ##g) 5 → ##ug; then (h, ##ug) 4 → hug; (##u, ##n) 2 → ##un; then four pairs of count 1, in
        // ordinal order of their spelling: bun, hugs, pug, pun (the vocabulary is full after bun and hugs).
        string[] expected =
        [
            "[PAD]",
            "[UNK]",
            "[CLS]",
            "[SEP]",
            "[MASK]",
            "!",
            "##g",
            "##n",
            "##s",
            "##u",
            ",",
            "b",
            "h",
            "p",
            "##ug",
            "hug",
            "##un",
        ];
        Assert.Equal(expected, vocabulary.Tokens);
        Assert.Equal([.. expected, "bun", "hugs"], WordPieceTrainer.Train(Corpus, 19).Tokens);
        Assert.Equal(WordPieceTrainer.Train(Corpus, 19).Tokens, WordPieceTrainer.Train(Corpus.Reverse(), 19).Tokens);
    }

    [Fact]
    public void Training_stops_when_nothing_is_left_to_merge()
    {
        var vocabulary = WordPieceTrainer.Train(Corpus, 1000);
        Assert.Contains("hugs", vocabulary.Tokens);
        Assert.Contains("pun", vocabulary.Tokens);
        Assert.True(vocabulary.Count < 30);
    }

    [Fact]
    public void Too_small_a_vocabulary_is_refused_with_the_minimum()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => WordPieceTrainer.Train(Corpus, 10));
        Assert.Contains("at least 14 tokens", error.Message);
    }

    [Fact]
    public void Basic_tokens_are_lower_cased_without_accents_and_split_at_punctuation()
    {
        Assert.Equal(
            ["and", "god", "said", ",", "let", "there", "be", "light", ":", "cafe", "'", "s"],
            WordPieceTrainer.BasicTokens("And God said,  Let there be light: Café's")
        );
    }

    [Fact]
    public void The_ml_net_bert_tokenizer_reads_the_vocabulary_by_greedy_longest_match()
    {
        var vocabulary = WordPieceTrainer.Train(Corpus, 17);
        var tokenizer = vocabulary.CreateTokenizer();
        var ids = tokenizer.EncodeToIds("Hugs, pun? xyz");
        Assert.Equal(["[CLS]", "hug", "##s", ",", "p", "##un", "[UNK]", "[UNK]", "[SEP]"], ids.Select(i => vocabulary.Tokens[i]));
        Assert.Equal(vocabulary.ClsId, tokenizer.ClassificationTokenId);
        Assert.Equal(vocabulary.MaskId, tokenizer.MaskingTokenId);
        Assert.Equal(vocabulary.PadId, tokenizer.PaddingTokenId);
    }

    [Fact]
    public void Save_writes_a_hugging_face_tokenizer_folder_that_loads_back()
    {
        var folder = Directory.CreateTempSubdirectory("wordpiece-").FullName;
        try
        {
            var vocabulary = WordPieceTrainer.Train(Corpus, 19);
            vocabulary.Save(folder, maxLength: 64);
            Assert.Equal(
                ["special_tokens_map.json", "tokenizer_config.json", "vocab.txt"],
                Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal)
            );
            var read = WordPieceVocabulary.Load(folder);
            Assert.Equal(vocabulary.Tokens, read.Tokens);
            Assert.True(read.LowerCase);
            Assert.Contains("\"model_max_length\": 64", File.ReadAllText(Path.Combine(folder, "tokenizer_config.json")));

            File.WriteAllText(Path.Combine(folder, "vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhug\nhug\n");
            var error = Assert.Throws<InvalidDataException>(() => WordPieceVocabulary.Load(folder));
            Assert.Contains("vocab.txt", error.Message);
            Assert.Contains("'hug' appears twice (ids 5 and 6)", error.Message);
            File.WriteAllText(Path.Combine(folder, "vocab.txt"), "[PAD]\n[UNK]\n[CLS]\nhug\n");
            Assert.Contains(
                "lacks the special token [SEP]",
                Assert.Throws<InvalidDataException>(() => WordPieceVocabulary.Load(folder)).Message
            );
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
