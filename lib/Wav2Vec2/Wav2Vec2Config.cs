using System.Text.Json;
using System.Text.Json.Nodes;
using Workbook.Models;

namespace Workbook.Wav2Vec2;

/// <summary>
/// The shape of a wav2vec2 CTC model, read from a Hugging Face <c>config.json</c> (JSON names given per property).
/// <see cref="Base960h"/> is <c>facebook/wav2vec2-base-960h</c>; the large-lv60 family sets <see cref="FeatureNorm"/>
/// "layer", <see cref="StableLayerNorm"/> true and <see cref="ConvBias"/> true.
/// </summary>
public sealed record Wav2Vec2Config
{
    /// <summary>Output symbols, including the CTC blank (<c>vocab_size</c>).</summary>
    public int VocabSize { get; init; } = 32;
    /// <summary>Transformer width (<c>hidden_size</c>).</summary>
    public int HiddenSize { get; init; } = 768;
    /// <summary>Transformer layers (<c>num_hidden_layers</c>).</summary>
    public int LayerCount { get; init; } = 12;
    /// <summary>Attention heads (<c>num_attention_heads</c>).</summary>
    public int HeadCount { get; init; } = 12;
    /// <summary>Feed-forward width (<c>intermediate_size</c>).</summary>
    public int IntermediateSize { get; init; } = 3072;
    /// <summary>LayerNorm epsilon (<c>layer_norm_eps</c>).</summary>
    public double LayerNormEpsilon { get; init; } = 1e-5;
    /// <summary>"group": GroupNorm after the first conv layer only (base); "layer": LayerNorm after every conv layer (lv60) (<c>feat_extract_norm</c>).</summary>
    public string FeatureNorm { get; init; } = "group";
    /// <summary>Channels of each feature-encoder conv layer (<c>conv_dim</c>).</summary>
    public IReadOnlyList<int> ConvChannels { get; init; } = [512, 512, 512, 512, 512, 512, 512];
    /// <summary>Kernel of each conv layer (<c>conv_kernel</c>).</summary>
    public IReadOnlyList<int> ConvKernels { get; init; } = [10, 3, 3, 3, 3, 2, 2];
    /// <summary>Stride of each conv layer (<c>conv_stride</c>).</summary>
    public IReadOnlyList<int> ConvStrides { get; init; } = [5, 2, 2, 2, 2, 2, 2];
    /// <summary>Whether the conv layers have biases (<c>conv_bias</c>).</summary>
    public bool ConvBias { get; init; }
    /// <summary>Kernel of the positional convolution (<c>num_conv_pos_embeddings</c>).</summary>
    public int PositionalKernel { get; init; } = 128;
    /// <summary>Groups of the positional convolution (<c>num_conv_pos_embedding_groups</c>).</summary>
    public int PositionalGroups { get; init; } = 16;
    /// <summary>Pre-LN encoder with a final LayerNorm (<c>do_stable_layer_norm</c>, the lv60 family) instead of post-LN.</summary>
    public bool StableLayerNorm { get; init; }
    /// <summary>The CTC blank / padding id (<c>pad_token_id</c>).</summary>
    public int PadTokenId { get; init; }

    /// <summary><c>facebook/wav2vec2-base-960h</c>.</summary>
    public static Wav2Vec2Config Base960h { get; } = new();

    /// <summary>Samples per output frame (the product of the conv strides): 320 for the released models, 20 ms at 16 kHz.</summary>
    /// <exception cref="OverflowException">The product does not fit an int (<see cref="Validate"/> refuses such strides).</exception>
    public int SamplesPerFrame => checked((int)ConvStrides.Aggregate(1L, (a, b) => checked(a * b)));

    /// <summary>Output frames for <paramref name="samples"/> input samples (each conv layer: ⌊(n − kernel) / stride⌋ + 1).</summary>
    public long FrameCount(long samples)
    {
        for (var i = 0; i < ConvKernels.Count; i++) samples = samples < ConvKernels[i] ? 0 : (samples - ConvKernels[i]) / ConvStrides[i] + 1;
        return samples;
    }

