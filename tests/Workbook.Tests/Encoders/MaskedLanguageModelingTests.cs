using TorchSharp;
using Workbook.Encoders;
using static TorchSharp.torch;

namespace Workbook.Tests.Encoders;

public class MaskedLanguageModelingTests
{
    static MaskedLanguageModelingTests() => InitializeDeviceType(DeviceType.CPU);

    private const int Vocabulary = 1000,
        Pad = 0,
        Cls = 2,
        Sep = 3,
        MaskId = 4;
    private static readonly int[] Specials = [Pad, 1, Cls, Sep, MaskId];

    /// <summary>400 rows of [CLS] 500 ordinary ids [SEP] and padding: 200 000 ordinary tokens.</summary>
    private static Tensor Batch()
    {
        var random = new Random(7);
        var rows = new long[400, 510];
        for (var r = 0; r < 400; r++)
        {
            rows[r, 0] = Cls;
            for (var t = 1; t <= 500; t++)
                rows[r, t] = random.Next(5, Vocabulary);
            rows[r, 501] = Sep;
        }
        return tensor(rows);
    }

    [Fact]
    public void Proportions_are_15_percent_then_80_10_10()
    {
        var masking = new MaskedLanguageModeling(Vocabulary, MaskId, Specials);
        using var ids = Batch();
        var (inputs, labels) = masking.Mask(ids, new Random(1));
        long[] original = ids.data<long>().ToArray(),
            input = inputs.data<long>().ToArray(),
            label = labels.data<long>().ToArray();
        var ordinary = original.Count(i => i >= 5);
        var chosen = Enumerable.Range(0, original.Length).Where(i => label[i] != MaskedLanguageModeling.IgnoreIndex).ToArray();
        // Binomial standard deviations: √(0.15·0.85/200 000) ≈ 0.0008 for the chosen share; √(0.8·0.2/30 000) ≈ 0.0023
        // and √(0.1·0.9/30 000) ≈ 0.0017 for the shares of the chosen. Tolerances are about 6 of them.
        Assert.InRange((double)chosen.Length / ordinary, 0.145, 0.155);
        Assert.All(chosen, i => Assert.Equal(original[i], label[i]));
        double masked = chosen.Count(i => input[i] == MaskId),
            kept = chosen.Count(i => input[i] == original[i]);
        var replaced = chosen.Length - masked - kept; // a random draw equal to the original (1 in 995) counts as kept
        Assert.InRange(masked / chosen.Length, 0.785, 0.815);
        Assert.InRange(replaced / chosen.Length, 0.09, 0.11);
        Assert.InRange(kept / chosen.Length, 0.09, 0.11);
        Assert.All(chosen.Where(i => input[i] != MaskId && input[i] != original[i]), i => Assert.DoesNotContain((int)input[i], Specials));
        // Everything not chosen is untouched.
        Assert.All(Enumerable.Range(0, original.Length).Except(chosen), i => Assert.Equal(original[i], input[i]));
    }

    [Fact]
    public void Special_tokens_are_never_chosen()
    {
        var masking = new MaskedLanguageModeling(Vocabulary, MaskId, Specials, selectProbability: 1.0);
        using var ids = Batch();
        var (inputs, labels) = masking.Mask(ids, new Random(2));
        long[] original = ids.data<long>().ToArray(),
            input = inputs.data<long>().ToArray(),
            label = labels.data<long>().ToArray();
        for (var i = 0; i < original.Length; i++)
        {
            if (original[i] >= 5)
                Assert.Equal(original[i], label[i]); // every ordinary token chosen at probability 1
            else
            {
                Assert.Equal(MaskedLanguageModeling.IgnoreIndex, label[i]);
                Assert.Equal(original[i], input[i]);
            }
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_masking()
    {
        var masking = new MaskedLanguageModeling(Vocabulary, MaskId, Specials);
        using var ids = Batch();
        var (a, la) = masking.Mask(ids, new Random(3));
        var (b, lb) = masking.Mask(ids, new Random(3));
        var (c, _) = masking.Mask(ids, new Random(4));
        Assert.Equal(a.data<long>().ToArray(), b.data<long>().ToArray());
        Assert.Equal(la.data<long>().ToArray(), lb.data<long>().ToArray());
        Assert.NotEqual(a.data<long>().ToArray(), c.data<long>().ToArray());
        Assert.Equal(ids.shape, a.shape);
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new MaskedLanguageModeling(Vocabulary, MaskId, Specials, maskShare: 0.95, randomShare: 0.1));
        Assert.Contains("special ids", Assert.Throws<ArgumentException>(() => new MaskedLanguageModeling(10, 12, Specials)).Message);
        var masking = new MaskedLanguageModeling(Vocabulary, MaskId, Specials);
        Assert.Contains(
            "outside the vocabulary",
            Assert.Throws<ArgumentException>(() => masking.Mask(tensor(new long[] { 5, 1000 }), new Random(1))).Message
        );
        Assert.Contains("int64", Assert.Throws<ArgumentException>(() => masking.Mask(tensor(new int[] { 5 }), new Random(1))).Message);
    }
}
