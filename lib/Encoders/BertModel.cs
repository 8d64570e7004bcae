using TorchSharp;
using TorchSharp.Modules;
using Workbook.Native;
using Workbook.Safetensors;
using static TorchSharp.torch;

namespace Workbook.Encoders;

/// <summary>
/// The BERT encoder, named as Hugging Face's <c>BertModel</c> so its checkpoints load tensor for tensor: token ids
/// [batch, length] → <c>embeddings</c> (word + position + token type, LayerNorm, dropout) → <c>encoder.layer.{i}</c>
/// (post-LN: self-attention, residual, LayerNorm; GELU feed-forward, residual, LayerNorm) → one vector per token, and
/// the <c>pooler</c> (dense + tanh on the first token, [CLS]) when it has one. Introduced in chapter 12; its heads are
/// <see cref="BertForMaskedLM"/> and <see cref="BertForSequenceClassification"/>, and chapter 12's image–text model uses
/// it as its text encoder.
/// </summary>
/// <remarks>Dropout acts in training mode only (<c>train()</c>); call <c>eval()</c> and <c>no_grad()</c> for inference.
/// Build on <c>torch.META</c> to see names and shapes without allocating memory.</remarks>
public sealed class BertModel : nn.Module<Tensor, Tensor>
{
    private readonly Embeddings embeddings;
    private readonly Encoder encoder;
    private readonly Pooler? pooler;

    /// <summary>Creates the encoder for <paramref name="config"/> (validated first).</summary>
    /// <param name="config">Sizes.</param>
    /// <param name="addPoolingLayer">Include the pooler (Hugging Face's <c>add_pooling_layer</c>; the masked-LM model has none).</param>
    /// <param name="device">Where the parameters live (CPU when null); <c>torch.META</c> gives names and shapes only.</param>
    /// <param name="initialize">Initialise as BERT was for training (normal with std <c>initializer_range</c>, zero biases,
    /// LayerNorms 1 and 0, the padding row zero); false leaves the weights uninitialised for a checkpoint to fill.</param>
    public BertModel(BertConfig config, bool addPoolingLayer = true, Device? device = null, bool initialize = true)
        : base(nameof(BertModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config.Validate();
        var layers = new LayerFactory(config, device);
        embeddings = new Embeddings(config, layers);
        encoder = new Encoder(config, layers);
        if (addPoolingLayer)
            pooler = new Pooler(config, layers);
        RegisterComponents();
        if (initialize)
            Initialize(this, config, device);
    }

    /// <summary>The model's sizes.</summary>
    public BertConfig Config { get; }

    /// <summary>Whether there is a pooler (and so a <see cref="BertEncoding.PooledOutput"/>).</summary>
    public bool HasPooler => pooler is not null;

    /// <summary>The word embedding table [vocab, hidden], which the masked-LM head reuses as its output matrix.</summary>
    public Parameter WordEmbeddings => embeddings.WordTable;

    /// <summary>The last hidden states [batch, length, hidden] for token ids [batch, length] (no padding, segment 0).</summary>
    public override Tensor forward(Tensor inputIds)
    {
        using var encoding = Encode(inputIds);
        return encoding.TakeLastHiddenState();
    }

    /// <summary>Encodes token ids [batch, length].</summary>
    /// <param name="inputIds">int64 ids in [0, vocab_size).</param>
    /// <param name="attentionMask">1 for real tokens, 0 for padding, [batch, length]; null when nothing is padded.
    /// Padding keys get the lowest float added to their scores (finite, so even an all-padding row stays a number).</param>
    /// <param name="tokenTypeIds">Segment ids [batch, length] in [0, type_vocab_size); null for all zeros.</param>
    /// <param name="outputAttentions">Also return every layer's attention probabilities [batch, heads, length, length].</param>
    /// <exception cref="ArgumentException">A tensor of the wrong type or shape, an id out of range, or a sequence longer than
    /// max_position_embeddings; the message names the argument and the shapes or limits.</exception>
    public BertEncoding Encode(Tensor inputIds, Tensor? attentionMask = null, Tensor? tokenTypeIds = null, bool outputAttentions = false)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        CheckInputs(inputIds, attentionMask, tokenTypeIds);
        using var scope = NewDisposeScope();
        var device = embeddings.WordTable.device;
        var hidden = embeddings.Forward(inputIds.to(device), tokenTypeIds?.to(ScalarType.Int64, device));
        Tensor? additive = null;
        if (attentionMask is not null)
        {
            var padding = attentionMask.to(device).eq(KeptScalars.Zero);
            additive = zeros(inputIds.shape[0], 1, 1, inputIds.shape[1], dtype: hidden.dtype, device: device)
                .masked_fill(padding.unsqueeze(1).unsqueeze(1), LowestFloat); // [B, 1, 1, T]
        }
        var attentions = outputAttentions ? new List<Tensor>(Config.LayerCount) : null;
        hidden = encoder.Forward(hidden, additive, attentions);
        var pooled = pooler?.forward(hidden);
        return new BertEncoding(
            hidden.MoveToOuterDisposeScope(),
            pooled?.MoveToOuterDisposeScope(),
            attentions?.Select(a => a.MoveToOuterDisposeScope()).ToList()
        );
    }

