using System.Text.RegularExpressions;
using TorchSharp;
using TorchSharp.Modules;
using Workbook.Native;
using Workbook.Safetensors;
using static TorchSharp.torch;

namespace Workbook.Gpt2;

/// <summary>
/// GPT-2 with its language-model head, written nanoGPT-style and named as Hugging Face's <c>GPT2LMHeadModel</c> so
/// HF checkpoints load tensor for tensor: <c>wte</c> (token embedding), <c>wpe</c> (position embedding),
/// <c>h.{i}.ln_1 / attn.c_attn / attn.c_proj / ln_2 / mlp.c_fc / mlp.c_proj</c>, <c>ln_f</c>. The output head is
/// tied to <c>wte</c> (logits = hidden · wteᵀ) and has no parameter of its own. Inference only: there is no dropout.
/// Introduced in chapter 09.
/// </summary>
/// <remarks>
/// <para>Forward passes take token ids [batch, new], an optional <see cref="Gpt2KvCache"/> holding the past, and an
/// optional attention mask [batch, past + new] (1 = token, 0 = padding) for left-padded batches. Position ids default to
/// past, past+1, ... or, with a mask, to the mask's running count minus one (padding gets position 1), as HF's
/// <c>generate</c> computes them, so a left-padded row gives the same result as the row alone.</para>
/// <para>Build on <c>torch.META</c> to see names and shapes without allocating memory.</para>
/// </remarks>
public sealed partial class Gpt2LMHeadModel : nn.Module<Tensor, Tensor>
{
    private const string TransformerPrefix = "transformer.";
    private readonly Gpt2Embedding wte;
    private readonly Gpt2Embedding wpe;
    private readonly ModuleList<Gpt2Block> h;
    private readonly LayerNorm ln_f;

