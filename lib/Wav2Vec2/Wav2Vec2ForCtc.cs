using TorchSharp;
using TorchSharp.Modules;
using Workbook.IO;
using Workbook.Native;
using Workbook.Safetensors;
using static TorchSharp.torch;

namespace Workbook.Wav2Vec2;

/// <summary>
/// wav2vec 2.0 with a CTC head, named as Hugging Face's <c>Wav2Vec2ForCTC</c> so its checkpoints load tensor for tensor.
/// Raw 16 kHz audio [batch, samples] goes through a convolutional feature encoder (one frame per 320 samples, 20 ms),
/// a projection to the transformer width, a convolutional positional embedding, a transformer encoder, and a linear
/// head giving one score per vocabulary symbol per frame: logits [batch, frames, vocab]. No dropout or masking of
/// time steps (the training-time augmentations), so fine-tuning runs without them; call it under <c>no_grad()</c> for
/// inference.
/// Introduced with chapter 13.
/// </summary>
/// <remarks>Both families: the base models ("group" norm, post-LN encoder) and large-lv60 ("layer" norms, pre-LN).</remarks>
public sealed class Wav2Vec2ForCtc : nn.Module<Tensor, Tensor>
{
    private readonly Wav2Vec2Model wav2vec2;
    private readonly Linear lm_head;