    private static readonly Scalar LowestFloat = float.MinValue.ToScalar();

    private void CheckInputs(Tensor inputIds, Tensor? attentionMask, Tensor? tokenTypeIds)
    {
        static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";
        if (inputIds.dim() != 2 || inputIds.dtype != ScalarType.Int64)
            throw new ArgumentException(
                $"inputIds must be int64 [batch, length]; got {inputIds.dtype} {Shape(inputIds)}.",
                nameof(inputIds)
            );
        if (inputIds.numel() == 0)
            throw new ArgumentException($"inputIds is empty: {Shape(inputIds)}.", nameof(inputIds));
        if (inputIds.shape[1] > Config.MaxPositionEmbeddings)
            throw new ArgumentException(
                $"The sequence has {inputIds.shape[1]} tokens, "
                    + $"more than max_position_embeddings = {Config.MaxPositionEmbeddings}; truncate it.",
                nameof(inputIds)
            );
        CheckRange(inputIds, Config.VocabSize, "inputIds", "vocab_size");
        if (attentionMask is not null && !attentionMask.shape.SequenceEqual(inputIds.shape))
            throw new ArgumentException(
                $"attentionMask {Shape(attentionMask)} must have the shape of inputIds {Shape(inputIds)}.",
                nameof(attentionMask)
            );
        if (tokenTypeIds is not null)
        {
            if (!tokenTypeIds.shape.SequenceEqual(inputIds.shape) || tokenTypeIds.is_floating_point())
                throw new ArgumentException(
                    $"tokenTypeIds must be integers shaped as inputIds {Shape(inputIds)}; got {tokenTypeIds.dtype} {Shape(tokenTypeIds)}.",
                    nameof(tokenTypeIds)
                );
            CheckRange(tokenTypeIds, Config.TypeVocabSize, "tokenTypeIds", "type_vocab_size");
        }
    }

    private static void CheckRange(Tensor ids, int size, string argument, string field)
    {
        long min = ids.min().to(ScalarType.Int64).item<long>(),
            max = ids.max().to(ScalarType.Int64).item<long>();
        if (min < 0 || max >= size)
            throw new ArgumentException($"{argument} must lie in [0, {size}) ({field}); found {(min < 0 ? min : max)}.", argument);
    }