    /// <summary>Creates the model for <paramref name="config"/> (validated first).</summary>
    /// <param name="config">Sizes.</param>
    /// <param name="device">Where the parameters live (CPU when null); <c>torch.META</c> gives names and shapes only.</param>
    /// <param name="initialize">Fill the weights as GPT-2 was initialised for training (normal, std 0.02; residual
    /// projections scaled by 1/√(2·n_layer)); false leaves them uninitialised for a checkpoint to fill, which is faster.</param>
    public Gpt2LMHeadModel(Gpt2Config config, Device? device = null, bool initialize = true)
        : base(nameof(Gpt2LMHeadModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config.Validate();
        var std = initialize ? 0.02 : 0.0;
        // wte doubles as the output head; kept column-major so the head's product reads it contiguously (see Gpt2Embedding).
        wte = new Gpt2Embedding(config.VocabSize, config.EmbeddingSize, device, std, columnMajor: true);
        wpe = new Gpt2Embedding(config.ContextLength, config.EmbeddingSize, device, std);
        h = nn.ModuleList([.. Enumerable.Range(0, config.LayerCount).Select(_ => new Gpt2Block(config, device, std))]);
        ln_f = nn.LayerNorm(config.EmbeddingSize, config.LayerNormEpsilon, device: device);
        RegisterComponents();
    }

    /// <summary>The model's sizes.</summary>
    public Gpt2Config Config { get; }

    /// <summary>The token embedding [vocab, n_embd], which is also the output head.</summary>
    public Parameter TokenEmbedding => wte.Weight;

    /// <summary>
    /// Reads <c>config.json</c> and the weights (<c>model.safetensors</c>, or a sharded <c>model.safetensors.index.json</c>)
    /// from a folder, such as a Hugging Face model download, and returns the model in eval mode.
    /// </summary>
    /// <param name="folder">The folder holding config.json and the safetensors weights.</param>
    /// <param name="device">Where to put the model (CPU when null). Half-precision files are converted to float32.</param>
    /// <exception cref="FileNotFoundException">config.json or the weights are missing.</exception>
    /// <exception cref="CheckpointMismatchException">The weights do not fit the config; every missing, unexpected and
    /// mis-shaped tensor is named.</exception>
    public static Gpt2LMHeadModel FromPretrained(string folder, Device? device = null) =>
        SafetensorsLoader.FromPretrained(
            folder,
            Gpt2Config.FromFile,
            (config, on) => new Gpt2LMHeadModel(config, on, initialize: false),
            device,
            ParameterName,
            (model, checkpoint) => model.TiedHeadMismatches(checkpoint)
        );

    /// <summary>
    /// Writes the model as a Hugging Face checkpoint folder — <c>config.json</c> and <c>model.safetensors</c> with HF's
    /// tensor names (no prefix, no mask buffers, the tied head not repeated) — that <see cref="FromPretrained"/> and
    /// transformers' <c>GPT2LMHeadModel.from_pretrained</c> both read. Each file is written atomically.
    /// </summary>
    /// <param name="folder">Where to write (created when missing).</param>
    /// <param name="dtype">The weights' type in the file (float16 or bfloat16 halve it); null keeps the model's.</param>
    public void SavePretrained(string folder, ScalarType? dtype = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        Directory.CreateDirectory(folder);
        Config.Save(Path.Combine(folder, "config.json"));
        SafetensorsLoader.SaveWeights(this, Path.Combine(folder, "model.safetensors"), dtype);
    }

    /// <summary>
    /// Loads safetensors weights (a file, an index file, or a folder holding either) into this model. Names may carry
    /// the <c>transformer.</c> prefix of newer HF files or not; the cached causal-mask buffers <c>h.{i}.attn.bias</c>
    /// and <c>h.{i}.attn.masked_bias</c> are skipped, and so is <c>lm_head.weight</c> (tied to <c>wte</c>; only its
    /// shape is checked). Everything is checked before anything is read.
    /// </summary>
    /// <returns>The checkpoint names that were skipped.</returns>
    /// <exception cref="CheckpointMismatchException">Missing, unexpected or mis-shaped tensors, all named.</exception>
    public IReadOnlyList<string> LoadWeights(string path)
    {
        using var checkpoint = SafetensorsCheckpoint.Open(path);
        return LoadWeights(checkpoint);
    }

    /// <summary>Loads from an open checkpoint; see <see cref="LoadWeights(string)"/>.</summary>
    public IReadOnlyList<string> LoadWeights(SafetensorsCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return SafetensorsLoader.LoadInto(this, checkpoint, ParameterName, TiedHeadMismatches(checkpoint));
    }

    /// <summary>A stored <c>lm_head.weight</c> is skipped (the head is tied to wte), but its shape must still be wte's.</summary>
    private List<TensorShapeMismatch> TiedHeadMismatches(SafetensorsCheckpoint checkpoint)
    {
        var mismatches = new List<TensorShapeMismatch>();
        long[] expected = [Config.VocabSize, Config.EmbeddingSize];
        foreach (var name in new[] { "lm_head.weight", TransformerPrefix + "lm_head.weight" })
            if (checkpoint.Contains(name) && checkpoint.Info(name).Shape is var shape && !shape.SequenceEqual(expected))
                mismatches.Add(new TensorShapeMismatch(name, expected, shape));
        return mismatches;
    }

    /// <summary>
    /// The model's parameter name for a checkpoint tensor name: the name without a <c>transformer.</c> prefix, or null
    /// for tensors the model does not keep (<c>h.{i}.attn.bias</c>, <c>h.{i}.attn.masked_bias</c>, <c>lm_head.weight</c>).
    /// </summary>
    public static string? ParameterName(string checkpointName)
    {
        ArgumentNullException.ThrowIfNull(checkpointName);
        var name = checkpointName.StartsWith(TransformerPrefix, StringComparison.Ordinal)
            ? checkpointName[TransformerPrefix.Length..]
            : checkpointName;
        return name == "lm_head.weight" || MaskBuffer().IsMatch(name) ? null : name;
    }

    [GeneratedRegex(@"^h\.\d+\.attn\.(bias|masked_bias)$")]
    private static partial Regex MaskBuffer();

    /// <summary>A key/value cache for this model, with room for <paramref name="capacity"/> tokens before it grows.</summary>
    public Gpt2KvCache CreateCache(int capacity = 64) => new(Config.LayerCount, Config.ContextLength, capacity);

    /// <summary>Logits [batch, length, vocab] for token ids [batch, length], no cache, no padding.</summary>
    public override Tensor forward(Tensor inputIds) => forward(inputIds, null);

    /// <summary>Logits [batch, new, vocab] for the new token ids [batch, new]; see <see cref="HiddenStates"/> for the arguments.</summary>
    public Tensor forward(Tensor inputIds, Gpt2KvCache? cache, Tensor? attentionMask = null, Tensor? positionIds = null)
    {
        using var hidden = HiddenStates(inputIds, cache, attentionMask, positionIds);
        return Logits(hidden);
    }

    /// <summary>
    /// The final hidden states (after <c>ln_f</c>) [batch, new, n_embd] for new token ids [batch, new]. Turn any of them
    /// into logits with <see cref="Logits"/> (generation needs only the last position's).
    /// </summary>
    /// <param name="inputIds">Token ids, int64 [batch, new], each in [0, vocab).</param>
    /// <param name="cache">The past keys and values, extended by this call; null for none.</param>
    /// <param name="attentionMask">1 for real tokens, 0 for padding, [batch, past + new] covering the past too (as HF);
    /// null when nothing is padded.</param>
    /// <param name="positionIds">Positions of the new tokens [batch, new]; null to derive them (see the class remarks).</param>
    /// <exception cref="ArgumentException">Wrong shapes or dtypes, ids outside the vocabulary, or past + new beyond
    /// <c>n_positions</c>; the message names the argument and both shapes or limits.</exception>
    public Tensor HiddenStates(Tensor inputIds, Gpt2KvCache? cache = null, Tensor? attentionMask = null, Tensor? positionIds = null)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        if (inputIds.dim() != 2 || inputIds.dtype != ScalarType.Int64)
            throw new ArgumentException(
                $"inputIds must be int64 [batch, length]; got {inputIds.dtype} [{string.Join(", ", inputIds.shape)}].",
                nameof(inputIds)
            );
        long batch = inputIds.shape[0],
            length = inputIds.shape[1];
        if (batch == 0 || length == 0)
            throw new ArgumentException($"inputIds is empty: [{batch}, {length}].", nameof(inputIds));
        var past = cache?.Length ?? 0;
        var total = past + length;
        if (total > Config.ContextLength)
            throw new ArgumentException(
                $"The sequence would be {total} tokens ({past} cached + {length} new), more than n_positions = {Config.ContextLength}. "
                    + "Shorten the input (or generate with ContextOverflow.TruncateLeft).",
                nameof(inputIds)
            );
        CheckTokenIds(inputIds);
        if (cache is not null && cache.Layers.Count != h.Count)
            throw new ArgumentException($"The cache has {cache.Layers.Count} layers; the model has {h.Count}.", nameof(cache));

        using var scope = NewDisposeScope();
        var device = wte.Weight.device;
        Tensor? keyMask = null;
        if (attentionMask is not null)
        {
            if (attentionMask.dim() != 2 || attentionMask.shape[0] != batch || attentionMask.shape[1] != total)
                throw new ArgumentException(
                    $"attentionMask must be [batch, past + new] = [{batch}, {total}]; got [{string.Join(", ", attentionMask.shape)}].",
                    nameof(attentionMask)
                );
            keyMask = attentionMask.to(ScalarType.Int64, device);
        }

        if (positionIds is null)
        {
            positionIds = keyMask is null
                ? KeptScalars.Range(past, total, device).unsqueeze(0).expand(batch, length)
                // HF generate: cumulative count of real tokens − 1; padding gets 1 (any valid position: it is masked out).
                : keyMask.cumsum(1).sub(KeptScalars.One).masked_fill(keyMask.eq(KeptScalars.Zero), KeptScalars.One).narrow(1, past, length);
        }
        else if (!positionIds.shape.SequenceEqual(inputIds.shape))
            throw new ArgumentException(
                $"positionIds must have the shape of inputIds [{batch}, {length}]; got [{string.Join(", ", positionIds.shape)}].",
                nameof(positionIds)
            );
        else if (positionIds.min().item<long>() < 0 || positionIds.max().item<long>() >= Config.ContextLength)
            throw new ArgumentException($"positionIds must lie in [0, {Config.ContextLength}).", nameof(positionIds));

        var (mask, causal) = AttentionMask(keyMask, past, length, device);
        // Kept scalars throughout (KeptScalars): an implicit one could be collected while libtorch reads it.
        var x = wte.forward(inputIds.to(device)).Plus(wpe.forward(positionIds.to(device)));
        for (var i = 0; i < h.Count; i++)
            x = h[i].Forward(x, cache?.Layers[i], mask, causal);
        return ln_f.forward(x).MoveToOuterDisposeScope();
    }

