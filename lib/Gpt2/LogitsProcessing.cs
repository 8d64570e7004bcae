using TorchSharp;
using Workbook.Native;
using static TorchSharp.torch;

namespace Workbook.Gpt2;

/// <summary>
/// The score transformations of Hugging Face's generation, each as HF's logits processor of the same name computes it.
/// Scores are [batch, vocab]; each function returns a new tensor. Introduced in chapter 10.
/// </summary>
public static class LogitsProcessing
{
    /// <summary>HF <c>RepetitionPenaltyLogitsProcessor</c>: for each token id present in the row of <paramref name="sequences"/>
    /// [batch, length], a positive score is divided by <paramref name="penalty"/> and a negative one multiplied.</summary>
    public static Tensor RepetitionPenalty(Tensor scores, Tensor sequences, double penalty)
    {
        using var scope = NewDisposeScope();
        var seen = scores.gather(1, sequences);
        using var factor = penalty.ToScalar(); // held for the calls (see KeptScalars)
        var penalised = where(seen.lt(KeptScalars.Zero), seen.mul(factor), seen.div(factor));
        return scores.scatter(1, sequences, penalised).MoveToOuterDisposeScope();
    }

    /// <summary>HF <c>TemperatureLogitsWarper</c>: scores / temperature.</summary>
    public static Tensor Temperature(Tensor scores, double temperature)
    {
        ArgumentNullException.ThrowIfNull(scores);
        using var divisor = temperature.ToScalar(); // held for the call (see KeptScalars)
        return scores.div(divisor);
    }

    /// <summary>HF <c>TopKLogitsWarper</c>: scores below the k-th largest of their row become −∞ (ties with it are kept).</summary>
    public static Tensor TopK(Tensor scores, int k)
    {
        using var scope = NewDisposeScope();
        k = (int)Math.Min(Math.Max(k, 1), scores.shape[^1]);
        var kth = scores.topk(k, dim: -1).values.narrow(-1, k - 1, 1);
        return scores.masked_fill(scores < kth, KeptScalars.NegativeInfinity).MoveToOuterDisposeScope();
    }

    /// <summary>HF <c>TopPLogitsWarper</c>: sorting ascending, tokens whose cumulative probability is at most 1 − p become
    /// −∞; the most likely token is always kept.</summary>
    public static Tensor TopP(Tensor scores, double p)
    {
        using var scope = NewDisposeScope();
        var (sorted, indices) = scores.sort(dim: -1, descending: false);
        var cumulative = sorted.softmax(-1).cumsum(-1);
        using var threshold = (1 - p).ToScalar(); // held for the call (see KeptScalars)
        var removeSorted = cumulative.le(threshold);
        removeSorted.narrow(-1, removeSorted.shape[^1] - 1, 1).fill_(KeptScalars.False);
        var remove = removeSorted.scatter(1, indices, removeSorted);
        return scores.masked_fill(remove, KeptScalars.NegativeInfinity).MoveToOuterDisposeScope();
    }

    /// <summary>All of them in HF's order, as <paramref name="options"/> asks: repetition penalty, then (sampling only)
    /// temperature, top-k and top-p. Processors that are off (penalty 1, temperature 1, k 0, p 1) are skipped.</summary>
    public static Tensor Apply(Tensor scores, Tensor sequences, GenerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(options);
        using var scope = NewDisposeScope();
        var result = scores.alias();
        if (options.RepetitionPenalty != 1.0)
            result = RepetitionPenalty(result, sequences, options.RepetitionPenalty);
        if (options.DoSample)
        {
            if (options.Temperature != 1.0)
                result = Temperature(result, options.Temperature);
            if (options.TopK != 0)
                result = TopK(result, options.TopK);
            if (options.TopP < 1.0)
                result = TopP(result, options.TopP);
        }
        return result.MoveToOuterDisposeScope();
    }
}