    /// <summary>
    /// Loads this encoder's tensors from a checkpoint written for any BERT class: names with or without the <c>bert.</c>
    /// prefix, LayerNorm <c>gamma</c>/<c>beta</c> (the original Google conversion) or <c>weight</c>/<c>bias</c>; heads
    /// (<c>cls.*</c>, <c>classifier.*</c>) and the <c>position_ids</c> buffer are skipped. A checkpoint without a pooler
    /// (a masked-LM one) leaves this model's pooler as it is when <paramref name="poolerOptional"/>.
    /// </summary>
    /// <returns>The checkpoint names that were not loaded.</returns>
    /// <exception cref="CheckpointMismatchException">Missing, unexpected or mis-shaped tensors, all named.</exception>
    public IReadOnlyList<string> LoadEncoderWeights(SafetensorsCheckpoint checkpoint, bool poolerOptional = false)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var prefix = checkpoint.Names.Any(n => n.StartsWith("bert.", StringComparison.Ordinal)) ? "bert." : "";
        string? Under(string stored, string part) =>
            stored.StartsWith(prefix + part + ".", StringComparison.Ordinal) && !stored.EndsWith(".position_ids", StringComparison.Ordinal)
                ? LayerNormName(stored[(prefix.Length + part.Length + 1)..])
                : null;
        SafetensorsLoader.LoadInto(embeddings, checkpoint, s => Under(s, "embeddings"));
        SafetensorsLoader.LoadInto(encoder, checkpoint, s => Under(s, "encoder"));
        var loaded = new HashSet<string>(
            checkpoint.Names.Where(n => Under(n, "embeddings") is not null || Under(n, "encoder") is not null),
            StringComparer.Ordinal
        );
        if (pooler is not null && (!poolerOptional || checkpoint.Contains(prefix + "pooler.dense.weight")))
        {
            SafetensorsLoader.LoadInto(pooler, checkpoint, s => Under(s, "pooler"));
            loaded.UnionWith(checkpoint.Names.Where(n => Under(n, "pooler") is not null));
        }
        GC.KeepAlive(this);
        return [.. checkpoint.Names.Where(n => !loaded.Contains(n)).Order(StringComparer.Ordinal)];
    }

    /// <summary>The current name of a LayerNorm tensor stored with the original conversion's <c>gamma</c>/<c>beta</c>.</summary>
    internal static string LayerNormName(string name) =>
        name.EndsWith("LayerNorm.gamma", StringComparison.Ordinal) ? name[..^"gamma".Length] + "weight"
        : name.EndsWith("LayerNorm.beta", StringComparison.Ordinal) ? name[..^"beta".Length] + "bias"
        : name;

    /// <summary>Reads <c>config.json</c> and <c>model.safetensors</c> from a folder (any BERT checkpoint: heads are
    /// skipped); returns the encoder in eval mode. A checkpoint without a pooler gives an encoder without one.</summary>
    /// <exception cref="CheckpointMismatchException">The weights do not fit the config; every mismatch is named.</exception>
    public static BertModel FromPretrained(string folder, Device? device = null)
    {
        var config = ReadConfig(folder);
        using var checkpoint = SafetensorsCheckpoint.Open(folder);
        var hasPooler = checkpoint.Contains("bert.pooler.dense.weight") || checkpoint.Contains("pooler.dense.weight");
        using (var shapes = new BertModel(config, hasPooler, META, initialize: false))
            shapes.LoadEncoderWeightsChecked(checkpoint);
        var model = new BertModel(config, hasPooler, device, initialize: false);
        try
        {
            model.LoadEncoderWeights(checkpoint);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.eval();
        return model;
    }

    // On the meta device nothing is read: LoadInto would copy into shape-only tensors, so only check.
    private void LoadEncoderWeightsChecked(SafetensorsCheckpoint checkpoint)
    {
        var prefix = checkpoint.Names.Any(n => n.StartsWith("bert.", StringComparison.Ordinal)) ? "bert." : "";
        foreach (var (part, module) in new (string, nn.Module?)[] { ("embeddings", embeddings), ("encoder", encoder), ("pooler", pooler) })
            if (module is not null)
                SafetensorsLoader.CheckFits(
                    module,
                    checkpoint,
                    s =>
                        s.StartsWith(prefix + part + ".", StringComparison.Ordinal)
                        && !s.EndsWith(".position_ids", StringComparison.Ordinal)
                            ? LayerNormName(s[(prefix.Length + part.Length + 1)..])
                            : null
                );
    }

    internal static BertConfig ReadConfig(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Model folder not found: {folder}");
        return BertConfig.FromFile(Path.Combine(folder, "config.json"));
    }

    /// <summary>Writes <c>config.json</c> (with <paramref name="architecture"/>) and <c>model.safetensors</c> holding
    /// <paramref name="model"/>'s parameters by name, each file atomically.</summary>
    internal static void Save(nn.Module model, BertConfig config, string architecture, string folder, ScalarType? dtype)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        Directory.CreateDirectory(folder);
        (config with { Architectures = [architecture] }).Save(Path.Combine(folder, "config.json"));
        using var scope = NewDisposeScope();
        SafetensorsWriter.Save(
            Path.Combine(folder, "model.safetensors"),
            model
                .named_parameters()
                .Select(p => (p.name, dtype is { } t ? p.parameter.detach().cpu().to(t) : p.parameter.detach().cpu()))
                .ToList(),
            new Dictionary<string, string> { ["format"] = "pt" }
        );
        // `new Model(...).SavePretrained(folder)` leaves no other reference: without this the finaliser may free the
        // native weights while they are being written (seen as NaN weights in the saved file).
        GC.KeepAlive(model);
    }

    /// <summary>Hugging Face's <c>_init_weights</c> for BERT: linear and embedding weights ~ N(0, initializer_range²),
    /// biases 0, LayerNorms 1 and 0, the padding row of the word table 0.</summary>
    internal static void Initialize(nn.Module model, BertConfig config, Device? device)
    {
        if (device?.type == DeviceType.META)
            return;
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (name.EndsWith("LayerNorm.weight", StringComparison.Ordinal))
                parameter.fill_(KeptScalars.One);
            else if (name.EndsWith("bias", StringComparison.Ordinal))
                parameter.zero_();
            else
                parameter.normal_(0, config.InitializerRange);
            if (name.EndsWith("embeddings.word_embeddings.weight", StringComparison.Ordinal))
            {
                using var paddingRow = parameter[config.PadTokenId];
                paddingRow.zero_();
            }
        }
    }

    // ---- the pieces, top to bottom ------------------------------------------------------------------------------

    /// <summary>Makes layers whose weights are allocated but not filled (initialisation is one pass at the end).</summary>
    private sealed record LayerFactory(BertConfig Config, Device? Device)
    {
        public Linear Linear(long input, long output) =>
            nn.Linear(new Parameter(empty(output, input, device: Device)), new Parameter(empty(output, device: Device)));

        public LayerNorm LayerNorm() => nn.LayerNorm(Config.HiddenSize, Config.LayerNormEps, device: Device);

        public Dropout Dropout(double probability) => nn.Dropout(probability);
    }

    /// <summary>A lookup table [count, width] with one parameter, <c>weight</c> (TorchSharp's Embedding would fill it
    /// with random numbers first, wasted work for a checkpoint).</summary>
    private sealed class Table : nn.Module<Tensor, Tensor>
    {
        private readonly Parameter weight;

        public Table(long count, long width, Device? device)
            : base(nameof(Table))
        {
            weight = new Parameter(empty(count, width, device: device));
            RegisterComponents();
        }

        public Parameter Weight => weight;

        public override Tensor forward(Tensor ids)
        {
            long[] shape = [.. ids.shape, weight.shape[1]];
            using var flat = ids.reshape(-1);
            using var rows = weight.index_select(0, flat);
            return rows.view(shape); // [..., width]
        }
    }

    /// <summary>word + position + token type, then LayerNorm and dropout.</summary>
    private sealed class Embeddings : nn.Module
    {
        private readonly Table word_embeddings,
            position_embeddings,
            token_type_embeddings;
        private readonly LayerNorm LayerNorm;
        private readonly Dropout dropout;

        public Embeddings(BertConfig config, LayerFactory layers)
            : base(nameof(Embeddings))
        {
            word_embeddings = new Table(config.VocabSize, config.HiddenSize, layers.Device);
            position_embeddings = new Table(config.MaxPositionEmbeddings, config.HiddenSize, layers.Device);
            token_type_embeddings = new Table(config.TypeVocabSize, config.HiddenSize, layers.Device);
            LayerNorm = layers.LayerNorm();
            dropout = layers.Dropout(config.HiddenDropoutProb);
            RegisterComponents();
        }

        public Parameter WordTable => word_embeddings.Weight;

        public Tensor Forward(Tensor ids, Tensor? tokenTypes)
        {
            var device = ids.device;
            var positions = KeptScalars.Range(0, ids.shape[1], device).unsqueeze(0); // [1, T]
            var types = tokenTypes ?? zeros_like(ids);
            // Kept scalars throughout (KeptScalars): an implicit one could be collected while libtorch reads it.
            var sum = word_embeddings.forward(ids).Plus(position_embeddings.forward(positions)).Plus(token_type_embeddings.forward(types));
            return dropout.forward(LayerNorm.forward(sum)); // [B, T, hidden]
        }
    }

    /// <summary>The stack of encoder layers.</summary>
    private sealed class Encoder : nn.Module
    {
        private readonly ModuleList<Layer> layer;

        public Encoder(BertConfig config, LayerFactory layers)
            : base(nameof(Encoder))
        {
            layer = nn.ModuleList([.. Enumerable.Range(0, config.LayerCount).Select(_ => new Layer(config, layers))]);
            RegisterComponents();
        }

        public Tensor Forward(Tensor hidden, Tensor? additiveMask, List<Tensor>? attentions)
        {
            foreach (var block in layer)
                hidden = block.Forward(hidden, additiveMask, attentions);
            return hidden;
        }
    }

    /// <summary>One post-LN layer: x = LN(x + attention(x)); x = LN(x + FFN(x)).</summary>
    private sealed class Layer : nn.Module
    {
        private readonly Attention attention;
        private readonly Intermediate intermediate;
        private readonly SublayerOutput output;

        public Layer(BertConfig config, LayerFactory layers)
            : base(nameof(Layer))
        {
            attention = new Attention(config, layers);
            intermediate = new Intermediate(config, layers);
            output = new SublayerOutput(config.IntermediateSize, config, layers);
            RegisterComponents();
        }

        public Tensor Forward(Tensor x, Tensor? additiveMask, List<Tensor>? attentions)
        {
            using var scope = NewDisposeScope(); // one layer's temporaries at a time
            var attended = attention.Forward(x, additiveMask, attentions);
            attentions?[^1].MoveToOuterDisposeScope();
            return output.Forward(intermediate.forward(attended), attended).MoveToOuterDisposeScope();
        }
    }

    /// <summary>Self-attention (<c>attention.self</c>) and its output projection with residual and LayerNorm
    /// (<c>attention.output</c>).</summary>
    private sealed class Attention : nn.Module
    {
        private readonly SelfAttention self;
        private readonly SublayerOutput output;

        public Attention(BertConfig config, LayerFactory layers)
            : base(nameof(Attention))
        {
            self = new SelfAttention(config, layers);
            output = new SublayerOutput(config.HiddenSize, config, layers);
            RegisterComponents();
        }

        public Tensor Forward(Tensor x, Tensor? additiveMask, List<Tensor>? attentions) =>
            output.Forward(self.Forward(x, additiveMask, attentions), x);
    }

    /// <summary>softmax(q·kᵀ/√d + mask)·v per head.</summary>
    private sealed class SelfAttention : nn.Module
    {
        private readonly Linear query,
            key,
            value;
        private readonly Dropout dropout;
        private readonly int heads;
        private readonly double dropoutProbability;
        private readonly Scalar scale;

        public SelfAttention(BertConfig config, LayerFactory layers)
            : base(nameof(SelfAttention))
        {
            heads = config.HeadCount;
            query = layers.Linear(config.HiddenSize, config.HiddenSize);
            key = layers.Linear(config.HiddenSize, config.HiddenSize);
            value = layers.Linear(config.HiddenSize, config.HiddenSize);
            dropout = layers.Dropout(config.AttentionProbsDropoutProb);
            dropoutProbability = config.AttentionProbsDropoutProb;
            scale = (1.0 / Math.Sqrt(config.HeadSize)).ToScalar(); // kept in a field: see KeptScalars
            RegisterComponents();
        }

        public Tensor Forward(Tensor x, Tensor? additiveMask, List<Tensor>? attentions)
        {
            long batch = x.shape[0],
                time = x.shape[1],
                width = x.shape[2],
                size = width / heads;
            Tensor Split(Tensor t) => t.view(batch, time, heads, size).transpose(1, 2); // [B, heads, T, size]
            Tensor q = Split(query.forward(x)),
                k = Split(key.forward(x)),
                v = Split(value.forward(x));
            Tensor mixed;
            if (attentions is null)
            {
                // The fused kernel never holds every [T, T] score matrix at once; same arithmetic as below.
                mixed = nn.functional.scaled_dot_product_attention(q, k, v, additiveMask, training ? dropoutProbability : 0.0, false);
            }
            else
            {
                var scores = q.matmul(k.transpose(-2, -1)).mul(scale); // [B, heads, T, T]
                if (additiveMask is not null)
                    scores = scores.Plus(additiveMask);
                var probabilities = scores.softmax(-1);
                attentions.Add(probabilities);
                mixed = dropout.forward(probabilities).matmul(v);
            }
            return mixed.transpose(1, 2).reshape(batch, time, width); // [B, T, hidden]
        }
    }

    /// <summary>dense → GELU: the first half of the feed-forward block.</summary>
    private sealed class Intermediate : nn.Module<Tensor, Tensor>
    {
        private readonly Linear dense;
        private readonly bool tanhGelu;

        public Intermediate(BertConfig config, LayerFactory layers)
            : base(nameof(Intermediate))
        {
            dense = layers.Linear(config.HiddenSize, config.IntermediateSize);
            tanhGelu = config.HiddenAct != "gelu";
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => Gelu(dense.forward(x), tanhGelu);
    }

    internal static Tensor Gelu(Tensor x, bool tanh) => tanh ? nn.functional.gelu(x, GELU.Approximate.tanh) : nn.functional.gelu(x);

    /// <summary>dense → dropout → LayerNorm(· + residual): closes both sub-layers (<c>attention.output</c>, <c>output</c>).</summary>
    private sealed class SublayerOutput : nn.Module
    {
        private readonly Linear dense;
        private readonly LayerNorm LayerNorm;
        private readonly Dropout dropout;

        public SublayerOutput(int input, BertConfig config, LayerFactory layers)
            : base(nameof(SublayerOutput))
        {
            dense = layers.Linear(input, config.HiddenSize);
            LayerNorm = layers.LayerNorm();
            dropout = layers.Dropout(config.HiddenDropoutProb);
            RegisterComponents();
        }

        public Tensor Forward(Tensor x, Tensor residual) => LayerNorm.forward(dropout.forward(dense.forward(x)).Plus(residual));
    }

    /// <summary>tanh(dense(first token)): one vector per sequence.</summary>
    private sealed class Pooler : nn.Module<Tensor, Tensor>
    {
        private readonly Linear dense;

        public Pooler(BertConfig config, LayerFactory layers)
            : base(nameof(Pooler))
        {
            dense = layers.Linear(config.HiddenSize, config.HiddenSize);
            RegisterComponents();
        }

        public override Tensor forward(Tensor hidden) => dense.forward(hidden.select(1, 0)).tanh(); // [B, hidden]
    }
}