    /// <summary>Logits over the vocabulary for hidden states [..., n_embd]: hidden · wteᵀ (the tied output head).</summary>
    public Tensor Logits(Tensor hidden)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        using var head = wte.Weight.t(); // [n_embd, vocab], contiguous in memory
        return hidden.matmul(head);
    }

    /// <summary>
    /// Which keys each new token may attend to. Without padding: the plain causal mask (a flag for the fused kernel when
    /// there is no past; nothing at all for a single new token, which sees the whole past). With padding: causal AND
    /// key-is-a-token, and every token may always see itself, so a padding query never has an all-masked row (which
    /// would give NaN); real tokens never see padding.
    /// </summary>
    private static (Tensor? Mask, bool Causal) AttentionMask(Tensor? keyMask, long past, long length, Device device)
    {
        if (keyMask is null && past == 0)
            return (null, length > 1);
        if (keyMask is null && length == 1)
            return (null, false);
        var total = past + length;
        var keyPositions = KeptScalars.Range(0, total, device).unsqueeze(0); // [1, S]
        var queryPositions = KeptScalars.Range(past, total, device).unsqueeze(1); // [T, 1]
        var allowed = (keyPositions <= queryPositions).unsqueeze(0).unsqueeze(0); // [1, 1, T, S]
        if (keyMask is not null)
        {
            var self = (keyPositions == queryPositions).unsqueeze(0).unsqueeze(0);
            allowed = (allowed & keyMask.ne(KeptScalars.Zero).unsqueeze(1).unsqueeze(1)) | self; // [B, 1, T, S]
        }
        return (allowed, false);
    }

    private void CheckTokenIds(Tensor ids)
    {
        long min = ids.min().item<long>(),
            max = ids.max().item<long>();
        if (min < 0 || max >= Config.VocabSize)
            throw new ArgumentException(
                $"Token ids must lie in [0, {Config.VocabSize}) (vocab_size); found {(min < 0 ? min : max)}.",
                "inputIds"
            );
    }
}

