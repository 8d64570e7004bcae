using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Workbook.IO;
using Workbook.Models;

namespace Workbook.Gpt2;

/// <summary>
/// The shape of a GPT-2 model, as in Hugging Face's <c>config.json</c> (the JSON field name is given for each property).
/// Read one with <see cref="FromFile"/>, or start from a preset: <see cref="Gpt2"/> (124M), <see cref="DistilGpt2"/>,
/// <see cref="Gpt2Medium"/>, <see cref="Gpt2Large"/>, <see cref="Gpt2Xl"/>.
/// Introduced in chapter 09.
/// </summary>
public sealed record Gpt2Config : IJsonConfig<Gpt2Config>
{
    /// <summary>Token vocabulary size (<c>vocab_size</c>); 50257 for every released GPT-2.</summary>
    [JsonPropertyName("vocab_size"), JsonRequired]
    public int VocabSize { get; init; } = 50257;

    /// <summary>Longest sequence, the size of the position table (<c>n_positions</c>, older files also <c>n_ctx</c>).</summary>
    [JsonPropertyName("n_positions"), JsonRequired]
    public int ContextLength { get; init; } = 1024;

    /// <summary>Width of the residual stream (<c>n_embd</c>).</summary>
    [JsonPropertyName("n_embd"), JsonRequired]
    public int EmbeddingSize { get; init; } = 768;

    /// <summary>Number of transformer blocks (<c>n_layer</c>).</summary>
    [JsonPropertyName("n_layer"), JsonRequired]
    public int LayerCount { get; init; } = 12;

    /// <summary>Attention heads per block (<c>n_head</c>); must divide <see cref="EmbeddingSize"/>.</summary>
    [JsonPropertyName("n_head"), JsonRequired]
    public int HeadCount { get; init; } = 12;

    /// <summary>Hidden width of the MLP (<c>n_inner</c>); null means 4 × <see cref="EmbeddingSize"/>.</summary>
    [JsonPropertyName("n_inner")]
    public int? InnerSize { get; init; }

    /// <summary>LayerNorm epsilon (<c>layer_norm_epsilon</c>).</summary>
    [JsonPropertyName("layer_norm_epsilon")]
    public double LayerNormEpsilon { get; init; } = 1e-5;

    /// <summary>MLP activation (<c>activation_function</c>): "gelu_new" or "gelu_pytorch_tanh" (tanh approximation, GPT-2's), or "gelu"
    /// (exact erf).</summary>
    [JsonPropertyName("activation_function")]
    public string ActivationFunction { get; init; } = "gelu_new";

    /// <summary>Beginning-of-text token id (<c>bos_token_id</c>).</summary>
    [JsonPropertyName("bos_token_id")]
    public int BosTokenId { get; init; } = 50256;

    /// <summary>End-of-text token id (<c>eos_token_id</c>), where generation stops.</summary>
    [JsonPropertyName("eos_token_id")]
    public int EosTokenId { get; init; } = 50256;

    /// <summary>Always "gpt2" (<c>model_type</c>): written for <c>transformers</c>; a file naming another type is refused.</summary>
    [JsonPropertyName("model_type")]
    public string ModelType => "gpt2";

    /// <summary>The class <c>transformers</c> builds from this config (<c>architectures</c>).</summary>
    [JsonPropertyName("architectures")]
    public IReadOnlyList<string> Architectures => ["GPT2LMHeadModel"];

    /// <summary>The MLP's hidden width: <see cref="InnerSize"/>, or 4 × <see cref="EmbeddingSize"/> when it is null.</summary>
    [JsonIgnore]
    public int MlpSize => InnerSize ?? 4 * EmbeddingSize;

    /// <summary>Width of one attention head: <see cref="EmbeddingSize"/> / <see cref="HeadCount"/>.</summary>
    [JsonIgnore]
    public int HeadSize => EmbeddingSize / HeadCount;

    /// <summary>GPT-2 small, 124M parameters (HF <c>gpt2</c>).</summary>
    public static Gpt2Config Gpt2 { get; } = new();

    /// <summary>DistilGPT-2, 82M parameters: GPT-2 small with 6 layers (HF <c>distilgpt2</c>).</summary>
    public static Gpt2Config DistilGpt2 { get; } = new() { LayerCount = 6 };

    /// <summary>GPT-2 medium, 355M parameters (HF <c>gpt2-medium</c>).</summary>
    public static Gpt2Config Gpt2Medium { get; } =
        new()
        {
            EmbeddingSize = 1024,
            LayerCount = 24,
            HeadCount = 16,
        };

    /// <summary>GPT-2 large, 774M parameters (HF <c>gpt2-large</c>).</summary>
    public static Gpt2Config Gpt2Large { get; } =
        new()
        {
            EmbeddingSize = 1280,
            LayerCount = 36,
            HeadCount = 20,
        };

    /// <summary>GPT-2 XL, 1.5B parameters (HF <c>gpt2-xl</c>).</summary>
    public static Gpt2Config Gpt2Xl { get; } =
        new()
        {
            EmbeddingSize = 1600,
            LayerCount = 48,
            HeadCount = 25,
        };