/// <summary>
/// What <see cref="BertModel.Encode"/> returns: the last hidden states [batch, length, hidden], the pooled [CLS] vector
/// [batch, hidden] when the model has a pooler, and each layer's attention probabilities [batch, heads, length, length]
/// when asked for. Disposing it disposes every tensor it still holds. Introduced in chapter 12.
/// </summary>
public sealed class BertEncoding(Tensor lastHiddenState, Tensor? pooledOutput, IReadOnlyList<Tensor>? attentions) : IDisposable
{
    private Tensor? last = lastHiddenState;

    /// <summary>One vector per token after the last layer, [batch, length, hidden]. Owned by this encoding, which disposes it
    /// (<see cref="TakeLastHiddenState"/> hands it over instead).</summary>
    public Tensor LastHiddenState =>
        last ?? throw new ObjectDisposedException(nameof(BertEncoding), "The last hidden state was taken or disposed.");

    /// <summary>tanh(dense([CLS] vector)), [batch, hidden]; null without a pooler. Owned by this encoding, which disposes it.</summary>
    public Tensor? PooledOutput { get; } = pooledOutput;

    /// <summary>Attention probabilities per layer, [batch, heads, query, key]; null unless asked for. Owned by this encoding,
    /// which disposes them.</summary>
    public IReadOnlyList<Tensor>? Attentions { get; } = attentions;

