using System.Globalization;
using System.Text;

namespace Workbook.Text;

/// <summary>
/// Learns a WordPiece vocabulary (BERT's <c>vocab.txt</c>) from a corpus, as Hugging Face's <c>tokenizers</c>
/// WordPieceTrainer does (introduced in chapter 12): the text is cut as BERT's basic tokenizer cuts it (lower-cased,
/// accents stripped, split on whitespace and around every punctuation character); every word starts as its characters,
/// the first as itself and the rest with the continuation prefix <c>##</c>; then the most frequent adjacent pair is
/// merged into a new piece until the vocabulary has the requested size. The five special tokens come first:
/// [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4. Encoding with the result is WordPiece's greedy longest match
/// (Microsoft.ML.Tokenizers' <c>BertTokenizer</c>), which for words of the corpus gives pieces the merges built.
/// </summary>
/// <remarks>Deterministic: ties between pairs of equal count go to the pair whose merged spelling sorts first (ordinal).</remarks>
public static class WordPieceTrainer
{
    /// <summary>The special tokens, in id order.</summary>
    public static IReadOnlyList<string> SpecialTokens { get; } = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

    /// <summary>The largest vocabulary accepted (bert-base-uncased's is 30 522).</summary>
    public const int MaximumVocabularySize = 1 << 20;

    /// <summary>Learns a vocabulary of at most <paramref name="vocabularySize"/> tokens (fewer when nothing is left to merge).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The size cannot hold the special tokens and the corpus's characters, or is above
    /// <see cref="MaximumVocabularySize"/>.</exception>
    public static WordPieceVocabulary Train(IEnumerable<string> texts, int vocabularySize)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (vocabularySize > MaximumVocabularySize)
            throw new ArgumentOutOfRangeException(
                nameof(vocabularySize),
                vocabularySize,
                $"The vocabulary size must be at most {MaximumVocabularySize:N0}."
            );
        var wordCounts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var text in texts)
        foreach (var word in BasicTokens(text))
            wordCounts[word] = wordCounts.GetValueOrDefault(word) + 1;

        var words = wordCounts.Keys.Order(StringComparer.Ordinal).ToArray();
        var counts = words.Select(w => wordCounts[w]).ToArray();
        var tokens = new List<string>(SpecialTokens);
        var idOf = new Dictionary<string, int>(StringComparer.Ordinal);
        // The alphabet: each character as a word start and as a continuation, sorted, so the ids do not depend on order of appearance.
        var alphabet = words
            .SelectMany(w => w.EnumerateRunes().Select((r, i) => i == 0 ? r.ToString() : "##" + r))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        foreach (var piece in alphabet)
            Add(piece);
        var minimum = tokens.Count;
        if (vocabularySize < minimum)
            throw new ArgumentOutOfRangeException(
                nameof(vocabularySize),
                vocabularySize,
                $"The vocabulary needs at least {minimum} tokens: {SpecialTokens.Count} special ones and the corpus's "
                    + $"{minimum - SpecialTokens.Count} characters (each as a start and as a ##continuation)."
            );

        var symbols = words.Select(w => w.EnumerateRunes().Select((r, i) => idOf[i == 0 ? r.ToString() : "##" + r]).ToList()).ToArray();
        var pairCounts = new Dictionary<(int, int), long>();
        var wordsWithPair = new Dictionary<(int, int), HashSet<int>>();
        for (var i = 0; i < words.Length; i++)
            Count(i, +1);

        while (tokens.Count < vocabularySize)
        {
            (int, int) best = default;
            long bestCount = 0;
            string? bestSpelling = null;
            foreach (var (pair, count) in pairCounts)
            {
                if (count <= 0 || count < bestCount)
                    continue;
                var spelling = Spell(pair);
                if (count > bestCount || string.CompareOrdinal(spelling, bestSpelling) < 0)
                    (best, bestCount, bestSpelling) = (pair, count, spelling);
            }
            if (bestSpelling is null)
                break;
            var merged = idOf.TryGetValue(bestSpelling, out var existing) ? existing : Add(bestSpelling);
            foreach (var i in wordsWithPair[best].ToArray())
            {
                Count(i, -1);
                symbols[i] = MergeAll(symbols[i], best, merged);
                Count(i, +1);
            }
        }
        return new WordPieceVocabulary(tokens);

        int Add(string piece)
        {
            idOf[piece] = tokens.Count;
            tokens.Add(piece);
            return tokens.Count - 1;
        }

        string Spell((int Left, int Right) pair) => tokens[pair.Left] + tokens[pair.Right][2..]; // the right one always starts with ##

        void Count(int word, int sign)
        {
            var s = symbols[word];
            for (var k = 0; k + 1 < s.Count; k++)
            {
                var pair = (s[k], s[k + 1]);
                var updated = pairCounts.GetValueOrDefault(pair) + sign * counts[word];
                if (updated == 0)
                    pairCounts.Remove(pair);
                else
                    pairCounts[pair] = updated;
                if (sign > 0)
                {
                    if (!wordsWithPair.TryGetValue(pair, out var set))
                        wordsWithPair[pair] = set = [];
                    set.Add(word);
                }
                else if (wordsWithPair.TryGetValue(pair, out var set))
                    set.Remove(word);
            }
        }
    }

    /// <summary>
    /// BERT's basic tokenization of <paramref name="text"/>: lower case, accents removed (NFD, non-spacing marks
    /// dropped), control characters dropped, split on whitespace, and every punctuation character its own word.
    /// </summary>
    public static IEnumerable<string> BasicTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var decomposed = text.ToLowerInvariant().Normalize(NormalizationForm.FormD);
        var word = new StringBuilder();
        foreach (var c in decomposed)
        {
            var category = char.GetUnicodeCategory(c);
            if (category == UnicodeCategory.NonSpacingMark || (char.IsControl(c) && !char.IsWhiteSpace(c)))
                continue;
            if (char.IsWhiteSpace(c) || IsPunctuation(c))
            {
                if (word.Length > 0)
                    yield return word.ToString();
                word.Clear();
                if (!char.IsWhiteSpace(c))
                    yield return c.ToString();
            }
            else
                word.Append(c);
        }
        if (word.Length > 0)
            yield return word.ToString();
    }

    /// <summary>BERT's punctuation: every ASCII non-letter, non-digit printable character, and Unicode's P categories.</summary>
    private static bool IsPunctuation(char c) =>
        c is (>= '!' and <= '/') or (>= ':' and <= '@') or (>= '[' and <= '`') or (>= '{' and <= '~') || char.IsPunctuation(c);

    private static List<int> MergeAll(List<int> symbols, (int Left, int Right) pair, int merged)
    {
        var result = new List<int>(symbols.Count);
        for (var k = 0; k < symbols.Count; k++)
        {
            if (k + 1 < symbols.Count && symbols[k] == pair.Left && symbols[k + 1] == pair.Right)
            {
                result.Add(merged);
                k++;
            }
            else
                result.Add(symbols[k]);
        }
        return result;
    }
}
