using Workbook.LanguageModels;

namespace Workbook.Tests.LanguageModels;

[Collection(SerialCollection.Name)] // seeds TorchSharp's global generator
public sealed class LanguageModelBatchesTests
{
    private static readonly int[] Counting = [.. Enumerable.Range(0, 1000)];

    [Fact]
    public void Targets_are_the_inputs_shifted_by_one_token()
    {
        var (inputs, targets) = new LanguageModelBatches(Counting, contextLength: 8, batchSize: 4, seed: 1).Next();
        Assert.Equal([4L, 8], inputs.shape);
        Assert.Equal([4L, 8], targets.shape);
        var x = inputs.data<long>().ToArray();
        var y = targets.data<long>().ToArray();
        for (var i = 0; i < x.Length; i++)
            Assert.Equal(x[i] + 1, y[i]); // token i is i, so "next" is +1
        for (var row = 0; row < 4; row++)
        for (var t = 1; t < 8; t++)
            Assert.Equal(x[row * 8] + t, x[row * 8 + t]); // one contiguous window per row
    }

    [Fact]
    public void The_same_seed_gives_the_same_windows_and_another_seed_others()
    {
        long[] Starts(int seed)
        {
            var batches = new LanguageModelBatches(Counting, 16, 8, seed);
            return [.. Enumerable.Range(0, 5).SelectMany(_ => batches.Next().Inputs.data<long>().ToArray())];
        }
        Assert.Equal(Starts(3), Starts(3));
        Assert.NotEqual(Starts(3), Starts(4));
    }

    [Fact]
    public void Every_window_fits_even_when_the_text_is_exactly_one_window_long()
    {
        var tokens = new[] { 5, 6, 7 };
        var batches = new LanguageModelBatches(tokens, contextLength: 2, batchSize: 16, seed: 0);
        var (inputs, targets) = batches.Next();
        Assert.All(inputs.data<long>().ToArray().Chunk(2), row => Assert.Equal([5L, 6], row));
        Assert.All(targets.data<long>().ToArray().Chunk(2), row => Assert.Equal([6L, 7], row));
        var longer = new LanguageModelBatches(Counting, 10, 64, 0);
        for (var i = 0; i < 20; i++)
            Assert.True(longer.Next().Targets.max().item<long>() <= 999);
    }

    [Fact]
    public void A_text_shorter_than_one_window_is_refused_with_both_sizes()
    {
        var error = Assert.Throws<ArgumentException>(() => new LanguageModelBatches([1, 2, 3], contextLength: 3, batchSize: 1, seed: 0));
        Assert.Contains("3 tokens, fewer than one window of context + 1 = 4", error.Message);
    }
}
