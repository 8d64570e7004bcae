namespace Workbook.Gpt2;

/// <summary>
/// How <see cref="Gpt2TokenGenerator"/> continues a prompt; names and defaults follow Hugging Face's <c>GenerationConfig</c>.
/// Greedy unless <see cref="DoSample"/>. The scores of each step go through, in HF's order: repetition penalty →
/// temperature → top-k → top-p → argmax or sampling (temperature, top-k and top-p only when sampling).
/// Introduced in chapter 09.
/// </summary>
public sealed record GenerationOptions
{
    /// <summary>Total length, prompt (padded) included (<c>max_length</c>); used when <see cref="MaxNewTokens"/> is null.
    /// When both are null, 20, HF's default.</summary>
    public int? MaxLength { get; init; }

    /// <summary>Tokens to add to the prompt (<c>max_new_tokens</c>); wins over <see cref="MaxLength"/>.</summary>
    public int? MaxNewTokens { get; init; }

    /// <summary>Sample from the distribution (<c>do_sample</c>); false picks the most likely token (greedy).</summary>
    public bool DoSample { get; init; }

    /// <summary>Divides the scores before sampling (<c>temperature</c>): below 1 sharper, above 1 flatter. Must be positive.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Keep only the k most likely tokens when sampling (<c>top_k</c>); 0 turns it off. HF's default is 50.</summary>
    public int TopK { get; init; } = 50;

    /// <summary>Keep the smallest set of most likely tokens whose probability reaches p when sampling (<c>top_p</c>); 1 turns it
    /// off.</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Penalty for tokens already in the sequence, prompt and padding included as in HF (<c>repetition_penalty</c>):
    /// positive scores are divided by it, negative ones multiplied; 1 turns it off.</summary>
    public double RepetitionPenalty { get; init; } = 1.0;

    /// <summary>Stop a row when it produces this token (<c>eos_token_id</c>); null uses the model's; see <see cref="StopAtEos"/>.</summary>
    public int? EosTokenId { get; init; }

    /// <summary>False generates exactly the requested number of tokens, ignoring the end-of-text token.</summary>
    public bool StopAtEos { get; init; } = true;

    /// <summary>Fills finished rows and left padding (<c>pad_token_id</c>); null uses the end-of-text id, as HF does for GPT-2.</summary>
    public int? PadTokenId { get; init; }

    /// <summary>Seed of the random generator used for sampling; the same seed gives the same tokens. Null uses torch's global
    /// generator.</summary>
    public long? Seed { get; init; }

    /// <summary>Keep past keys and values between steps (<c>use_cache</c>); false recomputes the whole sequence each step (slow, same
    /// result).</summary>
    public bool UseCache { get; init; } = true;

    /// <summary>What to do when prompt + new tokens exceed the context length.</summary>
    public ContextOverflow ContextOverflow { get; init; } = ContextOverflow.Throw;

    /// <summary>Greedy decoding of <paramref name="maxNewTokens"/> tokens.</summary>
    public static GenerationOptions Greedy(int maxNewTokens) => new() { MaxNewTokens = maxNewTokens };

    /// <summary>Sampling of <paramref name="maxNewTokens"/> tokens with a seed, temperature, top-k and top-p.</summary>
    public static GenerationOptions Sampling(int maxNewTokens, long seed, double temperature = 1.0, int topK = 50, double topP = 1.0) =>
        new()
        {
            MaxNewTokens = maxNewTokens,
            DoSample = true,
            Seed = seed,
            Temperature = temperature,
            TopK = topK,
            TopP = topP,
        };

    /// <summary>Checks the values; returns this.</summary>
    /// <exception cref="ArgumentException">A value out of range; the message names the option.</exception>
    public GenerationOptions Validate()
    {
        void Check(bool ok, string option, string problem)
        {
            if (!ok)
                throw new ArgumentException($"GenerationOptions.{option} {problem}.");
        }
        Check(MaxNewTokens is null or >= 1, nameof(MaxNewTokens), $"must be at least 1, found {MaxNewTokens}");
        Check(MaxLength is null or >= 1, nameof(MaxLength), $"must be at least 1, found {MaxLength}");
        Check(Temperature > 0 && double.IsFinite(Temperature), nameof(Temperature), $"must be a positive number, found {Temperature}");
        Check(TopK >= 0, nameof(TopK), $"must be 0 (off) or positive, found {TopK}");
        Check(TopP > 0 && TopP <= 1, nameof(TopP), $"must be in (0, 1], found {TopP}");
        Check(
            RepetitionPenalty > 0 && double.IsFinite(RepetitionPenalty),
            nameof(RepetitionPenalty),
            $"must be a positive number, found {RepetitionPenalty}"
        );
        return this;
    }
}

/// <summary>
/// What generation does when prompt + new tokens would exceed the model's context (<c>n_positions</c>). Introduced with chapter 10.
/// </summary>
public enum ContextOverflow
{
    /// <summary>Refuse, with an error naming the lengths (the default).</summary>
    Throw,

    /// <summary>Drop the oldest prompt tokens so that prompt + new tokens fit exactly; the result starts with the kept prompt.</summary>
    TruncateLeft,
}