    /// <summary>Hands the last hidden state to the caller (this object no longer disposes it).</summary>
    public Tensor TakeLastHiddenState()
    {
        var taken = LastHiddenState;
        last = null;
        return taken;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        last?.Dispose();
        last = null;
        PooledOutput?.Dispose();
        foreach (var a in Attentions ?? [])
            a.Dispose();
    }
}

/// <summary>
/// BERT with its masked-language-model head, named as Hugging Face's <c>BertForMaskedLM</c>: <c>bert</c> (the encoder,
/// without a pooler) and <c>cls.predictions</c> — transform (dense, GELU, LayerNorm), then a decoder whose matrix is the
/// word embedding table (tied: no parameter of its own) plus <c>cls.predictions.bias</c>. Logits [batch, length, vocab].
/// Introduced in chapter 12.
/// </summary>
public sealed class BertForMaskedLM : nn.Module<Tensor, Tensor>
{
    private readonly BertModel bert;
    private readonly MlmHead cls;

    /// <summary>Creates the model (see <see cref="BertModel(BertConfig, bool, Device?, bool)"/> for the arguments).</summary>
    public BertForMaskedLM(BertConfig config, Device? device = null, bool initialize = true)
        : base(nameof(BertForMaskedLM))
    {
        ArgumentNullException.ThrowIfNull(config);
        bert = new BertModel(config, addPoolingLayer: false, device, initialize: false);
        cls = new MlmHead(config, device);
        RegisterComponents();
        if (initialize)
            BertModel.Initialize(this, config, device);
    }

