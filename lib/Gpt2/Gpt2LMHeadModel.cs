using System.Text.RegularExpressions;
using TorchSharp;
using TorchSharp.Modules;
using Workbook.Safetensors;
using Workbook.Native;
using static TorchSharp.torch;

namespace Workbook.Gpt2;

/// <summary>
/// GPT-2 with its language-model head, written nanoGPT-style and named as Hugging Face's <c>GPT2LMHeadModel</c> so
/// HF checkpoints load tensor for tensor: <c>wte</c> (token embedding), <c>wpe</c> (position embedding),
/// <c>h.{i}.ln_1 / attn.c_attn / attn.c_proj / ln_2 / mlp.c_fc / mlp.c_proj</c>, <c>ln_f</c>. The output head is
/// tied to <c>wte</c> (logits = hidden · wteᵀ) and has no parameter of its own. Inference only: there is no dropout.
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
    public Gpt2LMHeadModel(Gpt2Config config, Device? device = null, bool initialize = true) : base(nameof(Gpt2LMHeadModel))
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
    public static Gpt2LMHeadModel FromPretrained(string folder, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Model folder not found: {folder}");
        var config = Gpt2Config.FromFile(Path.Combine(folder, "config.json"));
        using var checkpoint = SafetensorsCheckpoint.Open(folder);
        // Names and shapes first, on the meta device (no memory), so a checkpoint that does not fit the config is
        // refused before the model's memory is allocated.
        using (var shapes = new Gpt2LMHeadModel(config, META, initialize: false))
            SafetensorsLoader.CheckFits(shapes, checkpoint, ParameterName, shapes.TiedHeadMismatches(checkpoint));
        var model = new Gpt2LMHeadModel(config, device, initialize: false);
        try
        {
            model.LoadWeights(checkpoint);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.eval();
        return model;
    }

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
        using var scope = NewDisposeScope();
        SafetensorsWriter.Save(Path.Combine(folder, "model.safetensors"),
            named_parameters().Select(p => (p.name, dtype is { } type ? p.parameter.detach().cpu().to(type) : p.parameter.detach().cpu())).ToList(), new Dictionary<string, string> { ["format"] = "pt" });
        // `new Model(...).SavePretrained(folder)` leaves no other reference: without this the finaliser may free the
        // native weights while they are being written (seen as NaN weights in the saved file).
        GC.KeepAlive(this);
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
        var name = checkpointName.StartsWith(TransformerPrefix, StringComparison.Ordinal) ? checkpointName[TransformerPrefix.Length..] : checkpointName;
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
            throw new ArgumentException($"inputIds must be int64 [batch, length]; got {inputIds.dtype} [{string.Join(", ", inputIds.shape)}].", nameof(inputIds));
        long batch = inputIds.shape[0], length = inputIds.shape[1];
        if (batch == 0 || length == 0) throw new ArgumentException($"inputIds is empty: [{batch}, {length}].", nameof(inputIds));
        var past = cache?.Length ?? 0;
        var total = past + length;
        if (total > Config.ContextLength)
            throw new ArgumentException(
                $"The sequence would be {total} tokens ({past} cached + {length} new), more than n_positions = {Config.ContextLength}. " +
                "Shorten the input (or generate with ContextOverflow.TruncateLeft).", nameof(inputIds));
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
                    $"attentionMask must be [batch, past + new] = [{batch}, {total}]; got [{string.Join(", ", attentionMask.shape)}].", nameof(attentionMask));
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
            throw new ArgumentException($"positionIds must have the shape of inputIds [{batch}, {length}]; got [{string.Join(", ", positionIds.shape)}].", nameof(positionIds));
        else if (positionIds.min().item<long>() < 0 || positionIds.max().item<long>() >= Config.ContextLength)
            throw new ArgumentException($"positionIds must lie in [0, {Config.ContextLength}).", nameof(positionIds));

        var (mask, causal) = AttentionMask(keyMask, past, length, device);
        // Kept scalars throughout (KeptScalars): an implicit one could be collected while libtorch reads it.
        var x = wte.forward(inputIds.to(device)).Plus(wpe.forward(positionIds.to(device)));
        for (var i = 0; i < h.Count; i++) x = h[i].Forward(x, cache?.Layers[i], mask, causal);
        return ln_f.forward(x).MoveToOuterDisposeScope();
    }

    /// <summary>Logits over the vocabulary for hidden states [..., n_embd]: hidden · wteᵀ (the tied output head).</summary>
    public Tensor Logits(Tensor hidden)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        using var head = wte.Weight.t();   // [n_embd, vocab], contiguous in memory
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
        if (keyMask is null && past == 0) return (null, length > 1);
        if (keyMask is null && length == 1) return (null, false);
        var total = past + length;
        var keyPositions = KeptScalars.Range(0, total, device).unsqueeze(0);                               // [1, S]
        var queryPositions = KeptScalars.Range(past, total, device).unsqueeze(1);                          // [T, 1]
        var allowed = (keyPositions <= queryPositions).unsqueeze(0).unsqueeze(0);                          // [1, 1, T, S]
        if (keyMask is not null)
        {
            var self = (keyPositions == queryPositions).unsqueeze(0).unsqueeze(0);
            allowed = (allowed & keyMask.ne(KeptScalars.Zero).unsqueeze(1).unsqueeze(1)) | self;                          // [B, 1, T, S]
        }
        return (allowed, false);
    }

    private void CheckTokenIds(Tensor ids)
    {
        long min = ids.min().item<long>(), max = ids.max().item<long>();
        if (min < 0 || max >= Config.VocabSize)
            throw new ArgumentException($"Token ids must lie in [0, {Config.VocabSize}) (vocab_size); found {(min < 0 ? min : max)}.", "inputIds");
    }
}
