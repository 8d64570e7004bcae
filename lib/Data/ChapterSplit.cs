namespace Workbook.Data;

/// <summary>
/// Splits verses into training and test sets by whole chapters, so that no chapter has verses on both sides (verses of
/// one chapter share names, places and phrasing: a random split by verse would let a classifier recognise the chapter
/// instead of the kind of writing). The chapters of each group (a book's kind, say) are shuffled with a seed and the
/// first <c>testShare</c> of them, at least one, go to the test set, so every group is tested. Introduced in chapter 12.
/// </summary>
public static class ChapterSplit
{
    /// <summary>Splits <paramref name="verses"/>; both sides keep the input's order.</summary>
    /// <param name="verses">The verses to split.</param>
    /// <param name="group">The stratum of a verse (e.g. its book's kind); every group gets test chapters.</param>
    /// <param name="testShare">The share of each group's chapters that go to the test set, in (0, 1).</param>
    /// <param name="seed">Seed of the shuffle.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="testShare"/> is not in (0, 1).</exception>
    /// <exception cref="ArgumentException">A group has a single chapter, which cannot be on both sides.</exception>
    public static (IReadOnlyList<BibleVerse> Training, IReadOnlyList<BibleVerse> Test) Split(
        IReadOnlyList<BibleVerse> verses,
        Func<BibleVerse, string> group,
        double testShare,
        int seed
    )
    {
        ArgumentNullException.ThrowIfNull(verses);
        ArgumentNullException.ThrowIfNull(group);
        if (!(testShare > 0 && testShare < 1))
            throw new ArgumentOutOfRangeException(nameof(testShare), testShare, "The test share must lie strictly between 0 and 1.");
        var random = new Random(seed);
        var test = new HashSet<(string Book, int Chapter)>();
        foreach (var stratum in verses.GroupBy(group).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var chapters = stratum.Select(v => (v.Book, v.Chapter)).Distinct().ToArray();
            if (chapters.Length < 2)
                throw new ArgumentException(
                    $"Group '{stratum.Key}' has only one chapter ({chapters[0].Book} {chapters[0].Chapter}); "
                        + "it cannot be in both training and test.",
                    nameof(verses)
                );
            random.Shuffle(chapters);
            var count = Math.Clamp((int)Math.Round(testShare * chapters.Length), 1, chapters.Length - 1);
            test.UnionWith(chapters.Take(count));
        }
        return ([.. verses.Where(v => !test.Contains((v.Book, v.Chapter)))], [.. verses.Where(v => test.Contains((v.Book, v.Chapter)))]);
    }
}
