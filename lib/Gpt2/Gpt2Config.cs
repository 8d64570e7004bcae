using System.Text.Json;
using System.Text.Json.Nodes;
using Workbook.IO;
using Workbook.Models;

namespace Workbook.Gpt2;

/// <summary>
/// The shape of a GPT-2 model, as in Hugging Face's <c>config.json</c> (the JSON field name is given for each property).
/// Read one with <see cref="FromFile"/>, or start from a preset: <see cref="Gpt2"/> (124M), <see cref="DistilGpt2"/>,
/// <see cref="Gpt2Medium"/>, <see cref="Gpt2Large"/>, <see cref="Gpt2Xl"/>.
/// </summary>
public sealed record Gpt2Config
{
    /// <summary>Token vocabulary size (<c>vocab_size</c>); 50257 for every released GPT-2.</summary>
    public int VocabSize { get; init; } = 50257;
    /// <summary>Longest sequence, the size of the position table (<c>n_positions</c>, older files also <c>n_ctx</c>).</summary>
    public int ContextLength { get; init; } = 1024;
    /// <summary>Width of the residual stream (<c>n_embd</c>).</summary>
    public int EmbeddingSize { get; init; } = 768;
    /// <summary>Number of transformer blocks (<c>n_layer</c>).</summary>
    public int LayerCount { get; init; } = 12;
    /// <summary>Attention heads per block (<c>n_head</c>); must divide <see cref="EmbeddingSize"/>.</summary>
    public int HeadCount { get; init; } = 12;
    /// <summary>Hidden width of the MLP (<c>n_inner</c>); null means 4 × <see cref="EmbeddingSize"/>.</summary>
    public int? InnerSize { get; init; }
    /// <summary>LayerNorm epsilon (<c>layer_norm_epsilon</c>).</summary>
    public double LayerNormEpsilon { get; init; } = 1e-5;
    /// <summary>MLP activation (<c>activation_function</c>): "gelu_new" or "gelu_pytorch_tanh" (tanh approximation, GPT-2's), or "gelu" (exact erf).</summary>
    public string ActivationFunction { get; init; } = "gelu_new";
    /// <summary>Beginning-of-text token id (<c>bos_token_id</c>).</summary>
    public long BosTokenId { get; init; } = 50256;
    /// <summary>End-of-text token id (<c>eos_token_id</c>), where generation stops.</summary>
    public long EosTokenId { get; init; } = 50256;

    /// <summary>The MLP's hidden width: <see cref="InnerSize"/>, or 4 × <see cref="EmbeddingSize"/> when it is null.</summary>
    public int MlpSize => InnerSize ?? 4 * EmbeddingSize;
    /// <summary>Width of one attention head: <see cref="EmbeddingSize"/> / <see cref="HeadCount"/>.</summary>
    public int HeadSize => EmbeddingSize / HeadCount;

    /// <summary>GPT-2 small, 124M parameters (HF <c>gpt2</c>).</summary>
    public static Gpt2Config Gpt2 { get; } = new();
    /// <summary>DistilGPT-2, 82M parameters: GPT-2 small with 6 layers (HF <c>distilgpt2</c>).</summary>
    public static Gpt2Config DistilGpt2 { get; } = new() { LayerCount = 6 };
    /// <summary>GPT-2 medium, 355M parameters (HF <c>gpt2-medium</c>).</summary>
    public static Gpt2Config Gpt2Medium { get; } = new() { EmbeddingSize = 1024, LayerCount = 24, HeadCount = 16 };
    /// <summary>GPT-2 large, 774M parameters (HF <c>gpt2-large</c>).</summary>
    public static Gpt2Config Gpt2Large { get; } = new() { EmbeddingSize = 1280, LayerCount = 36, HeadCount = 20 };
    /// <summary>GPT-2 XL, 1.5B parameters (HF <c>gpt2-xl</c>).</summary>
    public static Gpt2Config Gpt2Xl { get; } = new() { EmbeddingSize = 1600, LayerCount = 48, HeadCount = 25 };

    /// <summary>Checks the numbers fit together; returns this config.</summary>
    /// <param name="source">Where the config came from, for the message (a file path, a preset name).</param>
    /// <exception cref="ArgumentException">A size is not positive, <c>n_embd</c> is not divisible by <c>n_head</c>, the
    /// epsilon is not positive, the activation is unknown, a token id is outside the vocabulary, or the parameters would
    /// not fit in this machine's memory (see <see cref="ParameterMemory"/>); the message names the field.</exception>
    public Gpt2Config Validate(string source = "Gpt2Config")
    {
        void Check(bool ok, string field, string problem)
        {
            if (!ok) throw new ArgumentException($"{source}: {field} {problem}.");
        }
        Check(VocabSize > 0, "vocab_size", $"must be positive, found {VocabSize}");
        Check(ContextLength > 0, "n_positions", $"must be positive, found {ContextLength}");
        Check(EmbeddingSize > 0, "n_embd", $"must be positive, found {EmbeddingSize}");
        Check(LayerCount > 0, "n_layer", $"must be positive, found {LayerCount}");
        Check(HeadCount > 0, "n_head", $"must be positive, found {HeadCount}");
        Check(EmbeddingSize % HeadCount == 0, "n_embd", $"{EmbeddingSize} is not divisible by n_head {HeadCount}");
        Check(InnerSize is null or > 0, "n_inner", $"must be positive or null, found {InnerSize}");
        Check(LayerNormEpsilon > 0 && double.IsFinite(LayerNormEpsilon), "layer_norm_epsilon", $"must be a positive number, found {LayerNormEpsilon}");
        Check(ActivationFunction is "gelu_new" or "gelu_pytorch_tanh" or "gelu", "activation_function",
            $"'{ActivationFunction}' is not supported (use gelu_new, gelu_pytorch_tanh or gelu)");
        Check(BosTokenId >= 0 && BosTokenId < VocabSize, "bos_token_id", $"{BosTokenId} is outside the vocabulary [0, {VocabSize})");
        Check(EosTokenId >= 0 && EosTokenId < VocabSize, "eos_token_id", $"{EosTokenId} is outside the vocabulary [0, {VocabSize})");
        double width = EmbeddingSize, layers = LayerCount, inner = InnerSize ?? 4.0 * EmbeddingSize;
        ParameterMemory.Check(source,
        [
            ("vocab_size/n_embd (wte)", (double)VocabSize * width),
            ("n_positions/n_embd (wpe)", (double)ContextLength * width),
            ("n_embd/n_layer (attention)", layers * 4 * (width + 1) * width),
            (InnerSize is null ? "n_embd/n_layer (MLP of 4 × n_embd)" : "n_inner", layers * (2 * width * inner + inner + width)),
        ]);
        return this;
    }

