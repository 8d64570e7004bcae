using Workbook.Data;

namespace Workbook.Tests.Data;

public class ChapterSplitTests
{
    private static readonly Lazy<KingJamesBible> Bible = new(() => KingJamesBible.Load());

    private static string KindOf(BibleVerse verse) => Bible.Value.Book(verse.Book).Kind;

    [Fact]
    public void No_chapter_is_on_both_sides_and_every_kind_is_tested()
    {
        var verses = Bible.Value.Verses;
        var (training, test) = ChapterSplit.Split(verses, KindOf, 0.2, seed: 5);
        Assert.Equal(verses.Count, training.Count + test.Count);
        var trainingChapters = training.Select(v => (v.Book, v.Chapter)).ToHashSet();
        Assert.DoesNotContain(test, v => trainingChapters.Contains((v.Book, v.Chapter)));
        Assert.Equal(KingJamesBible.Kinds.Order(), test.Select(KindOf).Distinct().Order());
        Assert.Equal(KingJamesBible.Kinds.Order(), training.Select(KindOf).Distinct().Order());
        // About a fifth of each kind's chapters (Revelation, the only apocalypse, has 22: 4 in test).
        Assert.Equal(4, test.Where(v => v.Book == "Revelation").Select(v => v.Chapter).Distinct().Count());
        var share =
            (double)test.Select(v => (v.Book, v.Chapter)).Distinct().Count() / verses.Select(v => (v.Book, v.Chapter)).Distinct().Count();
        Assert.InRange(share, 0.19, 0.21);
        Assert.Equal(verses.Where(test.Contains), test); // order kept
    }

    [Fact]
    public void The_split_is_determined_by_the_seed()
    {
        var verses = Bible.Value.VersesOf(["Ruth", "Jonah", "Mark"]);
        var a = ChapterSplit.Split(verses, KindOf, 0.3, seed: 1).Test;
        Assert.Equal(a, ChapterSplit.Split(verses, KindOf, 0.3, seed: 1).Test);
        Assert.NotEqual(a, ChapterSplit.Split(verses, KindOf, 0.3, seed: 2).Test);
    }

    [Fact]
    public void A_group_of_one_chapter_or_a_bad_share_is_refused()
    {
        var verses = Bible.Value.VersesOf(["Jude", "Ruth"]);
        Assert.Contains(
            "Group 'Jude' has only one chapter (Jude 1)",
            Assert.Throws<ArgumentException>(() => ChapterSplit.Split(verses, v => v.Book, 0.5, 1)).Message
        );
        Assert.Throws<ArgumentOutOfRangeException>(() => ChapterSplit.Split(verses, v => v.Book, 1.0, 1));
    }
}