    /// <summary>The model's sizes.</summary>
    public BertConfig Config => bert.Config;

    /// <summary>The encoder.</summary>
    public BertModel Bert => bert;

    /// <summary>Logits [batch, length, vocab] for token ids [batch, length].</summary>
    public override Tensor forward(Tensor inputIds) => Forward(inputIds);

    /// <summary>Logits [batch, length, vocab]; see <see cref="BertModel.Encode"/> for the arguments.</summary>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? tokenTypeIds = null)
    {
        using var encoding = bert.Encode(inputIds, attentionMask, tokenTypeIds);
        return cls.Forward(encoding.LastHiddenState, bert.WordEmbeddings);
    }

    /// <summary>Logits for chosen hidden states only, [n, hidden] → [n, vocab] (training scores masked positions only).</summary>
    public Tensor LogitsFor(Tensor hidden) => cls.Forward(hidden, bert.WordEmbeddings);

    /// <summary>
    /// The checkpoint names this model does not keep: the NSP head <c>cls.seq_relationship.*</c>, the pooler (a
    /// BertForPreTraining checkpoint such as <c>bert-base-uncased</c> has one; the masked-LM model does not), the tied
    /// decoder copies <c>cls.predictions.decoder.*</c> and the <c>position_ids</c> buffer. Otherwise the name itself,
    /// with LayerNorm <c>gamma</c>/<c>beta</c> read as <c>weight</c>/<c>bias</c>.
    /// </summary>
    public static string? ParameterName(string checkpointName)
    {
        ArgumentNullException.ThrowIfNull(checkpointName);
        if (
            checkpointName.StartsWith("cls.seq_relationship.", StringComparison.Ordinal)
            || checkpointName.StartsWith("bert.pooler.", StringComparison.Ordinal)
            || checkpointName.StartsWith("cls.predictions.decoder.", StringComparison.Ordinal)
            || checkpointName.EndsWith(".position_ids", StringComparison.Ordinal)
        )
            return null;
        return BertModel.LayerNormName(checkpointName);
    }

