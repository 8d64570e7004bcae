using System.Text.Json;
using Workbook.Gpt2;

namespace Workbook.Serving;

/// <summary>
/// A parsed <c>POST /v1/generate</c> body: <c>prompt</c> (required) and the generation knobs of chapter 10 —
/// <c>maxNewTokens</c>, <c>doSample</c>, <c>temperature</c>, <c>topK</c>, <c>topP</c>, <c>repetitionPenalty</c>,
/// <c>seed</c> — plus <c>stream</c> for server-sent events.
/// </summary>
/// <param name="Prompt">The text to continue.</param>
/// <param name="Options">Generation options, validated.</param>
/// <param name="Stream">Answer as a <c>text/event-stream</c>, one event per piece of text.</param>
public sealed record GenerateRequest(string Prompt, GenerationOptions Options, bool Stream)
{
    /// <summary>
    /// The smallest temperature and repetition penalty accepted. Both divide float32 logits; a divisor such as 1e-300
    /// turns them into infinities and sampling fails, while anything below 0.01 already samples the top token
    /// (greedy in effect), so nothing is lost.
    /// </summary>
    public const double MinimumDivisor = 0.01;

    private const string TinyDivisorHint =
        " Smaller values divide the logits into infinities; for the most likely token every time, send doSample false.";

    private static readonly string[] Fields =
    [
        "prompt",
        "maxNewTokens",
        "doSample",
        "temperature",
        "topK",
        "topP",
        "repetitionPenalty",
        "seed",
        "stream",
    ];

    /// <summary>Validates and converts the body.</summary>
    /// <exception cref="RequestProblemException">400 naming the field that is missing, of the wrong type or out of range.</exception>
    public static GenerateRequest Parse(JsonElement body, int maxNewTokensLimit, int maxPromptCharacters, int vocabularySize)
    {
        JsonFields.RequireOnly(body, Fields);
        if (!body.TryGetProperty("prompt", out var promptValue))
            throw RequestProblemException.InvalidField("prompt", "The body needs a field 'prompt': the text to continue.");
        if (promptValue.ValueKind != JsonValueKind.String)
            throw RequestProblemException.InvalidField(
                "prompt",
                $"prompt must be a string; got {JsonRequestBody.Describe(promptValue.ValueKind)}."
            );
        var prompt = promptValue.GetString()!;
        if (prompt.Length == 0)
            throw RequestProblemException.InvalidField("prompt", "prompt is empty; GPT-2 needs at least one token to continue.");
        if (prompt.Length > maxPromptCharacters)
            throw RequestProblemException.InvalidField(
                "prompt",
                $"prompt has {prompt.Length} characters; at most {maxPromptCharacters} are allowed."
            );
        var seed =
            body.TryGetProperty("seed", out var s) && s.ValueKind != JsonValueKind.Null
                ? JsonFields.Integer(body, "seed", 0, 0, long.MaxValue)
                : (long?)null;
        var options = new GenerationOptions
        {
            MaxNewTokens = (int)JsonFields.Integer(body, "maxNewTokens", 20, 1, maxNewTokensLimit),
            DoSample = JsonFields.Boolean(body, "doSample", false),
            Temperature = JsonFields.Number(body, "temperature", 1.0, MinimumDivisor, 10, hint: TinyDivisorHint),
            TopK = (int)JsonFields.Integer(body, "topK", 50, 0, vocabularySize),
            TopP = JsonFields.Number(body, "topP", 1.0, 0, 1, minExclusive: true),
            RepetitionPenalty = JsonFields.Number(body, "repetitionPenalty", 1.0, MinimumDivisor, 10, hint: TinyDivisorHint),
            Seed = seed,
        };
        return new GenerateRequest(prompt, options, JsonFields.Boolean(body, "stream", false));
    }
}