    /// <summary>The fewest samples that give one frame (the receptive field): 400 for the released models.</summary>
    public long MinimumSamples
    {
        get
        {
            long n = 1;
            for (var i = ConvKernels.Count - 1; i >= 0; i--) n = checked((n - 1) * ConvStrides[i] + ConvKernels[i]);
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
            if (!ok) throw new ArgumentException($"{source}: {field} {problem}.");
        }
        Check(VocabSize > 0, "vocab_size", $"must be positive, found {VocabSize}");
        Check(HiddenSize > 0 && LayerCount > 0 && IntermediateSize > 0, "hidden_size/num_hidden_layers/intermediate_size", "must be positive");
        Check(HeadCount > 0 && HiddenSize % HeadCount == 0, "num_attention_heads", $"{HeadCount} must divide hidden_size {HiddenSize}");
        Check(LayerNormEpsilon > 0, "layer_norm_eps", "must be positive");
        Check(FeatureNorm is "group" or "layer", "feat_extract_norm", $"'{FeatureNorm}' is not supported (group or layer)");
        Check(ConvChannels.Count > 0 && ConvChannels.Count == ConvKernels.Count && ConvKernels.Count == ConvStrides.Count,
            "conv_dim/conv_kernel/conv_stride", $"need one entry per conv layer, found {ConvChannels.Count}/{ConvKernels.Count}/{ConvStrides.Count}");
        Check(ConvChannels.All(c => c > 0) && ConvKernels.All(k => k > 0) && ConvStrides.All(s => s > 0), "conv_dim/conv_kernel/conv_stride", "must all be positive");
        var framing = ConvStrides.Aggregate(1.0, (a, b) => a * b);
        Check(framing <= int.MaxValue, "conv_stride", $"[{string.Join(", ", ConvStrides)}] multiply to {framing:G} samples per frame, more than {int.MaxValue}");
        var receptive = 1.0;
        for (var i = ConvKernels.Count - 1; i >= 0; i--) receptive = (receptive - 1) * ConvStrides[i] + ConvKernels[i];
        Check(receptive <= int.MaxValue, "conv_kernel", $"with conv_stride gives a receptive field of {receptive:G} samples, more than {int.MaxValue}");
        Check(PositionalKernel > 0, "num_conv_pos_embeddings", "must be positive");
        Check(PositionalGroups > 0 && HiddenSize % PositionalGroups == 0, "num_conv_pos_embedding_groups", $"{PositionalGroups} must divide hidden_size {HiddenSize}");
        Check(PadTokenId >= 0 && PadTokenId < VocabSize, "pad_token_id", $"{PadTokenId} is outside the vocabulary [0, {VocabSize})");
        ParameterMemory.Check(source, ParameterParts());
        return this;
    }