    /// <summary>Reads <c>config.json</c> and <c>model.safetensors</c> (see <see cref="ParameterName"/> for what is
    /// skipped); returns the model in eval mode. A stored tied decoder must still have the word table's shape.</summary>
    /// <exception cref="CheckpointMismatchException">The weights do not fit the config; every mismatch is named.</exception>
    public static BertForMaskedLM FromPretrained(string folder, Device? device = null)
    {
        var config = BertModel.ReadConfig(folder);
        using var checkpoint = SafetensorsCheckpoint.Open(folder);
        var tied = TiedDecoderMismatches(config, checkpoint);
        using (var shapes = new BertForMaskedLM(config, META, initialize: false))
            SafetensorsLoader.CheckFits(shapes, checkpoint, ParameterName, tied);
        var model = new BertForMaskedLM(config, device, initialize: false);
        try
        {
            SafetensorsLoader.LoadInto(model, checkpoint, ParameterName, tied);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.eval();
        return model;
    }

    private static List<TensorShapeMismatch> TiedDecoderMismatches(BertConfig config, SafetensorsCheckpoint checkpoint)
    {
        var mismatches = new List<TensorShapeMismatch>();
        foreach (
            var (name, expected) in new (string, long[])[]
            {
                ("cls.predictions.decoder.weight", [config.VocabSize, config.HiddenSize]),
                ("cls.predictions.decoder.bias", [config.VocabSize]),
            }
        )
            if (checkpoint.Contains(name) && checkpoint.Info(name).Shape is var shape && !shape.SequenceEqual(expected))
                mismatches.Add(new TensorShapeMismatch(name, expected, shape));
        return mismatches;
    }

    /// <summary>Writes a Hugging Face folder (<c>config.json</c>, <c>model.safetensors</c>; the tied decoder is not
    /// repeated) that <see cref="FromPretrained"/> and transformers' <c>BertForMaskedLM.from_pretrained</c> both read.</summary>
    /// <param name="folder">Where to write (created when missing).</param>
    /// <param name="dtype">The weights' type in the file (float16 or bfloat16 halve it); null keeps the model's.</param>
    public void SavePretrained(string folder, ScalarType? dtype = null) => BertModel.Save(this, Config, "BertForMaskedLM", folder, dtype);

    /// <summary><c>cls</c>: holds <c>predictions</c>.</summary>
    private sealed class MlmHead : nn.Module
    {
        private readonly PredictionHead predictions;

        public MlmHead(BertConfig config, Device? device)
            : base(nameof(MlmHead))
        {
            predictions = new PredictionHead(config, device);
            RegisterComponents();
        }

        public Tensor Forward(Tensor hidden, Tensor wordTable) => predictions.Forward(hidden, wordTable);
    }

    /// <summary>transform, then hidden · word_tableᵀ + bias.</summary>
    private sealed class PredictionHead : nn.Module
    {
        private readonly Transform transform;
        private readonly Parameter bias;

        public PredictionHead(BertConfig config, Device? device)
            : base(nameof(PredictionHead))
        {
            transform = new Transform(config, device);
            bias = new Parameter(empty(config.VocabSize, device: device));
            RegisterComponents();
        }

        public Tensor Forward(Tensor hidden, Tensor wordTable)
        {
            using var transformed = transform.forward(hidden);
            return nn.functional.linear(transformed, wordTable, bias); // [..., vocab]
        }
    }

    private sealed class Transform : nn.Module<Tensor, Tensor>
    {
        private readonly Linear dense;
        private readonly LayerNorm LayerNorm;
        private readonly bool tanhGelu;

        public Transform(BertConfig config, Device? device)
            : base(nameof(Transform))
        {
            dense = nn.Linear(
                new Parameter(empty(config.HiddenSize, config.HiddenSize, device: device)),
                new Parameter(empty(config.HiddenSize, device: device))
            );
            LayerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps, device: device);
            tanhGelu = config.HiddenAct != "gelu";
            RegisterComponents();
        }

        public override Tensor forward(Tensor hidden)
        {
            using var scope = NewDisposeScope();
            return LayerNorm.forward(BertModel.Gelu(dense.forward(hidden), tanhGelu)).MoveToOuterDisposeScope();
        }
    }
}

