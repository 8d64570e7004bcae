using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Workbook.IO;
using Workbook.Models;

namespace Workbook.Encoders;

/// <summary>
/// The shape of a BERT encoder, as in Hugging Face's <c>config.json</c>: each property carries its JSON name, so the
/// file is read and written by System.Text.Json directly (fields this library does not use are ignored on reading).
/// Start from <see cref="BertBaseUncased"/> or read a file with <see cref="FromFile"/>. Introduced in chapter 12.
/// </summary>
public sealed record BertConfig : IJsonConfig<BertConfig>
{
    /// <summary>The model family; always "bert".</summary>
    [JsonPropertyName("model_type")]
    public string ModelType { get; init; } = "bert";

    /// <summary>The Hugging Face classes this checkpoint is meant for (informational).</summary>
    [JsonPropertyName("architectures")]
    public IReadOnlyList<string> Architectures { get; init; } = ["BertForMaskedLM"];

    /// <summary>WordPiece vocabulary size.</summary>
    [JsonPropertyName("vocab_size")]
    public int VocabSize { get; init; } = 30522;

    /// <summary>Width of every token's vector.</summary>
    [JsonPropertyName("hidden_size")]
    public int HiddenSize { get; init; } = 768;

    /// <summary>Encoder layers.</summary>
    [JsonPropertyName("num_hidden_layers")]
    public int LayerCount { get; init; } = 12;

    /// <summary>Attention heads per layer; must divide <see cref="HiddenSize"/>.</summary>
    [JsonPropertyName("num_attention_heads")]
    public int HeadCount { get; init; } = 12;

    /// <summary>Hidden width of each layer's feed-forward block.</summary>
    [JsonPropertyName("intermediate_size")]
    public int IntermediateSize { get; init; } = 3072;

    /// <summary>Feed-forward activation: "gelu" (exact, BERT's), or "gelu_new" / "gelu_pytorch_tanh" (tanh approximation).</summary>
    [JsonPropertyName("hidden_act")]
    public string HiddenAct { get; init; } = "gelu";

    /// <summary>Longest input, the size of the position table.</summary>
    [JsonPropertyName("max_position_embeddings")]
    public int MaxPositionEmbeddings { get; init; } = 512;

    /// <summary>Segment types (sentence A / B): the size of the token-type table.</summary>
    [JsonPropertyName("type_vocab_size")]
    public int TypeVocabSize { get; init; } = 2;

    /// <summary>LayerNorm epsilon.</summary>
    [JsonPropertyName("layer_norm_eps")]
    public double LayerNormEps { get; init; } = 1e-12;

    /// <summary>Dropout on embeddings and after each sub-layer, in training mode only.</summary>
    [JsonPropertyName("hidden_dropout_prob")]
    public double HiddenDropoutProb { get; init; } = 0.1;

    /// <summary>Dropout on the attention probabilities, in training mode only.</summary>
    [JsonPropertyName("attention_probs_dropout_prob")]
    public double AttentionProbsDropoutProb { get; init; } = 0.1;

    /// <summary>Dropout before the classifier; null means <see cref="HiddenDropoutProb"/> (as Hugging Face).</summary>
    [JsonPropertyName("classifier_dropout")]
    public double? ClassifierDropout { get; init; }

    /// <summary>Standard deviation of the normal initialisation of weights and embeddings.</summary>
    [JsonPropertyName("initializer_range")]
    public double InitializerRange { get; init; } = 0.02;

    /// <summary>The padding token's id (its embedding row starts at zero).</summary>
    [JsonPropertyName("pad_token_id")]
    public int PadTokenId { get; init; }

    /// <summary>Only "absolute" (learned position table) is implemented.</summary>
    [JsonPropertyName("position_embedding_type")]
    public string PositionEmbeddingType { get; init; } = "absolute";

    /// <summary>Class names of a sequence classifier by id ("0", "1", …); their count is <see cref="LabelCount"/>.</summary>
    [JsonPropertyName("id2label")]
    public IReadOnlyDictionary<string, string>? Id2Label { get; init; }

    /// <summary>Classes of a sequence classifier: the entries of <see cref="Id2Label"/>, or 2 (Hugging Face's default).</summary>
    [JsonIgnore]
    public int LabelCount => Id2Label?.Count ?? 2;

    /// <summary>Width of one attention head.</summary>
    [JsonIgnore]
    public int HeadSize => HiddenSize / HeadCount;

    /// <summary><c>bert-base-uncased</c> (110M parameters).</summary>
    public static BertConfig BertBaseUncased { get; } = new();

    /// <summary>This config with class names <paramref name="labels"/> (id2label), for a sequence classifier.</summary>
    public BertConfig WithLabels(IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return this with
        {
            Id2Label = labels
                .Select((l, i) => (l, i))
                .ToDictionary(p => p.i.ToString(System.Globalization.CultureInfo.InvariantCulture), p => p.l),
        };
    }

    /// <summary>The class names in id order (from <see cref="Id2Label"/>; "LABEL_i" where there is none).</summary>
    public IReadOnlyList<string> Labels() =>
        [
            .. Enumerable
                .Range(0, LabelCount)
                .Select(i => Id2Label?.GetValueOrDefault(i.ToString(System.Globalization.CultureInfo.InvariantCulture)) ?? $"LABEL_{i}"),
        ];

