using Workbook.Data;

namespace Workbook.Tests.Data;

public class KFoldTests
{
    public static TheoryData<int> KFoldCases() => [0, 1];

    public static TheoryData<int> StratifiedCases() => [0, 1, 2];

    [Theory]
    [MemberData(nameof(KFoldCases))]
    public void Unshuffled_folds_equal_scikit_learns(int index)
    {
        var golden = Goldens.Get("kfold")[index];
        var splits = KFold.Split(golden.GetProperty("samples").GetInt32(), golden.GetProperty("folds").GetInt32());
        AssertSplitsEqual(golden.GetProperty("splits"), splits);
    }

    [Theory]
    [MemberData(nameof(StratifiedCases))]
    public void Unshuffled_stratified_folds_equal_scikit_learns(int index)
    {
        var golden = Goldens.Get("stratifiedKFold")[index];
        var splits = StratifiedKFold.Split(golden.GetProperty("labels").Ints(), golden.GetProperty("folds").GetInt32());
        AssertSplitsEqual(golden.GetProperty("splits"), splits);
    }

    [Fact]
    public void Shuffled_folds_partition_the_samples_with_scikit_learns_sizes_and_depend_on_the_seed()
    {
        var splits = KFold.Split(23, 5, shuffle: true, seed: 1);
        Assert.Equal([5, 5, 5, 4, 4], splits.Select(s => s.Test.Length));
        Assert.Equal(Enumerable.Range(0, 23), splits.SelectMany(s => s.Test).Order());
        Assert.All(splits, s => Assert.Equal(Enumerable.Range(0, 23), s.Train.Concat(s.Test).Order()));
        Assert.NotEqual(splits[0].Test, KFold.Split(23, 5, shuffle: true, seed: 2)[0].Test);
        Assert.Equal(splits[0].Test, KFold.Split(23, 5, shuffle: true, seed: 1)[0].Test);
    }

    [Fact]
    public void Shuffled_stratified_folds_keep_the_unshuffled_per_class_counts()
    {
        var labels = Goldens.Get("stratifiedKFold")[0].GetProperty("labels").Ints();
        var plain = StratifiedKFold.Split(labels, 3);
        var shuffled = StratifiedKFold.Split(labels, 3, shuffle: true, seed: 7);
        for (var k = 0; k < 3; k++)
        for (var c = 0; c < 3; c++)
            Assert.Equal(plain[k].Test.Count(i => labels[i] == c), shuffled[k].Test.Count(i => labels[i] == c));
        Assert.Equal(Enumerable.Range(0, labels.Length), shuffled.SelectMany(s => s.Test).Order());
    }

    [Fact]
    public void Too_many_or_too_few_folds_are_rejected()
    {
        Assert.Contains("folds=2 or more", Assert.Throws<ArgumentOutOfRangeException>(() => KFold.Split(10, 1)).Message);
        Assert.Contains(
            "greater than the number of samples: samples=3",
            Assert.Throws<ArgumentOutOfRangeException>(() => KFold.Split(3, 4)).Message
        );
        Assert.Contains(
            "number of members in each class",
            Assert.Throws<ArgumentException>(() => StratifiedKFold.Split([0, 0, 1, 1, 2, 2], 3)).Message
        );
    }

    private static void AssertSplitsEqual(System.Text.Json.JsonElement expected, IReadOnlyList<SplitIndices> actual)
    {
        Assert.Equal(expected.GetArrayLength(), actual.Count);
        for (var k = 0; k < actual.Count; k++)
        {
            Assert.Equal(expected[k].GetProperty("train").Ints(), actual[k].Train);
            Assert.Equal(expected[k].GetProperty("test").Ints(), actual[k].Test);
        }
    }
}
