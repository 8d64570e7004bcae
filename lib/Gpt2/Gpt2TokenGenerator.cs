using TorchSharp;
using Workbook.Native;
using static TorchSharp.torch;

namespace Workbook.Gpt2;

/// <summary>
/// Continues prompts with a <see cref="Gpt2LMHeadModel"/> as Hugging Face's <c>generate</c> does: greedy or sampled
/// (temperature, top-k, top-p, repetition penalty; see <see cref="GenerationOptions"/>), stopping rows at the
/// end-of-text token, batches left-padded with an attention mask, the key/value cache on or off, and a callback with
/// the new token id of every row after each step, for streaming. Introduced in chapter 15.
/// </summary>
public sealed class Gpt2TokenGenerator
{
    /// <summary>Creates a generator for <paramref name="model"/>.</summary>
    public Gpt2TokenGenerator(Gpt2LMHeadModel model) => Model = model ?? throw new ArgumentNullException(nameof(model));

    /// <summary>The model.</summary>
    public Gpt2LMHeadModel Model { get; }

    /// <summary>Continues one prompt; returns the prompt (as kept, see <see cref="ContextOverflow"/>) followed by the new
    /// tokens, ending with the end-of-text token when it came.</summary>
    /// <param name="prompt">Token ids, at least one.</param>
    /// <param name="options">How to generate (greedy, 20 tokens in all, when null).</param>
    /// <param name="onToken">Called after each step with the step number (0-based) and the new token id of each row.</param>
    public int[] Generate(int[] prompt, GenerationOptions? options = null, Action<int, int[]>? onToken = null)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return Generate([prompt], options, onToken)[0];
    }

    /// <summary>
    /// Continues several prompts of any lengths as one batch: they are left-padded with the pad token and masked, so
    /// each row comes out as it would alone (up to float rounding). Returns, for each prompt, the prompt followed by its
    /// new tokens, without padding, ending with the end-of-text token when it came.
    /// </summary>
    /// <exception cref="ArgumentException">No prompts, an empty prompt, ids outside the vocabulary, or options out of range.</exception>
    public int[][] Generate(IReadOnlyList<int[]> prompts, GenerationOptions? options = null, Action<int, int[]>? onToken = null)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        options = (options ?? new GenerationOptions()).Validate();
        var (eos, pad) = SpecialTokens(options);
        var (inputIds, attentionMask) = LeftPad(prompts, pad);
        using (inputIds)
        using (attentionMask)
        {
            var padded = prompts.Any(p => p.Length != inputIds.shape[1]);
            using var output = Generate(inputIds, padded ? attentionMask : null, options, onToken);
            var (dropped, _) = Plan((int)inputIds.shape[1], options);
            var promptLength = (int)inputIds.shape[1] - dropped;
            var rows = output.data<long>().Select(id => (int)id).ToArray();
            var width = (int)output.shape[1];
            var result = new int[prompts.Count][];
            for (var i = 0; i < prompts.Count; i++)
            {
                var row = rows.AsSpan(i * width, width);
                var start = Math.Max(0, (int)inputIds.shape[1] - prompts[i].Length - dropped);
                var end = width;
                if (options.StopAtEos)
                    for (var j = promptLength; j < width; j++)
                        if (row[j] == eos)
                        {
                            end = j + 1;
                            break;
                        }
                result[i] = row[start..end].ToArray();
            }
            return result;
        }
    }

    /// <summary>
    /// Continues a batch given as tensors, as HF's <c>generate(input_ids, attention_mask=...)</c>: returns int64
    /// [batch, prompt + new] (the prompt as kept, see <see cref="ContextOverflow"/>), rows that finished early filled
    /// with the pad token. Stops early when every row has produced the end-of-text token.
    /// </summary>
    /// <param name="inputIds">Token ids int64 [batch, length], left-padded when rows differ in length.</param>
    /// <param name="attentionMask">1 for tokens, 0 for left padding, [batch, length]; null when nothing is padded.</param>
    /// <param name="options">How to generate (greedy, 20 tokens in all, when null).</param>
    /// <param name="onToken">Called after each step with the step number (0-based) and the new token id of each row (the
    /// pad token for rows already finished).</param>
    /// <exception cref="ArgumentException">Wrong shapes, options out of range, no room for a new token, or the context
    /// length exceeded with <see cref="ContextOverflow.Throw"/>; the message names the values.</exception>
    public Tensor Generate(Tensor inputIds, Tensor? attentionMask, GenerationOptions? options = null, Action<int, int[]>? onToken = null)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        options = (options ?? new GenerationOptions()).Validate();
        if (inputIds.dim() != 2 || inputIds.dtype != ScalarType.Int64 || inputIds.numel() == 0)
            throw new ArgumentException(
                $"inputIds must be a non-empty int64 [batch, length]; got {inputIds.dtype} [{string.Join(", ", inputIds.shape)}].",
                nameof(inputIds)
            );
        if (attentionMask is not null && !attentionMask.shape.SequenceEqual(inputIds.shape))
            throw new ArgumentException(
                $"attentionMask must have the shape of inputIds [{string.Join(", ", inputIds.shape)}]; "
                    + $"got [{string.Join(", ", attentionMask.shape)}].",
                nameof(attentionMask)
            );
        var (eos, pad) = SpecialTokens(options);
        var (dropped, newTokens) = Plan((int)inputIds.shape[1], options);
        var batch = inputIds.shape[0];
        var device = Model.TokenEmbedding.device;

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var sequences = inputIds.narrow(1, dropped, inputIds.shape[1] - dropped).to(device);
        var mask = attentionMask is null
            ? ones_like(sequences)
            : attentionMask.narrow(1, dropped, attentionMask.shape[1] - dropped).to(ScalarType.Int64, device);
        var padded = attentionMask is not null && mask.eq(KeptScalars.Zero).any().item<bool>();
        // Scalars held for the whole loop (see KeptScalars): an implicit one could be collected under the native call.
        using var padScalar = pad.ToScalar();
        using var eosScalar = eos.ToScalar();
        var unfinished = ones(batch, ScalarType.Int64, device);
        using var generator = options.Seed is { } seed ? new Generator((ulong)seed, device) : null;
        using var cache = options.UseCache ? Model.CreateCache((int)sequences.shape[1] + newTokens) : null;

        for (var step = 0; step < newTokens; step++)
        {
            using var stepScope = NewDisposeScope();
            // Prefill the whole prompt once; then, with the cache, feed only the token just produced.
            var input = cache is null || step == 0 ? sequences : sequences.narrow(1, sequences.shape[1] - 1, 1);
            var hidden = Model.HiddenStates(input, cache, padded ? mask : null);
            var logits = Model.Logits(hidden.select(1, hidden.shape[1] - 1)); // [B, V]
            var scores = LogitsProcessing.Apply(logits.to(ScalarType.Float32), sequences, options);
            var next = options.DoSample
                ? multinomial(SamplingProbabilities(scores, step, options), 1, false, generator).squeeze(1)
                : scores.argmax(-1);
            if (options.StopAtEos)
                next = next.masked_fill(unfinished.eq(KeptScalars.Zero), padScalar);
            var grown = cat([sequences, next.unsqueeze(1)], 1);
            var grownMask = cat([mask, ones(batch, 1, ScalarType.Int64, device)], 1);
            (sequences, mask) = (grown.MoveToOuterDisposeScope(), grownMask.MoveToOuterDisposeScope());
            onToken?.Invoke(step, [.. next.cpu().data<long>().Select(id => (int)id)]);
            if (options.StopAtEos)
            {
                unfinished = unfinished.mul(next.ne(eosScalar).to(ScalarType.Int64)).MoveToOuterDisposeScope();
                if (unfinished.max().item<long>() == 0)
                    break;
            }
        }
        return sequences.DetachFromDisposeScope();
    }

    /// <summary>Left-pads prompts into int64 ids [batch, longest] and an attention mask (1 token, 0 padding).</summary>
    /// <exception cref="ArgumentException">No prompts or an empty prompt.</exception>
    public static (Tensor InputIds, Tensor AttentionMask) LeftPad(IReadOnlyList<int[]> prompts, int padTokenId)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        if (prompts.Count == 0)
            throw new ArgumentException("No prompts to generate from.", nameof(prompts));
        for (var i = 0; i < prompts.Count; i++)
            if (prompts[i] is null || prompts[i].Length == 0)
                throw new ArgumentException($"Prompt {i} is empty; every prompt needs at least one token.", nameof(prompts));
        var width = prompts.Max(p => p.Length);
        var ids = new long[prompts.Count * width];
        var mask = new long[prompts.Count * width];
        for (var i = 0; i < prompts.Count; i++)
        {
            var offset = i * width + width - prompts[i].Length;
            Array.Fill(ids, padTokenId, i * width, width - prompts[i].Length);
            for (var j = 0; j < prompts[i].Length; j++)
                ids[offset + j] = prompts[i][j];
            Array.Fill(mask, 1L, offset, prompts[i].Length);
        }
        return (tensor(ids, [prompts.Count, width]), tensor(mask, [prompts.Count, width]));
    }

    private (int Eos, int Pad) SpecialTokens(GenerationOptions options)
    {
        var eos = options.EosTokenId ?? Model.Config.EosTokenId;
        var pad = options.PadTokenId ?? eos;
        var vocab = Model.Config.VocabSize;
        if (eos < 0 || eos >= vocab)
            throw new ArgumentException($"GenerationOptions.EosTokenId {eos} is outside the vocabulary [0, {vocab}).");
        if (pad < 0 || pad >= vocab)
            throw new ArgumentException($"GenerationOptions.PadTokenId {pad} is outside the vocabulary [0, {vocab}).");
        return (eos, pad);
    }

    /// <summary>How many prompt tokens to drop on the left and how many to generate, per the length options.</summary>
    private (int Dropped, int NewTokens) Plan(int promptLength, GenerationOptions options)
    {
        var context = Model.Config.ContextLength;
        // long: MaxNewTokens may be as large as int.MaxValue, and prompt + new tokens must not wrap around.
        long newTokens = options.MaxNewTokens ?? (long)(options.MaxLength ?? 20) - promptLength;
        if (newTokens < 1)
            throw new ArgumentException(
                $"GenerationOptions.MaxLength {options.MaxLength ?? 20} leaves no room after the prompt of {promptLength} tokens; "
                    + "raise it or set MaxNewTokens."
            );
        var total = promptLength + newTokens;
        if (total <= context)
            return (0, (int)newTokens);
        if (options.ContextOverflow == ContextOverflow.Throw)
            throw new ArgumentException(
                $"The prompt ({promptLength} tokens) + {newTokens} new tokens = {total} exceeds the model's context of "
                    + $"{context} tokens (n_positions). "
                    + "Shorten the prompt, ask for fewer tokens, or set ContextOverflow = TruncateLeft."
            );
        if (newTokens >= context)
            throw new ArgumentException(
                $"{newTokens} new tokens do not fit the model's context of {context} tokens (n_positions) with even one prompt token."
            );
        return ((int)(total - context), (int)newTokens);
    }

    // A temperature or repetition penalty far below 1 scales the logits past float32's range: softmax then gives NaN and
    // libtorch's multinomial fails with a native message. Say which knob did it instead (one check per sampled token).
    private static Tensor SamplingProbabilities(Tensor scores, int step, GenerationOptions options)
    {
        var probabilities = scores.softmax(-1);
        if (probabilities.isnan().any().item<bool>())
            throw new ArgumentException(
                $"Sampling step {step}: the next-token probabilities are not finite with temperature {options.Temperature} and repetition "
                    + $"penalty {options.RepetitionPenalty}: values this far below 1 push the scaled logits past "
                    + "float32's range. Use 0.01 or more, "
                    + "or greedy decoding (DoSample = false).",
                nameof(options)
            );
        return probabilities;
    }
}