    /// <summary>Creates the model for <paramref name="config"/> (validated first; use <see cref="FromPretrained"/> for a
    /// checkpoint).</summary>
    /// <param name="config">Sizes.</param>
    /// <param name="device">Where the parameters live (CPU when null); <c>torch.META</c> gives names and shapes only.</param>
    /// <param name="initialize">Initialise the weights as PyTorch does; false leaves the linear and convolution weights
    /// uninitialised for a checkpoint to fill, which is faster.</param>
    public Wav2Vec2ForCtc(Wav2Vec2Config config, Device? device = null, bool initialize = true)
        : base(nameof(Wav2Vec2ForCtc))
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config.Validate();
        var layers = new LayerFactory(device, initialize);
        wav2vec2 = new Wav2Vec2Model(config, layers);
        lm_head = layers.Linear(config.HiddenSize, config.VocabSize);
        RegisterComponents();
    }

    /// <summary>The model's sizes.</summary>
    public Wav2Vec2Config Config { get; }

    /// <summary>Reads <c>config.json</c> and <c>model.safetensors</c> (or a sharded index) from a folder; returns the model in eval
    /// mode.</summary>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="CheckpointMismatchException">The weights do not fit the config; every missing, unexpected and mis-shaped tensor is
    /// named.</exception>
    public static Wav2Vec2ForCtc FromPretrained(string folder, Device? device = null) =>
        SafetensorsLoader.FromPretrained(
            folder,
            Wav2Vec2Config.FromFile,
            (config, on) => new Wav2Vec2ForCtc(config, on, initialize: false),
            device,
            ParameterName
        );

    /// <summary>
    /// Loads safetensors weights (file, index or folder). Weight-norm tensors load from either naming
    /// (<c>weight_g</c>/<c>weight_v</c>, or <c>parametrizations.weight.original0/1</c> of newer PyTorch), and the
    /// training-only <c>wav2vec2.masked_spec_embed</c> is skipped.
    /// </summary>
    /// <returns>The checkpoint names that were skipped.</returns>
    public IReadOnlyList<string> LoadWeights(string path)
    {
        using var checkpoint = SafetensorsCheckpoint.Open(path);
        return SafetensorsLoader.LoadInto(this, checkpoint, ParameterName);
    }

    /// <summary>
    /// Writes a Hugging Face checkpoint folder: <c>config.json</c>, <c>model.safetensors</c> (weight norm as
    /// <c>weight_g</c>/<c>weight_v</c>) and, when given, the <c>vocab.json</c> of <paramref name="vocabulary"/>.
    /// </summary>
    /// <param name="folder">Where to write (created if needed).</param>
    /// <param name="vocabulary">The output symbols, written as vocab.json when given.</param>
    /// <param name="dtype">The stored precision: null keeps the parameters' (float32); Float16 or BFloat16 halve the file.</param>
    public void SavePretrained(string folder, CtcVocabulary? vocabulary = null, ScalarType? dtype = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        Directory.CreateDirectory(folder);
        Config.Save(Path.Combine(folder, "config.json"));
        SafetensorsLoader.SaveWeights(this, Path.Combine(folder, "model.safetensors"), dtype);
        vocabulary?.Save(Path.Combine(folder, "vocab.json"));
    }

    /// <summary>This model's parameter name for a checkpoint tensor name, or null for a tensor it does not keep.</summary>
    public static string? ParameterName(string checkpointName)
    {
        ArgumentNullException.ThrowIfNull(checkpointName);
        if (checkpointName == "wav2vec2.masked_spec_embed")
            return null;
        return checkpointName
            .Replace(".parametrizations.weight.original0", ".weight_g", StringComparison.Ordinal)
            .Replace(".parametrizations.weight.original1", ".weight_v", StringComparison.Ordinal);
    }

    /// <summary>Logits [batch, frames, vocab] for normalised audio [batch, samples] (see <c>Wav2Vec2FeatureExtractor</c>).</summary>
    public override Tensor forward(Tensor inputValues) => forward(inputValues, null);

    /// <summary>
    /// Logits [batch, frames, vocab] for a zero-padded batch; <paramref name="attentionMask"/> [batch, samples] marks real
    /// samples with 1 (null: no padding). The caller disposes the returned tensor.
    /// </summary>
    /// <exception cref="ArgumentException">The input is not float [batch, samples], is shorter than one frame, or the mask does not match
    /// it.</exception>
    public Tensor forward(Tensor inputValues, Tensor? attentionMask)
    {
        ArgumentNullException.ThrowIfNull(inputValues);
        if (inputValues.dim() != 2 || !inputValues.is_floating_point())
            throw new ArgumentException(
                $"wav2vec2 takes float audio [batch, samples]; got {inputValues.dtype} [{string.Join(", ", inputValues.shape)}].",
                nameof(inputValues)
            );
        if (inputValues.shape[1] < Config.MinimumSamples)
            throw new ArgumentException(
                $"The audio has {inputValues.shape[1]} samples; "
                    + $"one frame needs at least {Config.MinimumSamples} ({Config.MinimumSamples / 16.0:F0} ms at 16 kHz).",
                nameof(inputValues)
            );
        if (attentionMask is not null && !attentionMask.shape.SequenceEqual(inputValues.shape))
            throw new ArgumentException(
                $"The attention mask [{string.Join(", ", attentionMask.shape)}] must have the input's shape "
                    + $"[{string.Join(", ", inputValues.shape)}].",
                nameof(attentionMask)
            );
        // Gradients flow as in PyTorch (fine-tuning with the CTC loss); wrap inference in torch.no_grad(), as
        // SpeechRecognizer does, so no graph is kept.
        using var scope = NewDisposeScope();
        var device = lm_head.weight!.device;
        return lm_head
            .forward(wav2vec2.Forward(inputValues.to(ScalarType.Float32, device), attentionMask?.to(device)))
            .MoveToOuterDisposeScope();
    }

    /// <summary>Frame mask [batch, frames] (true = a frame of real audio) for a sample-level attention mask.</summary>
    public Tensor FrameMask(Tensor attentionMask, long frames) => FrameMaskOf(Config, attentionMask, frames);

    private static Tensor FrameMaskOf(Wav2Vec2Config config, Tensor attentionMask, long frames)
    {
        ArgumentNullException.ThrowIfNull(attentionMask);
        var lengths = attentionMask.to(ScalarType.Int64).sum(1).cpu().data<long>().Select(config.FrameCount).ToArray();
        return KeptScalars.Range(0, frames, attentionMask.device).unsqueeze(0) < tensor(lengths, device: attentionMask.device).unsqueeze(1);
    }

    // ---- the pieces, top to bottom ------------------------------------------------------------------------------

    /// <summary>
    /// Builds the linear and convolution layers on one device, initialised as PyTorch does, or — for a checkpoint to
    /// fill — uninitialised: then the layer is made on the meta device (shapes, no memory, no random numbers) and given
    /// empty weights of the same shapes on the real device.
    /// </summary>
    private sealed record LayerFactory(Device? Device, bool Initialize)
    {
        public Linear Linear(long input, long output)
        {
            if (Initialize)
                return nn.Linear(input, output, device: Device);
            return nn.Linear(new Parameter(empty(output, input, device: Device)), new Parameter(empty(output, device: Device)));
        }

        public Conv1d Conv1d(long input, long output, long kernel, long stride, bool bias)
        {
            if (Initialize)
                return nn.Conv1d(input, output, kernel, stride: stride, bias: bias, device: Device);
            var conv = nn.Conv1d(input, output, kernel, stride: stride, bias: bias, device: META);
            conv.weight = new Parameter(empty(output, input, kernel, device: Device));
            if (bias)
                conv.bias = new Parameter(empty(output, device: Device));
            return conv;
        }
    }

    /// <summary>Feature encoder, projection and transformer encoder (HF <c>Wav2Vec2Model</c>).</summary>
    private sealed class Wav2Vec2Model : nn.Module
    {
        private readonly FeatureEncoder feature_extractor;
        private readonly FeatureProjection feature_projection;
        private readonly Encoder encoder;
        private readonly Wav2Vec2Config config;

        public Wav2Vec2Model(Wav2Vec2Config config, LayerFactory layers)
            : base(nameof(Wav2Vec2Model))
        {
            this.config = config;
            feature_extractor = new FeatureEncoder(config, layers);
            feature_projection = new FeatureProjection(config, layers);
            encoder = new Encoder(config, layers);
            RegisterComponents();
        }

        public Tensor Forward(Tensor audio, Tensor? attentionMask)
        {
            var features = feature_extractor.forward(audio).transpose(1, 2); // [B, frames, conv channels]
            var hidden = feature_projection.forward(features); // [B, frames, hidden]
            var frameMask = attentionMask is null ? null : FrameMaskOf(config, attentionMask, hidden.shape[1]);
            return encoder.Forward(hidden, frameMask);
        }
    }

    /// <summary>The convolutional feature encoder: raw samples → one vector per 20 ms.</summary>
    private sealed class FeatureEncoder : nn.Module<Tensor, Tensor>
    {
        private readonly ModuleList<ConvLayer> conv_layers;

        public FeatureEncoder(Wav2Vec2Config config, LayerFactory layers)
            : base(nameof(FeatureEncoder))
        {
            conv_layers = nn.ModuleList([.. Enumerable.Range(0, config.ConvChannels.Count).Select(i => new ConvLayer(config, i, layers))]);
            RegisterComponents();
        }

        public override Tensor forward(Tensor audio)
        {
            var x = audio.unsqueeze(1); // [B, 1, samples]
            foreach (var layer in conv_layers)
            {
                var next = layer.forward(x);
                if (!ReferenceEquals(x, audio))
                    x.Dispose(); // the previous layer's output is no longer needed
                x = next;
            }
            return x; // [B, channels, frames]
        }
    }

    /// <summary>Conv → (GroupNorm on layer 0 of the base models, LayerNorm over channels in every layer of lv60) → GELU.</summary>
    private sealed class ConvLayer : nn.Module<Tensor, Tensor>
    {
        private readonly Conv1d conv;
        private readonly nn.Module<Tensor, Tensor>? layer_norm;
        private readonly bool channelsLast;

        public ConvLayer(Wav2Vec2Config config, int index, LayerFactory layers)
            : base(nameof(ConvLayer))
        {
            var input = index == 0 ? 1 : config.ConvChannels[index - 1];
            var output = config.ConvChannels[index];
            var device = layers.Device;
            conv = layers.Conv1d(input, output, config.ConvKernels[index], config.ConvStrides[index], config.ConvBias);
            if (config.FeatureNorm == "layer")
            {
                layer_norm = nn.LayerNorm(output, config.LayerNormEpsilon, device: device);
                channelsLast = true;
            }
            else if (index == 0)
            {
                var groupNorm = nn.GroupNorm(output, output, config.LayerNormEpsilon, affine: true, device: device);
                // TorchSharp 0.107 leaves GroupNorm's affine parameters uninitialised (PyTorch sets 1 and 0): a model
                // built without a checkpoint would otherwise compute with whatever the allocator held, NaN included.
                using (no_grad())
                {
                    groupNorm.weight!.fill_(1);
                    groupNorm.bias!.zero_();
                }
                layer_norm = groupNorm;
            }
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            x = conv.forward(x);
            if (layer_norm is not null)
                x = channelsLast ? layer_norm.forward(x.transpose(1, 2)).transpose(1, 2) : layer_norm.forward(x);
            return nn.functional.gelu(x).MoveToOuterDisposeScope();
        }
    }

    /// <summary>LayerNorm over the conv channels, then a linear map to the transformer width.</summary>
    private sealed class FeatureProjection : nn.Module<Tensor, Tensor>
    {
        private readonly LayerNorm layer_norm;
        private readonly Linear projection;

        public FeatureProjection(Wav2Vec2Config config, LayerFactory layers)
            : base(nameof(FeatureProjection))
        {
            layer_norm = nn.LayerNorm(config.ConvChannels[^1], config.LayerNormEpsilon, device: layers.Device);
            projection = layers.Linear(config.ConvChannels[^1], config.HiddenSize);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => projection.forward(layer_norm.forward(x));
    }

    /// <summary>Positional convolution, then the transformer layers (post-LN for base, pre-LN for lv60).</summary>
    private sealed class Encoder : nn.Module
    {
        private readonly PositionalConvolution pos_conv_embed;
        private readonly LayerNorm layer_norm;
        private readonly ModuleList<EncoderLayer> layers;
        private readonly bool stable;
        private static readonly Scalar LowestFloat = float.MinValue.ToScalar();

        public Encoder(Wav2Vec2Config config, LayerFactory factory)
            : base(nameof(Encoder))
        {
            pos_conv_embed = new PositionalConvolution(config, factory);
            layer_norm = nn.LayerNorm(config.HiddenSize, config.LayerNormEpsilon, device: factory.Device);
            layers = nn.ModuleList([.. Enumerable.Range(0, config.LayerCount).Select(_ => new EncoderLayer(config, factory))]);
            stable = config.StableLayerNorm;
            RegisterComponents();
        }

        public Tensor Forward(Tensor hidden, Tensor? frameMask)
        {
            // Kept scalars throughout (KeptScalars): an implicit one could be collected while libtorch reads it.
            Tensor? additive = null;
            if (frameMask is not null)
            {
                hidden = hidden.mul(frameMask.unsqueeze(-1).to(hidden.dtype)); // padded frames are zero, as in HF
                additive = zeros(frameMask.shape[0], 1, 1, frameMask.shape[1], dtype: hidden.dtype, device: hidden.device)
                    .masked_fill(frameMask.logical_not().unsqueeze(1).unsqueeze(1), LowestFloat);
            }
            hidden = hidden.Plus(pos_conv_embed.forward(hidden));
            if (!stable)
                hidden = layer_norm.forward(hidden);
            foreach (var layer in layers)
                hidden = layer.Forward(hidden, additive, stable);
            return stable ? layer_norm.forward(hidden) : hidden;
        }
    }

    /// <summary>
    /// A grouped convolution over time whose kernel is weight-normalised: W = g · v / ‖v‖, the norm taken per kernel
    /// position over output and input channels (PyTorch's weight_norm with dim = 2). With an even kernel the last output
    /// frame is dropped so the output keeps the input's length; then GELU.
    /// </summary>
    private sealed class PositionalConvolution : nn.Module<Tensor, Tensor>
    {
        private readonly WeightNormConv conv;

        public PositionalConvolution(Wav2Vec2Config config, LayerFactory layers)
            : base(nameof(PositionalConvolution))
        {
            conv = new WeightNormConv(config.HiddenSize, config.PositionalKernel, config.PositionalGroups, layers);
            RegisterComponents();
        }

        public override Tensor forward(Tensor hidden) => nn.functional.gelu(conv.forward(hidden.transpose(1, 2))).transpose(1, 2);
    }

    private sealed class WeightNormConv : nn.Module<Tensor, Tensor>
    {
        private readonly Parameter weight_g;
        private readonly Parameter weight_v;
        private readonly Parameter bias;
        private readonly int kernel,
            groups;

        public WeightNormConv(int channels, int kernel, int groups, LayerFactory layers)
            : base(nameof(WeightNormConv))
        {
            (this.kernel, this.groups) = (kernel, groups);
            var device = layers.Device;
            weight_g = new Parameter(ones(1, 1, kernel, device: device));
            weight_v = new Parameter(empty(channels, channels / groups, kernel, device: device));
            bias = new Parameter(zeros(channels, device: device));
            if (layers.Initialize)
            {
                using var noGrad = no_grad();
                weight_v.normal_(0, 0.02);
            }
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            // v·v, not square(): TorchSharp's square() is pow(2) with an implicit Scalar (see KeptScalars).
            var weight = weight_g.mul(weight_v).div(weight_v.mul(weight_v).sum([0, 1], keepdim: true).sqrt());
            var y = nn.functional.conv1d(x, weight, bias, padding: kernel / 2, groups: groups);
            return (kernel % 2 == 0 ? y.narrow(2, 0, y.shape[2] - 1) : y).MoveToOuterDisposeScope();
        }
    }

    /// <summary>Self-attention and feed-forward with residuals; layer norms after (base) or before (lv60, "stable").</summary>
    private sealed class EncoderLayer : nn.Module
    {
        private readonly Attention attention;
        private readonly LayerNorm layer_norm;
        private readonly FeedForward feed_forward;
        private readonly LayerNorm final_layer_norm;

        public EncoderLayer(Wav2Vec2Config config, LayerFactory layers)
            : base(nameof(EncoderLayer))
        {
            attention = new Attention(config, layers);
            layer_norm = nn.LayerNorm(config.HiddenSize, config.LayerNormEpsilon, device: layers.Device);
            feed_forward = new FeedForward(config, layers);
            final_layer_norm = nn.LayerNorm(config.HiddenSize, config.LayerNormEpsilon, device: layers.Device);
            RegisterComponents();
        }

        public Tensor Forward(Tensor x, Tensor? additiveMask, bool stable)
        {
            using var scope = NewDisposeScope(); // one layer's temporaries at a time
            if (stable)
            {
                x = x.Plus(attention.Forward(layer_norm.forward(x), additiveMask));
                return x.Plus(feed_forward.forward(final_layer_norm.forward(x))).MoveToOuterDisposeScope();
            }
            x = layer_norm.forward(x.Plus(attention.Forward(x, additiveMask)));
            return final_layer_norm.forward(x.Plus(feed_forward.forward(x))).MoveToOuterDisposeScope();
        }
    }

    private sealed class Attention : nn.Module
    {
        private readonly Linear q_proj,
            k_proj,
            v_proj,
            out_proj;
        private readonly int heads;

        public Attention(Wav2Vec2Config config, LayerFactory layers)
            : base(nameof(Attention))
        {
            heads = config.HeadCount;
            q_proj = layers.Linear(config.HiddenSize, config.HiddenSize);
            k_proj = layers.Linear(config.HiddenSize, config.HiddenSize);
            v_proj = layers.Linear(config.HiddenSize, config.HiddenSize);
            out_proj = layers.Linear(config.HiddenSize, config.HiddenSize);
            RegisterComponents();
        }

        public Tensor Forward(Tensor x, Tensor? additiveMask)
        {
            long batch = x.shape[0],
                time = x.shape[1],
                width = x.shape[2],
                size = width / heads;
            using var scope = NewDisposeScope();
            Tensor Split(Tensor t) => t.view(batch, time, heads, size).transpose(1, 2); // [B, heads, T, size]
            // softmax(q·kᵀ / √size + mask)·v, HF's scaling; the fused kernel never holds all [T, T] score matrices at once.
            var mixed = nn.functional.scaled_dot_product_attention(
                Split(q_proj.forward(x)),
                Split(k_proj.forward(x)),
                Split(v_proj.forward(x)),
                additiveMask,
                0.0,
                false
            );
            return out_proj.forward(mixed.transpose(1, 2).reshape(batch, time, width)).MoveToOuterDisposeScope();
        }
    }

    private sealed class FeedForward : nn.Module<Tensor, Tensor>
    {
        private readonly Linear intermediate_dense,
            output_dense;

        public FeedForward(Wav2Vec2Config config, LayerFactory layers)
            : base(nameof(FeedForward))
        {
            intermediate_dense = layers.Linear(config.HiddenSize, config.IntermediateSize);
            output_dense = layers.Linear(config.IntermediateSize, config.HiddenSize);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => output_dense.forward(nn.functional.gelu(intermediate_dense.forward(x)));
    }
}
