using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Workbook.IO;
using Workbook.Models;

namespace Workbook.Wav2Vec2;

/// <summary>
/// The shape of a wav2vec2 CTC model, read from a Hugging Face <c>config.json</c> (JSON names given per property).
/// <see cref="Base960h"/> is <c>facebook/wav2vec2-base-960h</c>; the large-lv60 family sets <see cref="FeatureNorm"/>
/// "layer", <see cref="StableLayerNorm"/> true and <see cref="ConvBias"/> true. Introduced with chapter 13.
/// </summary>
public sealed record Wav2Vec2Config : IJsonConfig<Wav2Vec2Config>
{
    /// <summary>Output symbols, including the CTC blank (<c>vocab_size</c>).</summary>
    [JsonPropertyName("vocab_size")]
    public int VocabSize { get; init; } = 32;

    /// <summary>Transformer width (<c>hidden_size</c>).</summary>
    [JsonPropertyName("hidden_size")]
    public int HiddenSize { get; init; } = 768;

    /// <summary>Transformer layers (<c>num_hidden_layers</c>).</summary>
    [JsonPropertyName("num_hidden_layers")]
    public int LayerCount { get; init; } = 12;

    /// <summary>Attention heads (<c>num_attention_heads</c>).</summary>
    [JsonPropertyName("num_attention_heads")]
    public int HeadCount { get; init; } = 12;

    /// <summary>Feed-forward width (<c>intermediate_size</c>).</summary>
    [JsonPropertyName("intermediate_size")]
    public int IntermediateSize { get; init; } = 3072;

    /// <summary>LayerNorm epsilon (<c>layer_norm_eps</c>).</summary>
    [JsonPropertyName("layer_norm_eps")]
    public double LayerNormEpsilon { get; init; } = 1e-5;

    /// <summary>"group": GroupNorm after the first conv layer only (base); "layer": LayerNorm after every conv layer (lv60)
    /// (<c>feat_extract_norm</c>).</summary>
    [JsonPropertyName("feat_extract_norm")]
    public string FeatureNorm { get; init; } = "group";

    /// <summary>Channels of each feature-encoder conv layer (<c>conv_dim</c>).</summary>
    [JsonPropertyName("conv_dim")]
    public IReadOnlyList<int> ConvChannels { get; init; } = [512, 512, 512, 512, 512, 512, 512];

    /// <summary>Kernel of each conv layer (<c>conv_kernel</c>).</summary>
    [JsonPropertyName("conv_kernel")]
    public IReadOnlyList<int> ConvKernels { get; init; } = [10, 3, 3, 3, 3, 2, 2];

    /// <summary>Stride of each conv layer (<c>conv_stride</c>).</summary>
    [JsonPropertyName("conv_stride")]
    public IReadOnlyList<int> ConvStrides { get; init; } = [5, 2, 2, 2, 2, 2, 2];

    /// <summary>Whether the conv layers have biases (<c>conv_bias</c>).</summary>
    [JsonPropertyName("conv_bias")]
    public bool ConvBias { get; init; }

    /// <summary>Kernel of the positional convolution (<c>num_conv_pos_embeddings</c>).</summary>
    [JsonPropertyName("num_conv_pos_embeddings")]
    public int PositionalKernel { get; init; } = 128;

    /// <summary>Groups of the positional convolution (<c>num_conv_pos_embedding_groups</c>).</summary>
    [JsonPropertyName("num_conv_pos_embedding_groups")]
    public int PositionalGroups { get; init; } = 16;

    /// <summary>Pre-LN encoder with a final LayerNorm (<c>do_stable_layer_norm</c>, the lv60 family) instead of post-LN.</summary>
    [JsonPropertyName("do_stable_layer_norm")]
    public bool StableLayerNorm { get; init; }

    /// <summary>The CTC blank / padding id (<c>pad_token_id</c>).</summary>
    [JsonPropertyName("pad_token_id")]
    public int PadTokenId { get; init; }

    /// <summary>Always "wav2vec2" (<c>model_type</c>): written for <c>transformers</c>; a file naming another type is refused.</summary>
    [JsonPropertyName("model_type")]
    public string ModelType => "wav2vec2";

