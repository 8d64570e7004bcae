using Workbook.Metrics;

namespace Workbook.Tests.Metrics;

public class ErrorRateTests
{
    [Fact]
    public void Counts_substitutions_deletions_and_insertions()
    {
        Assert.Equal(new ErrorRate(0, 0, 0, 4), ErrorRate.Words("the cat sat down", "The cat sat down."));
        Assert.Equal(new ErrorRate(1, 0, 0, 4), ErrorRate.Words("the cat sat down", "the bat sat down"));
        Assert.Equal(new ErrorRate(0, 1, 0, 4), ErrorRate.Words("the cat sat down", "the cat down"));
        Assert.Equal(new ErrorRate(0, 0, 2, 4), ErrorRate.Words("the cat sat down", "the big cat sat right down"));
        var mixed = ErrorRate.Words("i love speech recognition", "i loved speech wreck a nition");
        Assert.Equal(4, mixed.Substitutions + mixed.Deletions + mixed.Insertions); // loved, wreck/recognition + 2 insertions
        Assert.Equal(1.0, mixed.Rate);
        Assert.Equal(new ErrorRate(0, 3, 0, 3), ErrorRate.Words("a b c", "")); // all deleted: rate 1
        Assert.Equal(1.0, ErrorRate.Words("a b c", "").Rate);
        Assert.Equal(2.0, ErrorRate.Words("a", "b c").Rate); // insertions can push it past 1
    }

    [Fact]
    public void Character_rate_and_normalisation()
    {
        var kitten = ErrorRate.Characters("kitten", "sitting", normalize: false); // the classic: 2 substitutions, 1 insertion
        Assert.Equal(new ErrorRate(2, 0, 1, 6), kitten);
        Assert.Equal(0.0, ErrorRate.Characters("It's  here!", "it's here").Rate);
        Assert.Equal(0.0, ErrorRate.Words("Hello, World again", "hello world Again!").Rate);
        // every word differs as written
        Assert.Equal(1.0, ErrorRate.Words("Hello, World again", "hello world " + "Again!", normalize: false).Rate);
        Assert.Contains("no words", Assert.Throws<ArgumentException>(() => ErrorRate.Words(" ", "x")).Message);
    }
}