/// <summary>
/// A lookup table [count, width] with one parameter named <c>weight</c>, as HF's <c>wte</c> and <c>wpe</c>
/// (TorchSharp's <c>nn.Embedding</c> would do, but it always fills its table with random numbers, which is wasted work
/// for a table a checkpoint is about to overwrite).
/// Introduced with chapter 10.
/// </summary>
/// <remarks>
/// With <c>columnMajor</c> the table is still [count, width] but laid out in memory as its transpose [width, count]
/// (the parameter is a transposed view of a contiguous [width, count] tensor). GPT-2 uses this for <c>wte</c>, which is
/// also the output head: logits = h · wteᵀ then multiplies by a contiguous [in, out] matrix, the layout a CPU streams
/// fastest (measured here: 6.7 ms instead of 12 ms per decoded token for the 50257 × 768 head). Looking up a few
/// rows of the transposed layout costs nothing noticeable.
/// </remarks>
public sealed class Gpt2Embedding : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;

    /// <summary>Creates a table of <paramref name="count"/> rows of <paramref name="width"/> values.</summary>
    /// <param name="count">Number of rows (vocabulary size or positions).</param>
    /// <param name="width">Row width (<c>n_embd</c>).</param>
    /// <param name="device">Where the table lives (CPU when null).</param>
    /// <param name="initStd">Standard deviation of the normal initialisation; 0 or less leaves it uninitialised.</param>
    /// <param name="columnMajor">Store the table transposed in memory (see the remarks).</param>
    public Gpt2Embedding(long count, long width, Device? device = null, double initStd = 0.02, bool columnMajor = false)
        : base(nameof(Gpt2Embedding))
    {
        weight = columnMajor
            ? new Parameter(empty([width, count], device: device).t())
            : new Parameter(empty([count, width], device: device));
        if (initStd > 0)
        {
            using var noGrad = no_grad();
            weight.normal_(0, initStd);
        }
        RegisterComponents();
    }

    /// <summary>The table, [count, width] (a transposed view when column-major).</summary>
    public Parameter Weight => weight;

    /// <summary>Rows of the table for integer ids of any shape: [...] → [..., width].</summary>
    public override Tensor forward(Tensor ids)
    {
        long[] outputShape = [.. ids.shape, weight.shape[1]];
        using var flat = ids.reshape(-1);
        using var rows = weight.index_select(0, flat);
        return rows.view(outputShape);
    }
}