    /// <summary>Checks the numbers fit together; returns this config.</summary>
    /// <param name="source">Where the config came from, for the message (a file path, a preset name).</param>
    /// <exception cref="ArgumentException">A size is not positive, <c>n_embd</c> is not divisible by <c>n_head</c>, the
    /// epsilon is not positive, the activation is unknown, a token id is outside the vocabulary, or the parameters would
    /// not fit in this machine's memory (see <see cref="ParameterMemory"/>); the message names the field.</exception>
    public Gpt2Config Validate(string source = "Gpt2Config")
    {
        void Check(bool ok, string field, string problem)
        {
            if (!ok)
                throw new ArgumentException($"{source}: {field} {problem}.");
        }
        Check(VocabSize > 0, "vocab_size", $"must be positive, found {VocabSize}");
        Check(ContextLength > 0, "n_positions", $"must be positive, found {ContextLength}");
        Check(EmbeddingSize > 0, "n_embd", $"must be positive, found {EmbeddingSize}");
        Check(LayerCount > 0, "n_layer", $"must be positive, found {LayerCount}");
        Check(HeadCount > 0, "n_head", $"must be positive, found {HeadCount}");
        Check(EmbeddingSize % HeadCount == 0, "n_embd", $"{EmbeddingSize} is not divisible by n_head {HeadCount}");
        Check(InnerSize is null or > 0, "n_inner", $"must be positive or null, found {InnerSize}");
        Check(
            LayerNormEpsilon > 0 && double.IsFinite(LayerNormEpsilon),
            "layer_norm_epsilon",
            $"must be a positive number, found {LayerNormEpsilon}"
        );
        Check(
            ActivationFunction is "gelu_new" or "gelu_pytorch_tanh" or "gelu",
            "activation_function",
            $"'{ActivationFunction}' is not supported (use gelu_new, gelu_pytorch_tanh or gelu)"
        );
        Check(BosTokenId >= 0 && BosTokenId < VocabSize, "bos_token_id", $"{BosTokenId} is outside the vocabulary [0, {VocabSize})");
        Check(EosTokenId >= 0 && EosTokenId < VocabSize, "eos_token_id", $"{EosTokenId} is outside the vocabulary [0, {VocabSize})");
        double width = EmbeddingSize,
            layers = LayerCount,
            inner = InnerSize ?? 4.0 * EmbeddingSize;
        ParameterMemory.Check(
            source,
            [
                ("vocab_size/n_embd (wte)", (double)VocabSize * width),
                ("n_positions/n_embd (wpe)", (double)ContextLength * width),
                ("n_embd/n_layer (attention)", layers * 4 * (width + 1) * width),
                (InnerSize is null ? "n_embd/n_layer (MLP of 4 × n_embd)" : "n_inner", layers * (2 * width * inner + inner + width)),
            ]
        );
        return this;
    }

    static string IJsonConfig<Gpt2Config>.FileName => "config.json";

    /// <summary>Reads and validates a Hugging Face GPT-2 <c>config.json</c> (a path to the file or to its folder).</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not JSON, not a GPT-2 config, a required field missing or of the wrong type, or
    /// an unsupported option; the message names the file and the field.</exception>
    /// <exception cref="ArgumentException">The values do not fit together (see <see cref="Validate"/>); the message names the
    /// file.</exception>
    public static Gpt2Config FromFile(string path) => JsonConfig.FromFile<Gpt2Config>(path);

    /// <summary>Parses and validates the text of a <c>config.json</c>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">As for <see cref="FromFile"/>.</exception>
    public static Gpt2Config FromJson(string json, string source = "config.json") => JsonConfig.FromJson<Gpt2Config>(json, source);

    /// <summary>Refuses another model type and the options this implementation lacks; reads <c>n_ctx</c> where older files have no
    /// <c>n_positions</c>.</summary>
    static void IJsonConfig<Gpt2Config>.Prepare(JsonObject root, string source)
    {
        InvalidDataException Bad(string field, string problem) => new($"{source}: field '{field}' {problem}.");
        bool Flag(string field, bool fallback) =>
            root[field] switch
            {
                null => fallback,
                JsonValue v when v.TryGetValue<bool>(out var b) => b,
                var node => throw Bad(field, $"must be true or false, found {node.ToJsonString()}"),
            };
        if (root["model_type"] is { } type && type.ToJsonString() != "\"gpt2\"")
            throw Bad("model_type", $"is {type.ToJsonString()}, not \"gpt2\"");
        if (Flag("scale_attn_by_inverse_layer_idx", false))
            throw Bad("scale_attn_by_inverse_layer_idx", "is true, which this implementation does not support");
        if (!Flag("scale_attn_weights", true))
            throw Bad("scale_attn_weights", "is false, which this implementation does not support");
        if (!Flag("tie_word_embeddings", true))
            throw Bad("tie_word_embeddings", "is false; this implementation ties lm_head to wte, as every released GPT-2 does");
        if (root["n_positions"] is null && root["n_ctx"] is { } context)
            root["n_positions"] = context.DeepClone();
        // Written by this library's ToJson, read-only here: the typed read ignores them.
        root.Remove("model_type");
        root.Remove("architectures");
    }

    /// <summary>The config as Hugging Face <c>config.json</c> text (the fields above plus model_type and architectures).</summary>
    public string ToJson() => JsonConfig.ToJson(this);

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    public void Save(string path) => JsonConfig.Save(this, path);
}
