using TorchSharp;
using Workbook.Data;
using static TorchSharp.torch;

namespace Workbook.Tests.Data;

public class TrainTestSplitTests
{
    static TrainTestSplitTests() => torch.InitializeDeviceType(DeviceType.CPU);

    public static TheoryData<int> StratifiedCases() => [0, 1, 2, 3, 4];

    [Theory]
    [InlineData(100, 0.25, 25)]
    [InlineData(10, 0.33, 4)] // ceil(3.3)
    [InlineData(569, 0.2, 114)] // ceil(113.8)
    [InlineData(50, 7, 7)] // an int is a count
    public void Test_size_rounds_up_like_scikit_learn(int samples, object testSize, int expectedTest)
    {
        var size = testSize is int count ? SplitSize.OfCount(count) : SplitSize.OfFraction((double)testSize);
        var split = TrainTestSplit.Indices(samples, size, seed: 3);
        Assert.Equal(expectedTest, split.Test.Length);
        Assert.Equal(samples - expectedTest, split.Train.Length);
        Assert.Equal(Enumerable.Range(0, samples), split.Train.Concat(split.Test).Order());
    }

    [Fact]
    public void Without_shuffling_the_first_samples_train_and_a_seed_reproduces_a_shuffled_split()
    {
        var ordered = TrainTestSplit.Indices(10, 0.3, shuffle: false);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6], ordered.Train);
        Assert.Equal([7, 8, 9], ordered.Test);
        Assert.Equal(TrainTestSplit.Indices(40, seed: 5).Test, TrainTestSplit.Indices(40, seed: 5).Test);
        Assert.NotEqual(TrainTestSplit.Indices(40, seed: 5).Test, TrainTestSplit.Indices(40, seed: 6).Test);
    }

    [Theory]
    [MemberData(nameof(StratifiedCases))]
    public void Stratified_per_class_counts_equal_scikit_learns(int index)
    {
        var golden = Goldens.Get("stratifiedSplit")[index];
        int[] labels =
            golden.TryGetProperty("labels", out var l) ? l.Ints()
            : golden.GetProperty("dataset").GetString() == "digits" ? Datasets.LoadDigits().Labels
            : Datasets.LoadBreastCancer().Labels;
        var size = golden.GetProperty("testSize");
        var testSize = size.GetRawText().All(char.IsDigit) ? SplitSize.OfCount(size.GetInt32()) : SplitSize.OfFraction(size.GetDouble());
        var classes = golden.GetProperty("classes").Ints();
        foreach (var seed in new[] { 0, 1, 42 })
        {
            var split = TrainTestSplit.Indices(labels.Length, testSize, seed: seed, stratify: labels);
            Assert.Equal(golden.GetProperty("train").Ints(), classes.Select(c => split.Train.Count(i => labels[i] == c)));
            Assert.Equal(golden.GetProperty("test").Ints(), classes.Select(c => split.Test.Count(i => labels[i] == c)));
            Assert.Equal(Enumerable.Range(0, labels.Length), split.Train.Concat(split.Test).Order());
        }
    }

    [Fact]
    public void Stratified_splits_keep_each_class_within_one_sample_of_its_share_even_with_ties()
    {
        int[] labels = [.. Enumerable.Repeat(0, 50), .. Enumerable.Repeat(1, 30), .. Enumerable.Repeat(2, 20)];
        var split = TrainTestSplit.Indices(100, 0.25, seed: 9, stratify: labels); // 37.5 / 22.5 / 15: a tie
        Assert.Equal(25, split.Test.Length);
        foreach (var (c, share) in new[] { (0, 12.5), (1, 7.5), (2, 5.0) })
            Assert.InRange(split.Test.Count(i => labels[i] == c), share - 1, share + 1);
    }

    [Fact]
    public void Datasets_and_tensors_split_rows_and_labels_together()
    {
        var data = SyntheticData.MakeClassification(samples: 200, weights: [0.3], flipY: 0, seed: 1);
        var (train, test) = TrainTestSplit.Split(data, 0.25, seed: 2, stratify: true);
        Assert.Equal([45, 105], train.ClassCounts());
        Assert.Equal([15, 35], test.ClassCounts());

        var (x, y) = data.ToTensors();
        using (x)
        using (y)
        {
            var (xTrain, xTest, yTrain, yTest) = TrainTestSplit.Split(x, y, 0.25, seed: 2, stratify: true);
            using (xTrain)
            using (xTest)
            using (yTrain)
            using (yTest)
            {
                Assert.Equal([150L, 20L], xTrain.shape);
                Assert.Equal([50L], yTest.shape);
                Assert.Equal(15, yTest.eq(0).sum().item<long>());
                // The tensor split uses the same indices as the dataset split.
                Assert.Equal((float)test.Features[3, 5], xTest[3, 5].item<float>());
                Assert.Equal(test.Labels[3], yTest[3].item<long>());
            }
        }
    }

    [Fact]
    public void Impossible_splits_are_rejected_clearly()
    {
        Assert.Contains(
            "strictly between 0 and 1",
            Assert.Throws<ArgumentOutOfRangeException>(() => TrainTestSplit.Indices(10, 1.0)).Message
        );
        Assert.Contains("between 1 and 9", Assert.Throws<ArgumentOutOfRangeException>(() => TrainTestSplit.Indices(10, 10)).Message);
        Assert.Contains(
            "only 1 member",
            Assert.Throws<ArgumentException>(() => TrainTestSplit.Indices(5, 2, stratify: [0, 0, 0, 0, 1])).Message
        );
        Assert.Contains(
            "test size 2 should be greater or equal to the number of classes 3",
            Assert.Throws<ArgumentException>(() => TrainTestSplit.Indices(9, 2, stratify: [0, 0, 0, 1, 1, 1, 2, 2, 2])).Message
        );
        Assert.Contains(
            "shuffle",
            Assert.Throws<ArgumentException>(() => TrainTestSplit.Indices(4, 2, shuffle: false, stratify: [0, 0, 1, 1])).Message
        );
        Assert.Contains(
            "one label per sample",
            Assert.Throws<ArgumentException>(() => TrainTestSplit.Indices(4, 2, stratify: [0, 1])).Message
        );
    }
}