    /// <summary>Reads and validates a Hugging Face GPT-2 <c>config.json</c> (a path to the file or to its folder).</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not JSON, not a GPT-2 config, a required field missing or of the wrong type, or
    /// an unsupported option; the message names the file and the field.</exception>
    /// <exception cref="ArgumentException">The values do not fit together (see <see cref="Validate"/>); the message names the file.</exception>
    public static Gpt2Config FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path)) path = Path.Combine(path, "config.json");
        if (!File.Exists(path)) throw new FileNotFoundException($"GPT-2 config not found: {path}", path);
        return FromJson(File.ReadAllText(path), path);
    }

    /// <summary>Parses and validates the text of a <c>config.json</c>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">As for <see cref="FromFile"/>.</exception>
    public static Gpt2Config FromJson(string json, string source = "config.json")
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"{source}: expected a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON ({e.Message}).", e);
        }
        InvalidDataException Bad(string field, string problem) => new($"{source}: field '{field}' {problem}.");

        int Int(string field, int? fallback, string? alias = null)
        {
            var node = root[field] ?? (alias is null ? null : root[alias]);
            if (node is null) return fallback ?? throw Bad(field, "is missing");
            if (node is JsonValue v && v.TryGetValue<long>(out var n) && n is >= int.MinValue and <= int.MaxValue) return (int)n;
            if (node is JsonValue d && d.TryGetValue<double>(out var x) && x == Math.Floor(x) && Math.Abs(x) < int.MaxValue) return (int)x;
            throw Bad(field, $"must be an integer, found {node.ToJsonString()}");
        }
        bool Flag(string field, bool fallback)
        {
            var node = root[field];
            if (node is null) return fallback;
            return node is JsonValue v && v.TryGetValue<bool>(out var b) ? b : throw Bad(field, $"must be true or false, found {node.ToJsonString()}");
        }

        if (root["model_type"] is { } type && type.ToJsonString() != "\"gpt2\"")
            throw Bad("model_type", $"is {type.ToJsonString()}, not \"gpt2\"");
        if (Flag("scale_attn_by_inverse_layer_idx", false)) throw Bad("scale_attn_by_inverse_layer_idx", "is true, which this implementation does not support");
        if (!Flag("scale_attn_weights", true)) throw Bad("scale_attn_weights", "is false, which this implementation does not support");
        if (!Flag("tie_word_embeddings", true)) throw Bad("tie_word_embeddings", "is false; this implementation ties lm_head to wte, as every released GPT-2 does");

        int? inner = root["n_inner"] is null ? null : Int("n_inner", null);
        double epsilon = 1e-5;
        if (root["layer_norm_epsilon"] is { } eps)
            epsilon = eps is JsonValue ev && ev.TryGetValue<double>(out var e) ? e : throw Bad("layer_norm_epsilon", $"must be a number, found {eps.ToJsonString()}");
        var activation = "gelu_new";
        if (root["activation_function"] is { } act)
            activation = act is JsonValue av && av.TryGetValue<string>(out var s) ? s : throw Bad("activation_function", $"must be a string, found {act.ToJsonString()}");

        var config = new Gpt2Config
        {
            VocabSize = Int("vocab_size", null),
            ContextLength = Int("n_positions", null, alias: "n_ctx"),
            EmbeddingSize = Int("n_embd", null),
            LayerCount = Int("n_layer", null),
            HeadCount = Int("n_head", null),
            InnerSize = inner,
            LayerNormEpsilon = epsilon,
            ActivationFunction = activation,
            BosTokenId = Int("bos_token_id", 50256),
            EosTokenId = Int("eos_token_id", 50256),
        };
        return config.Validate(source);
    }

    /// <summary>The config as Hugging Face <c>config.json</c> text (the fields above plus model_type and architectures).</summary>
    public string ToJson()
    {
        var root = new JsonObject
        {
            ["activation_function"] = ActivationFunction,
            ["architectures"] = new JsonArray("GPT2LMHeadModel"),
            ["bos_token_id"] = BosTokenId,
            ["eos_token_id"] = EosTokenId,
            ["layer_norm_epsilon"] = LayerNormEpsilon,
            ["model_type"] = "gpt2",
            ["n_embd"] = EmbeddingSize,
            ["n_head"] = HeadCount,
            ["n_inner"] = InnerSize,
            ["n_layer"] = LayerCount,
            ["n_positions"] = ContextLength,
            ["vocab_size"] = VocabSize,
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.WriteAllText(path, ToJson());
    }
}
