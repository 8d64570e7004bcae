using TorchSharp;
using Workbook.Gpt2;
using static TorchSharp.torch;

namespace Workbook.Tests.Gpt2;

/// <summary>Hand-computed cases of Hugging Face's logits processors.</summary>
public class LogitsProcessingTests
{
    static LogitsProcessingTests() => InitializeDeviceType(DeviceType.CPU);

    private static float[] Row(Tensor t) => t.data<float>().ToArray();

    [Fact]
    public void Repetition_penalty_divides_positive_and_multiplies_negative_scores_of_seen_tokens()
    {
        using var scores = tensor(new[] { 2f, -2f, 1f, -1f }).unsqueeze(0);
        using var seen = tensor(new long[] { 0, 1, 1 }).unsqueeze(0);
        using var result = LogitsProcessing.RepetitionPenalty(scores, seen, 2.0);
        Assert.Equal([1f, -4f, 1f, -1f], Row(result));
        Assert.Equal([2f, -2f, 1f, -1f], Row(scores));
    }

    [Fact]
    public void Top_k_keeps_the_k_best_and_ties_with_the_kth()
    {
        using var scores = tensor(new[] { 1f, 3f, 2f, 2f, 0f }).unsqueeze(0);
        using var result = LogitsProcessing.TopK(scores, 2);
        Assert.Equal([float.NegativeInfinity, 3f, 2f, 2f, float.NegativeInfinity], Row(result));
        using var all = LogitsProcessing.TopK(scores, 50);
        Assert.Equal(Row(scores), Row(all));
    }

    [Fact]
    public void Top_p_keeps_the_smallest_set_reaching_p_and_always_the_best()
    {
        // probabilities 0.5, 0.3, 0.2 (scores are their logs)
        using var scores = tensor(new[] { MathF.Log(0.2f), MathF.Log(0.5f), MathF.Log(0.3f) }).unsqueeze(0);
        using var p70 = LogitsProcessing.TopP(scores, 0.7); // 0.5 + 0.3 reach it; 0.2 goes (cumulative 0.2 ≤ 0.3)
        Assert.Equal(float.NegativeInfinity, Row(p70)[0]);
        Assert.True(float.IsFinite(Row(p70)[1]) && float.IsFinite(Row(p70)[2]));
        using var tiny = LogitsProcessing.TopP(scores, 0.01);
        Assert.Equal(1, Row(tiny).Count(float.IsFinite));
        Assert.True(float.IsFinite(Row(tiny)[1]));
    }

    [Fact]
    public void Apply_runs_only_the_processors_that_are_on_in_hf_order()
    {
        using var scores = tensor(new[] { 4f, 2f, -2f, 1f }).unsqueeze(0);
        using var seen = tensor(new long[] { 0 }).unsqueeze(0);
        // Greedy: the penalty applies, temperature and top-k do not.
        using var greedy = LogitsProcessing.Apply(
            scores,
            seen,
            GenerationOptions.Greedy(1) with
            {
                RepetitionPenalty = 2,
                Temperature = 0.5,
                TopK = 1,
            }
        );
        Assert.Equal([2f, 2f, -2f, 1f], Row(greedy));
        // Sampling: penalty (4 → 2), temperature 0.5 (×2), then top-2 of [4, 4, -4, 2].
        using var sampled = LogitsProcessing.Apply(
            scores,
            seen,
            GenerationOptions.Sampling(1, 0, temperature: 0.5, topK: 2) with
            {
                RepetitionPenalty = 2,
            }
        );
        Assert.Equal([4f, 4f, float.NegativeInfinity, float.NegativeInfinity], Row(sampled));
    }
}
