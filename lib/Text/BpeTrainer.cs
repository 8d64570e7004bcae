using System.Text;

namespace Workbook.Text;

/// <summary>
/// Learns a byte-level BPE vocabulary from a corpus, as GPT-2's was learned (introduced in chapter 09): the text is cut
/// by GPT-2's pre-tokenizer (words with their leading space, numbers, punctuation runs, whitespace), every piece starts
/// as its UTF-8 bytes, and the most frequent adjacent pair is merged into a new token until the vocabulary has the
/// requested size; <c>&lt;|endoftext|&gt;</c> comes last. <see cref="BpeVocabulary.Save"/> writes the
/// <c>vocab.json</c> and <c>merges.txt</c> that <see cref="Gpt2Tokenizer.FromFolder"/> and Hugging Face's
/// GPT2Tokenizer read.
/// <code>
/// var bpe = BpeTrainer.Train(KingJamesBible.Text(training), vocabularySize: 4096);
/// bpe.Save("my-tokenizer");
/// var tokenizer = Gpt2Tokenizer.FromFolder("my-tokenizer");
/// </code>
/// </summary>
/// <remarks>
/// Deterministic: ties between pairs of equal count go to the pair whose token strings (in GPT-2's byte alphabet)
/// sort first, the left token compared before the right. Pair counts are updated only in the pieces a merge touches,
/// so the KJV (4.4 MB) trains to 8 192 tokens in seconds.
/// </remarks>
public static class BpeTrainer
{
    /// <summary>The smallest vocabulary: the 256 bytes and <c>&lt;|endoftext|&gt;</c>.</summary>
    public const int MinimumVocabularySize = 257;

    /// <summary>The largest vocabulary accepted (GPT-2's is 50 257).</summary>
    public const int MaximumVocabularySize = 1 << 20;

    /// <summary>Learns merges from <paramref name="corpus"/> until there are <paramref name="vocabularySize"/> tokens (fewer when no pair
    /// is left to merge).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is below 257 or above <see cref="MaximumVocabularySize"/>.</exception>
    /// <exception cref="ArgumentException">A piece of the corpus is longer than <see cref="Gpt2Tokenizer.MaxPreTokenLength"/>
    /// characters.</exception>
    public static BpeVocabulary Train(string corpus, int vocabularySize)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        if (vocabularySize is < MinimumVocabularySize or > MaximumVocabularySize)
            throw new ArgumentOutOfRangeException(
                nameof(vocabularySize),
                vocabularySize,
                $"The vocabulary size must lie between {MinimumVocabularySize} (the 256 bytes and {Gpt2Tokenizer.EndOfText}) "
                    + $"and {MaximumVocabularySize:N0}."
            );

        // Each distinct piece once, with how often it occurs: merges work on these, weighted by the counts.
        var pieceCounts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var match in Gpt2Tokenizer.Gpt2Pattern().EnumerateMatches(corpus))
        {
            if (match.Length > Gpt2Tokenizer.MaxPreTokenLength)
                throw new ArgumentException(
                    $"The corpus has a run of {match.Length:N0} characters without a break at character {match.Index:N0}; "
                        + $"pieces over {Gpt2Tokenizer.MaxPreTokenLength:N0} characters are refused (BPE's time grows with their square).",
                    nameof(corpus)
                );
            var piece = corpus.Substring(match.Index, match.Length);
            pieceCounts[piece] = pieceCounts.GetValueOrDefault(piece) + 1;
        }
        var pieces = pieceCounts.Keys.Order(StringComparer.Ordinal).ToArray();
        var counts = pieces.Select(p => pieceCounts[p]).ToArray();
        var symbols = pieces.Select(p => Encoding.UTF8.GetBytes(p).Select(b => (int)b).ToList()).ToArray();

        var tokens = Enumerable.Range(0, 256).Select(b => ByteLevelAlphabet.ToTokenString([(byte)b])).ToList();
        var idOfToken = tokens.Select((t, id) => (t, id)).ToDictionary(p => p.t, p => p.id, StringComparer.Ordinal);
        var merges = new List<(int Left, int Right)>();
        var pairCounts = new Dictionary<(int, int), long>();
        var piecesWithPair = new Dictionary<(int, int), HashSet<int>>();
        for (var i = 0; i < pieces.Length; i++)
            AddPairs(i, +1);

        // Candidates ordered by count (highest first), then by the token strings; stale entries are skipped when popped.
        var queue = new PriorityQueue<(int, int), (long, string, string)>(
            Comparer<(long Count, string Left, string Right)>.Create(
                (a, b) =>
                {
                    var byCount = b.Count.CompareTo(a.Count);
                    if (byCount != 0)
                        return byCount;
                    var byLeft = string.CompareOrdinal(a.Left, b.Left);
                    return byLeft != 0 ? byLeft : string.CompareOrdinal(a.Right, b.Right);
                }
            )
        );
        foreach (var (pair, count) in pairCounts)
            Enqueue(pair, count);

        while (tokens.Count < vocabularySize - 1 && queue.TryDequeue(out var best, out var key))
        {
            if (!pairCounts.TryGetValue(best, out var current) || current != key.Item1 || current == 0)
                continue;
            // Two different merges can spell the same token ("a bc", "ab c"): the second reuses the first's id.
            var spelling = tokens[best.Item1] + tokens[best.Item2];
            if (!idOfToken.TryGetValue(spelling, out var merged))
            {
                idOfToken[spelling] = merged = tokens.Count;
                tokens.Add(spelling);
            }
            merges.Add(best);
            var touched = new HashSet<(int, int)>();
            foreach (var i in piecesWithPair[best].ToArray())
            {
                AddPairs(i, -1, touched);
                symbols[i] = MergeAll(symbols[i], best, merged);
                AddPairs(i, +1, touched);
            }
            foreach (var pair in touched)
                if (pairCounts.TryGetValue(pair, out var count) && count > 0)
                    Enqueue(pair, count);
        }
        tokens.Add(Gpt2Tokenizer.EndOfText);

        var segmentation = new Dictionary<string, int[]>(StringComparer.Ordinal);
        for (var i = 0; i < pieces.Length; i++)
            segmentation[pieces[i]] = [.. symbols[i]];
        return new BpeVocabulary(tokens, [.. merges.Select(m => (tokens[m.Left], tokens[m.Right]))], segmentation);

        void Enqueue((int, int) pair, long count) => queue.Enqueue(pair, (count, tokens[pair.Item1], tokens[pair.Item2]));

        void AddPairs(int piece, int sign, HashSet<(int, int)>? touched = null)
        {
            var s = symbols[piece];
            for (var k = 0; k + 1 < s.Count; k++)
            {
                var pair = (s[k], s[k + 1]);
                pairCounts[pair] = pairCounts.GetValueOrDefault(pair) + sign * counts[piece];
                if (sign > 0)
                {
                    if (!piecesWithPair.TryGetValue(pair, out var set))
                        piecesWithPair[pair] = set = [];
                    set.Add(piece);
                }
                touched?.Add(pair);
            }
            if (sign < 0) // the piece is re-added right after; drop it from its old pairs' sets
                for (var k = 0; k + 1 < s.Count; k++)
                    piecesWithPair[(s[k], s[k + 1])].Remove(piece);
        }
    }

    /// <summary>Replaces every occurrence of <paramref name="pair"/>, left to right and without overlap, by
    /// <paramref name="merged"/>.</summary>
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