    /// <summary>The parameter count of each part of the model (doubles, so absurd sizes cannot overflow), with the fields that size it.</summary>
    private List<(string Fields, double Parameters)> ParameterParts()
    {
        double hidden = HiddenSize, layers = LayerCount, conv = 0;
        for (var i = 0; i < ConvChannels.Count; i++) conv += (double)ConvChannels[i] * (i == 0 ? 1 : ConvChannels[i - 1]) * ConvKernels[i];
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

    /// <summary>The config as Hugging Face's <c>config.json</c> (the fields this library reads, plus model_type and architectures).</summary>
    public string ToJson() => new JsonObject
    {
        ["model_type"] = "wav2vec2",
        ["architectures"] = new JsonArray("Wav2Vec2ForCTC"),
        ["vocab_size"] = VocabSize,
        ["hidden_size"] = HiddenSize,
        ["num_hidden_layers"] = LayerCount,
        ["num_attention_heads"] = HeadCount,
        ["intermediate_size"] = IntermediateSize,
        ["hidden_act"] = "gelu",
        ["feat_extract_activation"] = "gelu",
        ["layer_norm_eps"] = LayerNormEpsilon,
        ["feat_extract_norm"] = FeatureNorm,
        ["conv_dim"] = new JsonArray([.. ConvChannels.Select(v => (JsonNode)v)]),
        ["conv_kernel"] = new JsonArray([.. ConvKernels.Select(v => (JsonNode)v)]),
        ["conv_stride"] = new JsonArray([.. ConvStrides.Select(v => (JsonNode)v)]),
        ["conv_bias"] = ConvBias,
        ["num_conv_pos_embeddings"] = PositionalKernel,
        ["num_conv_pos_embedding_groups"] = PositionalGroups,
        ["do_stable_layer_norm"] = StableLayerNorm,
        ["pad_token_id"] = PadTokenId,
    }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    /// <summary>Reads and validates a Hugging Face wav2vec2 <c>config.json</c> (the file or its folder).</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not JSON, not a wav2vec2 config, a field of the wrong type (named), or an unsupported activation.</exception>
    /// <exception cref="ArgumentException">The values do not fit together or the model would not fit in memory (see <see cref="Validate"/>); the message names the file and the field.</exception>
    public static Wav2Vec2Config FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (Directory.Exists(path)) path = Path.Combine(path, "config.json");
        if (!File.Exists(path)) throw new FileNotFoundException($"No wav2vec2 config at '{path}'.", path);
        JsonObject json;
        try { json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"'{path}' is not a JSON object."); }
        catch (JsonException e) { throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e); }
        InvalidDataException Bad(string field, string problem) => new($"'{path}': field '{field}' {problem}.");
        int Int(string field, int fallback)
        {
            var node = json[field];
            if (node is null) return fallback;
            if (node is JsonValue v && v.TryGetValue<long>(out var n) && n is >= int.MinValue and <= int.MaxValue) return (int)n;
            if (node is JsonValue d && d.TryGetValue<double>(out var x) && x == Math.Floor(x) && Math.Abs(x) <= int.MaxValue) return (int)x;
            throw Bad(field, $"must be an integer, found {node.ToJsonString()}");
        }
        int[] Ints(string field, IReadOnlyList<int> fallback)
        {
            var node = json[field];
            if (node is null) return [.. fallback];
            if (node is not JsonArray array) throw Bad(field, $"must be an array of integers, found {node.ToJsonString()}");
            var values = new int[array.Count];
            for (var i = 0; i < array.Count; i++)
                values[i] = array[i] is JsonValue v && v.TryGetValue<long>(out var n) && n is >= int.MinValue and <= int.MaxValue
                    ? (int)n
                    : throw Bad(field, $"entry {i} must be an integer, found {array[i]?.ToJsonString() ?? "null"}");
            return values;
        }
        double Number(string field, double fallback)
        {
            var node = json[field];
            if (node is null) return fallback;
            return node is JsonValue v && v.TryGetValue<double>(out var x) ? x : throw Bad(field, $"must be a number, found {node.ToJsonString()}");
        }
        bool Flag(string field, bool fallback)
        {
            var node = json[field];
            if (node is null) return fallback;
            return node is JsonValue v && v.TryGetValue<bool>(out var b) ? b : throw Bad(field, $"must be true or false, found {node.ToJsonString()}");
        }
        string? Text(string field)
        {
            var node = json[field];
            if (node is null) return null;
            return node is JsonValue v && v.TryGetValue<string>(out var t) ? t : throw Bad(field, $"must be a string, found {node.ToJsonString()}");
        }

        var type = Text("model_type");
        if (type is not null && type != "wav2vec2") throw new InvalidDataException($"'{path}' describes a '{type}' model, not wav2vec2.");
        foreach (var field in new[] { "hidden_act", "feat_extract_activation" })
            if (Text(field) is { } act && act != "gelu")
                throw new InvalidDataException($"'{path}': {field} '{act}' is not supported (the released wav2vec2 models use gelu).");
        var defaults = Base960h;
        return new Wav2Vec2Config
        {
            VocabSize = Int("vocab_size", defaults.VocabSize),
            HiddenSize = Int("hidden_size", defaults.HiddenSize),
            LayerCount = Int("num_hidden_layers", defaults.LayerCount),
            HeadCount = Int("num_attention_heads", defaults.HeadCount),
            IntermediateSize = Int("intermediate_size", defaults.IntermediateSize),
            LayerNormEpsilon = Number("layer_norm_eps", defaults.LayerNormEpsilon),
            FeatureNorm = Text("feat_extract_norm") ?? defaults.FeatureNorm,
            ConvChannels = Ints("conv_dim", defaults.ConvChannels),
            ConvKernels = Ints("conv_kernel", defaults.ConvKernels),
            ConvStrides = Ints("conv_stride", defaults.ConvStrides),
            ConvBias = Flag("conv_bias", defaults.ConvBias),
            PositionalKernel = Int("num_conv_pos_embeddings", defaults.PositionalKernel),
            PositionalGroups = Int("num_conv_pos_embedding_groups", defaults.PositionalGroups),
            StableLayerNorm = Flag("do_stable_layer_norm", defaults.StableLayerNorm),
            PadTokenId = Int("pad_token_id", defaults.PadTokenId),
        }.Validate(path);
    }
}