    /// <summary>Checks that the numbers fit together and that the model fits in this machine's memory; returns this config.</summary>
    /// <param name="source">Where the config came from (a file path, a preset name), for the message.</param>
    /// <exception cref="ArgumentException">A field is out of range or unsupported; the message names the source and the field.</exception>
    public BertConfig Validate(string source = nameof(BertConfig))
    {
        void Check(bool ok, string field, string problem)
        {
            if (!ok)
                throw new ArgumentException($"{source}: {field} {problem}.");
        }
        static bool Probability(double p) => p is >= 0 and < 1;
        Check(ModelType == "bert", "model_type", $"is '{ModelType}', not 'bert'");
        Check(VocabSize > 0, "vocab_size", $"must be positive, found {VocabSize}");
        Check(HiddenSize > 0, "hidden_size", $"must be positive, found {HiddenSize}");
        Check(LayerCount > 0, "num_hidden_layers", $"must be positive, found {LayerCount}");
        Check(
            HeadCount > 0 && HiddenSize % HeadCount == 0,
            "num_attention_heads",
            $"{HeadCount} must be positive and divide hidden_size {HiddenSize}"
        );
        Check(IntermediateSize > 0, "intermediate_size", $"must be positive, found {IntermediateSize}");
        Check(
            HiddenAct is "gelu" or "gelu_new" or "gelu_pytorch_tanh",
            "hidden_act",
            $"'{HiddenAct}' is not supported (gelu, gelu_new or gelu_pytorch_tanh)"
        );
        Check(MaxPositionEmbeddings > 0, "max_position_embeddings", $"must be positive, found {MaxPositionEmbeddings}");
        Check(TypeVocabSize > 0, "type_vocab_size", $"must be positive, found {TypeVocabSize}");
        Check(LayerNormEps > 0 && double.IsFinite(LayerNormEps), "layer_norm_eps", $"must be a positive number, found {LayerNormEps}");
        Check(Probability(HiddenDropoutProb), "hidden_dropout_prob", $"must lie in [0, 1), found {HiddenDropoutProb}");
        Check(
            Probability(AttentionProbsDropoutProb),
            "attention_probs_dropout_prob",
            $"must lie in [0, 1), found {AttentionProbsDropoutProb}"
        );
        Check(
            ClassifierDropout is null || Probability(ClassifierDropout.Value),
            "classifier_dropout",
            $"must lie in [0, 1) or be null, found {ClassifierDropout}"
        );
        Check(
            InitializerRange > 0 && double.IsFinite(InitializerRange),
            "initializer_range",
            $"must be a positive number, found {InitializerRange}"
        );
        Check(PadTokenId >= 0 && PadTokenId < VocabSize, "pad_token_id", $"{PadTokenId} is outside the vocabulary [0, {VocabSize})");
        Check(PositionEmbeddingType == "absolute", "position_embedding_type", $"'{PositionEmbeddingType}' is not supported (absolute)");
        Check(
            Id2Label is null
                || (
                    Id2Label.Count > 0
                    && Enumerable
                        .Range(0, Id2Label.Count)
                        .All(i => Id2Label.ContainsKey(i.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                ),
            "id2label",
            "must map every id 0, 1, … n − 1 to a name"
        );
        double hidden = HiddenSize,
            layers = LayerCount;
        ParameterMemory.Check(
            source,
            [
                ("vocab_size/hidden_size (word_embeddings)", (double)VocabSize * hidden),
                ("max_position_embeddings/hidden_size", ((double)MaxPositionEmbeddings + TypeVocabSize) * hidden),
                ("hidden_size/num_hidden_layers (attention)", layers * 4 * (hidden + 1) * hidden),
                ("intermediate_size", layers * (2 * hidden * IntermediateSize + IntermediateSize + hidden)),
            ]
        );
        return this;
    }

    static string IJsonConfig<BertConfig>.FileName => "config.json";

    /// <summary>Refuses a config of another model type before the typed read.</summary>
    static void IJsonConfig<BertConfig>.Prepare(JsonObject root, string source)
    {
        if (root["model_type"] is { } type && !(type is JsonValue v && v.TryGetValue<string>(out var name) && name == "bert"))
            throw new InvalidDataException($"{source}: field 'model_type' is {type.ToJsonString().Replace('"', '\'')}, not 'bert'.");
    }

    /// <summary>Reads and validates a Hugging Face BERT <c>config.json</c> (the file, or the folder holding it).</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not JSON, or a field of the wrong type; the message names the file and the field.</exception>
    /// <exception cref="ArgumentException">A value out of range (see <see cref="Validate"/>); the message names the file and the
    /// field.</exception>
    public static BertConfig FromFile(string path) => JsonConfig.FromFile<BertConfig>(path);

    /// <summary>Parses and validates the text of a <c>config.json</c>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">As for <see cref="FromFile"/>.</exception>
    /// <exception cref="ArgumentException">As for <see cref="FromFile"/>.</exception>
    public static BertConfig FromJson(string json, string source = "config.json") => JsonConfig.FromJson<BertConfig>(json, source);

    /// <summary>The config as <c>config.json</c> text.</summary>
    public string ToJson() => JsonConfig.ToJson(this);

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    public void Save(string path) => JsonConfig.Save(this, path);
}