/// <summary>One pre-LayerNorm transformer block, HF names: x + attn(ln_1(x)), then + mlp(ln_2(x)). Introduced with chapter 10.</summary>
public sealed class Gpt2Block : nn.Module
{
    private readonly LayerNorm ln_1;
    private readonly Gpt2Attention attn;
    private readonly LayerNorm ln_2;
    private readonly Gpt2Mlp mlp;

    /// <summary>Creates the block for <paramref name="config"/>; <paramref name="initStd"/> ≤ 0 leaves weights uninitialised.</summary>
    public Gpt2Block(Gpt2Config config, Device? device = null, double initStd = 0.02)
        : base(nameof(Gpt2Block))
    {
        ArgumentNullException.ThrowIfNull(config);
        ln_1 = nn.LayerNorm(config.EmbeddingSize, config.LayerNormEpsilon, device: device);
        attn = new Gpt2Attention(config, device, initStd);
        ln_2 = nn.LayerNorm(config.EmbeddingSize, config.LayerNormEpsilon, device: device);
        mlp = new Gpt2Mlp(config, device, initStd);
        RegisterComponents();
    }

    /// <summary>The block on <paramref name="x"/> [batch, new, n_embd]; see <see cref="Gpt2Attention.Forward"/> for the other
    /// arguments.</summary>
    public Tensor Forward(Tensor x, Gpt2LayerCache? cache, Tensor? mask, bool causal)
    {
        using var scope = NewDisposeScope();
        var h = x.Plus(attn.Forward(ln_1.forward(x), cache, mask, causal)); // Plus: see KeptScalars
        return h.Plus(mlp.forward(ln_2.forward(h))).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Causal multi-head self-attention, HF names: <c>c_attn</c> (one [n_embd, 3·n_embd] product giving q, k and v, in that
/// order) and <c>c_proj</c> (the output projection). With a cache, the new tokens' keys and values are appended and the
/// queries attend to everything cached. Introduced with chapter 10.
/// </summary>
public sealed class Gpt2Attention : nn.Module
{
    private nn.Module<Tensor, Tensor> c_attn; // a Conv1D, or its replacement (see ReplaceProjections)
    private nn.Module<Tensor, Tensor> c_proj; // a Conv1D, or its replacement (see ReplaceProjections)
    private readonly int headCount;
    private readonly int width;

    /// <summary>Creates the layer for <paramref name="config"/>; <paramref name="initStd"/> ≤ 0 leaves weights uninitialised.</summary>
    public Gpt2Attention(Gpt2Config config, Device? device = null, double initStd = 0.02)
        : base(nameof(Gpt2Attention))
    {
        ArgumentNullException.ThrowIfNull(config);
        headCount = config.HeadCount;
        width = config.EmbeddingSize;
        c_attn = new Conv1D(width, 3 * width, device, initStd);
        // GPT-2 scales the init of each residual-branch output by 1/√(2·n_layer).
        c_proj = new Conv1D(width, width, device, initStd / Math.Sqrt(2.0 * config.LayerCount));
        RegisterComponents();
    }

    /// <summary>Attention over <paramref name="x"/> [batch, new, n_embd] → [batch, new, n_embd].</summary>
    /// <param name="x">The block's normalised input.</param>
    /// <param name="cache">This block's cache, or null to attend only within <paramref name="x"/>.</param>
    /// <param name="mask">Which keys each query may see, bool [batch, 1, new, past + new]; null with
    /// <paramref name="causal"/> for a plain causal prefill, or null alone to see every key (one new token).</param>
    /// <param name="causal">Apply the standard lower-triangular mask (only when there is no past and no <paramref name="mask"/>).</param>
    public Tensor Forward(Tensor x, Gpt2LayerCache? cache, Tensor? mask, bool causal)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0],
            length = x.shape[1];
        var qkv = c_attn.forward(x).split(width, 2); // three × [B, T, C]
        var q = Heads(qkv[0], batch, length); // [B, H, T, D]
        var k = Heads(qkv[1], batch, length);
        var v = Heads(qkv[2], batch, length);
        if (cache is not null)
            (k, v) = cache.Append(k, v); // [B, H, past + T, D]
        // softmax(q·kᵀ/√D + mask)·v; libtorch picks a fused kernel.
        var y = nn.functional.scaled_dot_product_attention(q, k, v, mask, 0.0, causal);
        var merged = y.transpose(1, 2).reshape(batch, length, width); // [B, T, C]
        return c_proj.forward(merged).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Replaces each projection that is a <typeparamref name="TLayer"/> by <paramref name="replace"/>(name, layer) when
    /// that returns a module (null keeps the layer), under the same name, so state-dict names stay HF's. Used by
    /// <c>Compression.DynamicQuantization</c> (int8 layers) and <c>Lora.Gpt2Lora</c> (adapters around the Conv1D).
    /// </summary>
    /// <returns>The names of the projections replaced.</returns>
    internal IReadOnlyList<string> ReplaceProjections<TLayer>(Func<string, TLayer, nn.Module<Tensor, Tensor>?> replace)
        where TLayer : nn.Module<Tensor, Tensor>
    {
        var replaced = new List<string>();
        if (Conv1D.Replace(this, ref c_attn, "c_attn", replace))
            replaced.Add("c_attn");
        if (Conv1D.Replace(this, ref c_proj, "c_proj", replace))
            replaced.Add("c_proj");
        return replaced;
    }

    private Tensor Heads(Tensor t, long batch, long length) => t.view(batch, length, headCount, width / headCount).transpose(1, 2);
}

/// <summary>
/// The feed-forward part of a block, HF names: <c>c_fc</c> (n_embd → n_inner), GELU, <c>c_proj</c> (n_inner → n_embd). Introduced with
/// chapter 10.
/// </summary>
public sealed class Gpt2Mlp : nn.Module<Tensor, Tensor>
{
    private nn.Module<Tensor, Tensor> c_fc; // a Conv1D, or its replacement (see ReplaceProjections)
    private nn.Module<Tensor, Tensor> c_proj; // a Conv1D, or its replacement (see ReplaceProjections)
    private readonly bool tanhGelu;

    /// <summary>Creates the layer for <paramref name="config"/>; <paramref name="initStd"/> ≤ 0 leaves weights uninitialised.</summary>
    public Gpt2Mlp(Gpt2Config config, Device? device = null, double initStd = 0.02)
        : base(nameof(Gpt2Mlp))
    {
        ArgumentNullException.ThrowIfNull(config);
        c_fc = new Conv1D(config.EmbeddingSize, config.MlpSize, device, initStd);
        c_proj = new Conv1D(config.MlpSize, config.EmbeddingSize, device, initStd / Math.Sqrt(2.0 * config.LayerCount));
        tanhGelu = config.ActivationFunction != "gelu";
        RegisterComponents();
    }

    /// <summary>c_proj(gelu(c_fc(x))) for x [..., n_embd].</summary>
    public override Tensor forward(Tensor x)
    {
        using var hidden = c_fc.forward(x);
        // "gelu_new": 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), the approximation GPT-2 was trained with.
        using var activated = tanhGelu ? nn.functional.gelu(hidden, GELU.Approximate.tanh) : nn.functional.gelu(hidden);
        return c_proj.forward(activated);
    }

    /// <summary>
    /// Replaces each projection that is a <typeparamref name="TLayer"/> by <paramref name="replace"/>(name, layer) when
    /// that returns a module (null keeps the layer), under the same name, so state-dict names stay HF's. Used by
    /// <c>Compression.DynamicQuantization</c> (int8 layers) and <c>Lora.Gpt2Lora</c> (adapters around the Conv1D).
    /// </summary>
    /// <returns>The names of the projections replaced.</returns>
    internal IReadOnlyList<string> ReplaceProjections<TLayer>(Func<string, TLayer, nn.Module<Tensor, Tensor>?> replace)
        where TLayer : nn.Module<Tensor, Tensor>
    {
        var replaced = new List<string>();
        if (Conv1D.Replace(this, ref c_fc, "c_fc", replace))
            replaced.Add("c_fc");
        if (Conv1D.Replace(this, ref c_proj, "c_proj", replace))
            replaced.Add("c_proj");
        return replaced;
    }
}

/// <summary>
/// Hugging Face's GPT-2 "Conv1D": a linear layer whose weight is stored [in, out], so y = x·W + b with no transpose.
/// That is how the original TensorFlow GPT-2 kept its weights and how every GPT-2 checkpoint stores c_attn, c_proj and
/// c_fc, so they load as they are. It is also the fast layout for decoding on a CPU: the product streams W row by row.
/// Introduced with chapter 10.
/// </summary>
public sealed class Conv1D : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;

    /// <summary>Creates the layer: weight [<paramref name="inFeatures"/>, <paramref name="outFeatures"/>], bias
    /// [<paramref name="outFeatures"/>].</summary>
    /// <param name="inFeatures">Input width.</param>
    /// <param name="outFeatures">Output width.</param>
    /// <param name="device">Where the parameters live (CPU when null); <c>meta</c> gives shapes without memory.</param>
    /// <param name="initStd">Standard deviation of the normal initialisation of the weight (bias zero); 0 or less leaves
    /// the memory uninitialised, for a checkpoint to fill.</param>
    public Conv1D(long inFeatures, long outFeatures, Device? device = null, double initStd = 0.02)
        : base(nameof(Conv1D))
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        weight = new Parameter(empty([inFeatures, outFeatures], device: device));
        bias = new Parameter(empty([outFeatures], device: device));
        if (initStd > 0)
        {
            using var noGrad = no_grad();
            weight.normal_(0, initStd);
            bias.zero_();
        }
        RegisterComponents();
    }