    /// <summary>The class <c>transformers</c> builds from this config (<c>architectures</c>).</summary>
    [JsonPropertyName("architectures")]
    public IReadOnlyList<string> Architectures => ["Wav2Vec2ForCTC"];

    /// <summary>The transformer's activation (<c>hidden_act</c>): gelu, the only one the released models use.</summary>
    [JsonPropertyName("hidden_act")]
    public string HiddenActivation => "gelu";

    /// <summary>The feature encoder's activation (<c>feat_extract_activation</c>): gelu.</summary>
    [JsonPropertyName("feat_extract_activation")]
    public string FeatureActivation => "gelu";

    /// <summary><c>facebook/wav2vec2-base-960h</c>.</summary>
    public static Wav2Vec2Config Base960h { get; } = new();

    /// <summary>Samples per output frame (the product of the conv strides): 320 for the released models, 20 ms at 16 kHz.</summary>
    /// <exception cref="OverflowException">The product does not fit an int (<see cref="Validate"/> refuses such strides).</exception>
    [JsonIgnore]
    public int SamplesPerFrame => checked((int)ConvStrides.Aggregate(1L, (a, b) => checked(a * b)));

    /// <summary>Output frames for <paramref name="samples"/> input samples (each conv layer: ⌊(n − kernel) / stride⌋ + 1).</summary>
    public long FrameCount(long samples)
    {
        for (var i = 0; i < ConvKernels.Count; i++)
            samples = samples < ConvKernels[i] ? 0 : (samples - ConvKernels[i]) / ConvStrides[i] + 1;
        return samples;
    }

    /// <summary>The fewest samples that give one frame (the receptive field): 400 for the released models.</summary>
    [JsonIgnore]
    public long MinimumSamples
    {
        get
        {
            long n = 1;
            for (var i = ConvKernels.Count - 1; i >= 0; i--)
                n = checked((n - 1) * ConvStrides[i] + ConvKernels[i]);
            return n;
        }
    }

    /// <summary>Checks the numbers fit together and that the model they describe fits in this machine's memory (see
    /// <see cref="ParameterMemory"/>); returns this config.</summary>
    /// <exception cref="ArgumentException">A field is out of range, the strides overflow the samples-per-frame product,
    /// or the parameters would not fit in memory; the message names <paramref name="source"/> and the field.</exception>
    public Wav2Vec2Config Validate(string source = "Wav2Vec2Config")
    {
        void Check(bool ok, string field, string problem)
        {
            if (!ok)
                throw new ArgumentException($"{source}: {field} {problem}.");
        }
        Check(VocabSize > 0, "vocab_size", $"must be positive, found {VocabSize}");
        Check(
            HiddenSize > 0 && LayerCount > 0 && IntermediateSize > 0,
            "hidden_size/num_hidden_layers/intermediate_size",
            "must be positive"
        );
        Check(HeadCount > 0 && HiddenSize % HeadCount == 0, "num_attention_heads", $"{HeadCount} must divide hidden_size {HiddenSize}");
        Check(LayerNormEpsilon > 0, "layer_norm_eps", "must be positive");
        Check(FeatureNorm is "group" or "layer", "feat_extract_norm", $"'{FeatureNorm}' is not supported (group or layer)");
        Check(
            ConvChannels.Count > 0 && ConvChannels.Count == ConvKernels.Count && ConvKernels.Count == ConvStrides.Count,
            "conv_dim/conv_kernel/conv_stride",
            $"need one entry per conv layer, found {ConvChannels.Count}/{ConvKernels.Count}/{ConvStrides.Count}"
        );
        Check(
            ConvChannels.All(c => c > 0) && ConvKernels.All(k => k > 0) && ConvStrides.All(s => s > 0),
            "conv_dim/conv_kernel/conv_stride",
            "must all be positive"
        );
        var framing = ConvStrides.Aggregate(1.0, (a, b) => a * b);
        Check(
            framing <= int.MaxValue,
            "conv_stride",
            $"[{string.Join(", ", ConvStrides)}] multiply to {framing:G} samples per frame, more than {int.MaxValue}"
        );
        var receptive = 1.0;
        for (var i = ConvKernels.Count - 1; i >= 0; i--)
            receptive = (receptive - 1) * ConvStrides[i] + ConvKernels[i];
        Check(
            receptive <= int.MaxValue,
            "conv_kernel",
            $"with conv_stride gives a receptive field of {receptive:G} samples, more than {int.MaxValue}"
        );
        Check(PositionalKernel > 0, "num_conv_pos_embeddings", "must be positive");
        Check(
            PositionalGroups > 0 && HiddenSize % PositionalGroups == 0,
            "num_conv_pos_embedding_groups",
            $"{PositionalGroups} must divide hidden_size {HiddenSize}"
        );
        Check(PadTokenId >= 0 && PadTokenId < VocabSize, "pad_token_id", $"{PadTokenId} is outside the vocabulary [0, {VocabSize})");
        ParameterMemory.Check(source, ParameterParts());
        return this;
    }