/// <summary>
/// BERT with a classification head, named as Hugging Face's <c>BertForSequenceClassification</c>: <c>bert</c> (with its
/// pooler) → dropout → <c>classifier</c> (hidden → <see cref="BertConfig.LabelCount"/>). Logits [batch, classes].
/// Introduced in chapter 12.
/// </summary>
public sealed class BertForSequenceClassification : nn.Module<Tensor, Tensor>
{
    private readonly BertModel bert;
    private readonly Dropout dropout;
    private readonly Linear classifier;

    /// <summary>Creates the model (see <see cref="BertModel(BertConfig, bool, Device?, bool)"/> for the arguments);
    /// the classes are <paramref name="config"/>'s <see cref="BertConfig.Id2Label"/>.</summary>
    public BertForSequenceClassification(BertConfig config, Device? device = null, bool initialize = true)
        : base(nameof(BertForSequenceClassification))
    {
        ArgumentNullException.ThrowIfNull(config);
        bert = new BertModel(config, addPoolingLayer: true, device, initialize: false);
        dropout = nn.Dropout(config.ClassifierDropout ?? config.HiddenDropoutProb);
        classifier = nn.Linear(
            new Parameter(empty(config.LabelCount, config.HiddenSize, device: device)),
            new Parameter(empty(config.LabelCount, device: device))
        );
        RegisterComponents();
        if (initialize)
            BertModel.Initialize(this, config, device);
    }

    /// <summary>The model's sizes and class names.</summary>
    public BertConfig Config => bert.Config;

    /// <summary>The encoder.</summary>
    public BertModel Bert => bert;

    /// <summary>Logits [batch, classes] for token ids [batch, length].</summary>
    public override Tensor forward(Tensor inputIds) => Forward(inputIds);

    /// <summary>Logits [batch, classes]; see <see cref="BertModel.Encode"/> for the arguments.</summary>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? tokenTypeIds = null)
    {
        using var encoding = bert.Encode(inputIds, attentionMask, tokenTypeIds);
        using var dropped = dropout.forward(encoding.PooledOutput!);
        return classifier.forward(dropped);
    }

    /// <summary>
    /// Starts fine-tuning from a pretrained checkpoint folder of any BERT class (a masked-LM one, say): the encoder's
    /// weights are loaded, the classifier (and the pooler, when the checkpoint has none) are initialised afresh, as
    /// Hugging Face does. The model is returned in training mode.
    /// </summary>
    /// <param name="folder">The pretrained folder (config.json, model.safetensors).</param>
    /// <param name="labels">The class names, in id order.</param>
    /// <param name="device">Where to put the model (CPU when null).</param>
    /// <exception cref="CheckpointMismatchException">The encoder's weights do not fit the config; every mismatch is named.</exception>
    public static BertForSequenceClassification FromPretrainedEncoder(string folder, IReadOnlyList<string> labels, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var config = BertModel.ReadConfig(folder).WithLabels(labels).Validate(folder);
        using var checkpoint = SafetensorsCheckpoint.Open(folder);
        var model = new BertForSequenceClassification(config, device);
        try
        {
            model.bert.LoadEncoderWeights(checkpoint, poolerOptional: true);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.train();
        return model;
    }

    /// <summary>The checkpoint names this model does not keep (<c>cls.*</c> heads, the <c>position_ids</c> buffer);
    /// otherwise the name, with LayerNorm <c>gamma</c>/<c>beta</c> read as <c>weight</c>/<c>bias</c>.</summary>
    public static string? ParameterName(string checkpointName)
    {
        ArgumentNullException.ThrowIfNull(checkpointName);
        if (
            checkpointName.StartsWith("cls.", StringComparison.Ordinal)
            || checkpointName.EndsWith(".position_ids", StringComparison.Ordinal)
        )
            return null;
        return BertModel.LayerNormName(checkpointName);
    }

    /// <summary>Reads a fine-tuned classifier folder (every tensor, the classifier included); returns it in eval mode.</summary>
    /// <exception cref="CheckpointMismatchException">The weights do not fit the config; every mismatch is named.</exception>
    public static BertForSequenceClassification FromPretrained(string folder, Device? device = null)
    {
        var config = BertModel.ReadConfig(folder);
        using var checkpoint = SafetensorsCheckpoint.Open(folder);
        using (var shapes = new BertForSequenceClassification(config, META, initialize: false))
            SafetensorsLoader.CheckFits(shapes, checkpoint, ParameterName);
        var model = new BertForSequenceClassification(config, device, initialize: false);
        try
        {
            SafetensorsLoader.LoadInto(model, checkpoint, ParameterName);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.eval();
        return model;
    }

    /// <summary>Writes a Hugging Face folder (<c>config.json</c> with id2label, <c>model.safetensors</c>).</summary>
    public void SavePretrained(string folder, ScalarType? dtype = null) =>
        BertModel.Save(this, Config, "BertForSequenceClassification", folder, dtype);
}