    /// <summary>Input width.</summary>
    public long InFeatures { get; }

    /// <summary>Output width.</summary>
    public long OutFeatures { get; }

    /// <summary>The weight, [in, out].</summary>
    public Parameter Weight => weight;

    /// <summary>The bias, [out].</summary>
    public Parameter Bias => bias;

    /// <summary>x·W + b over the last dimension of <paramref name="input"/> [..., in] → [..., out].</summary>
    public override Tensor forward(Tensor input)
    {
        long[] outputShape = [.. input.shape[..^1], OutFeatures];
        using var rows = input.reshape(-1, InFeatures);
        using var output = addmm(bias, rows, weight, 1, 1);
        return output.view(outputShape);
    }

    /// <summary>
    /// If <paramref name="field"/> (the submodule <paramref name="name"/> of <paramref name="owner"/>) is a
    /// <typeparamref name="TLayer"/> and <paramref name="replace"/>(name, layer) returns a module, puts that module under
    /// the same name. The old layer is disposed unless the replacement holds it (a LoRA adapter wraps its Conv1D).
    /// </summary>
    internal static bool Replace<TLayer>(
        nn.Module owner,
        ref nn.Module<Tensor, Tensor> field,
        string name,
        Func<string, TLayer, nn.Module<Tensor, Tensor>?> replace
    )
        where TLayer : nn.Module<Tensor, Tensor>
    {
        if (field is not TLayer layer || replace(name, layer) is not { } replacement)
            return false;
        field = replacement;
        owner.register_module(name, null!); // unregister the old layer, then register its replacement
        owner.register_module(name, field);
        if (!replacement.modules().Contains(layer))
            layer.Dispose();
        return true;
    }
}