    /// <summary>The parameter count of each part of the model (doubles, so absurd sizes cannot overflow), with the fields that size
    /// it.</summary>
    private List<(string Fields, double Parameters)> ParameterParts()
    {
        double hidden = HiddenSize,
            layers = LayerCount,
            conv = 0;
        for (var i = 0; i < ConvChannels.Count; i++)
            conv += (double)ConvChannels[i] * (i == 0 ? 1 : ConvChannels[i - 1]) * ConvKernels[i];
        return
        [
            ("conv_dim/conv_kernel", conv),
            ("conv_dim/hidden_size (feature_projection)", ((double)ConvChannels[^1] + 1) * hidden),
            ("num_conv_pos_embeddings", hidden * (hidden / PositionalGroups) * PositionalKernel),
            ("hidden_size/num_hidden_layers (attention)", layers * 4 * (hidden + 1) * hidden),
            ("intermediate_size", layers * 2 * hidden * IntermediateSize),
            ("vocab_size", (double)VocabSize * (hidden + 1)),
        ];
    }

    static string IJsonConfig<Wav2Vec2Config>.FileName => "config.json";

    /// <summary>The config as Hugging Face's <c>config.json</c> (the fields this library reads, plus model_type, architectures and the
    /// activations).</summary>
    public string ToJson() => JsonConfig.ToJson(this);

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/> atomically.</summary>
    public void Save(string path) => JsonConfig.Save(this, path);

    /// <summary>Reads and validates a Hugging Face wav2vec2 <c>config.json</c> (the file or its folder); fields left out take
    /// <see cref="Base960h"/>'s values.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not JSON, not a wav2vec2 config, a field of the wrong type (named), or an unsupported
    /// activation.</exception>
    /// <exception cref="ArgumentException">The values do not fit together or the model would not fit in memory (see
    /// <see cref="Validate"/>); the message names the file and the field.</exception>
    public static Wav2Vec2Config FromFile(string path) => JsonConfig.FromFile<Wav2Vec2Config>(path);

    /// <summary>Refuses another model type and activations other than gelu.</summary>
    static void IJsonConfig<Wav2Vec2Config>.Prepare(JsonObject root, string source)
    {
        string? Text(string field) =>
            root[field] switch
            {
                null => null,
                JsonValue v when v.TryGetValue<string>(out var t) => t,
                var node => throw new InvalidDataException($"{source}: field '{field}' must be a string, found {node.ToJsonString()}."),
            };
        if (Text("model_type") is { } type && type != "wav2vec2")
            throw new InvalidDataException($"'{source}' describes a '{type}' model, not wav2vec2.");
        foreach (var field in new[] { "hidden_act", "feat_extract_activation" })
            if (Text(field) is { } activation && activation != "gelu")
                throw new InvalidDataException(
                    $"{source}: {field} '{activation}' is not supported (the released wav2vec2 models use gelu)."
                );
        foreach (var written in new[] { "model_type", "architectures", "hidden_act", "feat_extract_activation" })
            root.Remove(written);
    }
}
