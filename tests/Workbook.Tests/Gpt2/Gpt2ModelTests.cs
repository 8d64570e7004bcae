using TorchSharp;
using Workbook.Gpt2;
using Workbook.Safetensors;
using static TorchSharp.torch;

namespace Workbook.Tests.Gpt2;

public class Gpt2ModelTests
{
    static Gpt2ModelTests() => InitializeDeviceType(DeviceType.CPU);

    [Fact]
    public void The_124M_model_on_meta_has_exactly_the_tensors_of_hf_gpt2()
    {
        // The fixture lists HF gpt2's model.safetensors: 160 tensors. The model's parameters are 148 of them; the other
        // 12 are the h.{i}.attn.bias causal-mask buffers, which the loader accepts and skips (ParameterName → null).
        var expected = File.ReadAllLines(Repository.Fixture("gpt2/gpt2-124m-tensors.txt"))
            .Where(l => !l.StartsWith('#') && l.Length > 0)
            .Select(l => l.Split('\t'))
            .ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(160, expected.Count);

        using var model = new Gpt2LMHeadModel(Gpt2Config.Gpt2, META);
        var actual = model.named_parameters().ToDictionary(p => p.name, p => $"[{string.Join(", ", p.parameter.shape)}]");
        Assert.All(actual.Values, _ => { });
        Assert.Equal(148, actual.Count);
        Assert.Empty(model.named_buffers());
        Assert.Equal(124_439_808, model.parameters().Sum(p => p.numel()));

        var skipped = expected.Keys.Where(n => Gpt2LMHeadModel.ParameterName(n) is null).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"h.{i}.attn.bias").Order(), skipped);
        var kept = expected.Where(p => Gpt2LMHeadModel.ParameterName(p.Key) is not null).ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(kept.OrderBy(p => p.Key, StringComparer.Ordinal), actual.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.True(model.parameters().All(p => p.device_type == DeviceType.META));
    }

    [Theory]
    [InlineData("tiny")]
    [InlineData("tiny-prefixed")]
    [InlineData("tiny-sharded")]
    public void Logits_match_the_reference_for_every_checkpoint_layout(string checkpoint)
    {
        using var model = Gpt2LMHeadModel.FromPretrained(Gpt2Goldens.Folder(checkpoint));
        foreach (var c in Gpt2Goldens.Get("logits").EnumerateArray())
        {
            using var scope = NewDisposeScope();
            var ids = Gpt2Goldens.Ids(c.GetProperty("input_ids").LongRows());
            Gpt2Goldens.AssertClose(Gpt2Goldens.Logits(c), model.forward(ids), $"{checkpoint} {c.GetProperty("name").GetString()}");
        }
    }

    [Fact]
    public void A_float16_checkpoint_loads_as_float32_and_matches()
    {
        using var model = Gpt2LMHeadModel.FromPretrained(Gpt2Goldens.Folder("tiny-fp16"));
        Assert.True(model.parameters().All(p => p.dtype == ScalarType.Float32));
        var c = Gpt2Goldens.LogitsCase("single", "logits_fp16");
        using var scope = NewDisposeScope();
        Gpt2Goldens.AssertClose(Gpt2Goldens.Logits(c), model.forward(Gpt2Goldens.Ids(c.GetProperty("input_ids").LongRows())), "fp16");
    }

    [Fact]
    public void Loading_reports_which_tensors_were_skipped()
    {
        using var model = new Gpt2LMHeadModel(Gpt2Goldens.TinyConfig, initialize: false);
        var skipped = model.LoadWeights(Gpt2Goldens.Folder("tiny-prefixed"));
        Assert.Equal(
            [
                "lm_head.weight",
                "transformer.h.0.attn.bias",
                "transformer.h.0.attn.masked_bias",
                "transformer.h.1.attn.bias",
                "transformer.h.1.attn.masked_bias",
            ],
            skipped.Order(StringComparer.Ordinal)
        );
    }

    [Fact]
    public void Token_by_token_with_the_cache_equals_the_full_forward()
    {
        var model = Gpt2Goldens.Tiny;
        var c = Gpt2Goldens.LogitsCase("batch");
        using var scope = NewDisposeScope();
        var ids = Gpt2Goldens.Ids(c.GetProperty("input_ids").LongRows());
        var expected = Gpt2Goldens.Logits(c);
        using var cache = model.CreateCache(capacity: 2); // small on purpose: it must grow
        // A 4-token prefill, then one token at a time, then a 3-token chunk.
        var steps = new List<Tensor> { model.forward(ids.narrow(1, 0, 4), cache) };
        for (var t = 4; t < 8; t++)
            steps.Add(model.forward(ids.narrow(1, t, 1), cache));
        steps.Add(model.forward(ids.narrow(1, 8, 3), cache));
        Assert.Equal(11, cache.Length);
        Gpt2Goldens.AssertClose(expected, cat(steps, 1), "cached");
    }

    [Fact]
    public void Left_padded_rows_match_the_reference_and_each_row_alone()
    {
        var model = Gpt2Goldens.Tiny;
        var padded = Gpt2Goldens.Get("padded");
        using var scope = NewDisposeScope();
        var ids = Gpt2Goldens.Ids(padded.GetProperty("input_ids").LongRows());
        var mask = Gpt2Goldens.Ids(padded.GetProperty("attention_mask").LongRows());
        var expected = Gpt2Goldens.Logits(padded);
        var logits = model.forward(ids, null, mask);
        Assert.False(logits.isnan().any().item<bool>());
        var rows = padded.GetProperty("attention_mask").LongRows();
        for (var r = 0; r < rows.Length; r++)
        {
            var start = Array.IndexOf(rows[r], 1L);
            Gpt2Goldens.AssertClose(
                expected[r].narrow(0, start, rows[r].Length - start),
                logits[r].narrow(0, start, rows[r].Length - start),
                $"row {r}"
            );
            var alone = model.forward(ids[r].narrow(0, start, rows[r].Length - start).unsqueeze(0));
            Gpt2Goldens.AssertClose(alone[0], logits[r].narrow(0, start, rows[r].Length - start), $"row {r} alone");
        }

        // The same batch decoded with the cache, padding mask covering past + new.
        using var cache = model.CreateCache();
        var prefill = model.forward(ids.narrow(1, 0, 6), cache, mask.narrow(1, 0, 6));
        var rest = (int)ids.shape[1] - 6;
        var pieces = new List<Tensor> { prefill };
        for (var t = 0; t < rest; t++)
            pieces.Add(model.forward(ids.narrow(1, 6 + t, 1), cache, mask.narrow(1, 0, 7 + t)));
        var cached = cat(pieces, 1);
        for (var r = 0; r < rows.Length; r++)
        {
            var start = Array.IndexOf(rows[r], 1L);
            Gpt2Goldens.AssertClose(
                logits[r].narrow(0, start, rows[r].Length - start),
                cached[r].narrow(0, start, rows[r].Length - start),
                $"cached row {r}"
            );
        }
    }

    [Fact]
    public void The_full_context_is_allowed_and_one_more_token_is_a_named_error()
    {
        var model = Gpt2Goldens.Tiny;
        var c = Gpt2Goldens.LogitsCase("full_context");
        using var scope = NewDisposeScope();
        var ids = Gpt2Goldens.Ids(c.GetProperty("input_ids").LongRows());
        Gpt2Goldens.AssertClose(Gpt2Goldens.Logits(c), model.forward(ids), "32 tokens");
        var e = Assert.Throws<ArgumentException>(() => model.forward(cat([ids, ids.narrow(1, 0, 1)], 1)));
        Assert.Contains("33 tokens (0 cached + 33 new), more than n_positions = 32", e.Message);
        using var cache = model.CreateCache();
        model.forward(ids, cache);
        Assert.Contains("(32 cached + 1 new)", Assert.Throws<ArgumentException>(() => model.forward(ids.narrow(1, 0, 1), cache)).Message);
    }

    [Fact]
    public void Bad_inputs_are_named_errors()
    {
        var model = Gpt2Goldens.Tiny;
        using var scope = NewDisposeScope();
        Assert.Contains(
            "Token ids must lie in [0, 96)",
            Assert.Throws<ArgumentException>(() => model.forward(tensor(new long[] { 1, 96 }).unsqueeze(0))).Message
        );
        Assert.Contains(
            "inputIds must be int64 [batch, length]",
            Assert.Throws<ArgumentException>(() => model.forward(tensor(new long[] { 1, 2 }))).Message
        );
        Assert.Contains(
            "inputIds must be int64",
            Assert.Throws<ArgumentException>(() => model.forward(tensor(new[] { 1, 2 }).unsqueeze(0))).Message
        );
        var ids = tensor(new long[] { 1, 2, 3 }).unsqueeze(0);
        Assert.Contains(
            "attentionMask must be [batch, past + new] = [1, 3]; got [1, 2]",
            Assert.Throws<ArgumentException>(() => model.forward(ids, null, ones(1, 2, dtype: ScalarType.Int64))).Message
        );
    }

    private static string CopyCheckpoint(
        TempFolder folder,
        Func<string, Tensor, (string Name, Tensor Tensor)?> edit,
        Gpt2Config? config = null
    )
    {
        using var source = SafetensorsFile.Open(Path.Combine(Gpt2Goldens.Folder("tiny"), "model.safetensors"));
        var tensors = new Dictionary<string, Tensor>();
        foreach (var name in source.Names)
            if (edit(name, source.ReadTensor(name)) is { } kept)
                tensors[kept.Name] = kept.Tensor;
        SafetensorsWriter.Save(folder.File("model.safetensors"), tensors);
        foreach (var t in tensors.Values)
            t.Dispose();
        (config ?? Gpt2Goldens.TinyConfig).Save(folder.File("config.json"));
        return folder.Path;
    }

    [Fact]
    public void Missing_unexpected_and_misshaped_tensors_are_all_named_in_one_error()
    {
        using var folder = new TempFolder();
        var path = CopyCheckpoint(
            folder,
            (name, t) =>
                name switch
                {
                    "h.1.mlp.c_fc.bias" => null,
                    "h.0.attn.c_proj.weight" => (name, t.t().contiguous()[..16]),
                    "ln_f.bias" => ("ln_final.bias", t),
                    _ => (name, t),
                }
        );
        var e = Assert.Throws<CheckpointMismatchException>(() => Gpt2LMHeadModel.FromPretrained(path));
        Assert.Equal(["h.1.mlp.c_fc.bias", "ln_f.bias"], e.Missing.Order(StringComparer.Ordinal));
        Assert.Equal(["ln_final.bias"], e.Unexpected);
        Assert.Equal("h.0.attn.c_proj.weight", Assert.Single(e.Misshaped).Name);
        Assert.Contains("h.0.attn.c_proj.weight (expected [32, 32], found [16, 32])", e.Message);
        Assert.Contains("model.safetensors does not fit the model", e.Message);
    }

    [Fact]
    public void A_config_that_does_not_match_the_weights_is_a_named_error()
    {
        using var folder = new TempFolder();
        var path = CopyCheckpoint(folder, (name, t) => (name, t), Gpt2Goldens.TinyConfig with { VocabSize = 100, LayerCount = 3 });
        var e = Assert.Throws<CheckpointMismatchException>(() => Gpt2LMHeadModel.FromPretrained(path));
        Assert.Contains("wte.weight (expected [100, 32], found [96, 32])", e.Message);
        Assert.Contains("h.2.ln_1.weight", e.Missing);
    }

    [Fact]
    public void A_tied_head_of_the_wrong_shape_is_refused()
    {
        using var folder = new TempFolder();
        var path = CopyCheckpoint(folder, (name, t) => name == "wpe.weight" ? ("lm_head.weight", t) : (name, t));
        Assert.Contains(
            "lm_head.weight (expected [96, 32], found [32, 32])",
            Assert.Throws<CheckpointMismatchException>(() => Gpt2LMHeadModel.FromPretrained(path)).Message
        );
    }

    [Fact]
    public void Missing_files_are_named()
    {
        using var folder = new TempFolder();
        Gpt2Goldens.TinyConfig.Save(folder.File("config.json"));
        Assert.Contains(
            "neither model.safetensors nor model.safetensors.index.json",
            Assert.Throws<FileNotFoundException>(() => Gpt2LMHeadModel.FromPretrained(folder.Path)).Message
        );
        File.Delete(folder.File("config.json"));
        Assert.Contains("config.json", Assert.Throws<FileNotFoundException>(() => Gpt2LMHeadModel.FromPretrained(folder.Path)).Message);
    }

    [Fact]
    public void A_fresh_model_is_initialised_like_gpt2_and_runs()
    {
        using var model = new Gpt2LMHeadModel(Gpt2Goldens.TinyConfig);
        var state = model.state_dict();
        Assert.InRange(state["wte.weight"].std().item<float>(), 0.018f, 0.022f);
        Assert.Equal(0f, state["h.0.attn.c_attn.bias"].abs().sum().item<float>());
        Assert.Equal(1f, state["h.0.ln_1.weight"].mean().item<float>());
        Assert.InRange(state["h.0.mlp.c_proj.weight"].std().item<float>(), 0.008f, 0.012f); // 0.02 / √(2·2)
        using var logits = model.forward(tensor(new long[] { 1, 2, 3 }).unsqueeze(0));
        Assert.Equal([1L, 3, 96], logits.shape);
    }

    [Fact]
    public void A_checkpoint_of_another_model_reports_every_missing_unexpected_and_misshaped_tensor()
    {
        using var folder = new TempFolder();
        Gpt2Goldens.TinyConfig.Save(folder.File("config.json"));
        File.Copy(Repository.Fixture("wav2vec2/tiny-base/model.safetensors"), folder.File("model.safetensors"));
        var e = Assert.Throws<CheckpointMismatchException>(() => Gpt2LMHeadModel.FromPretrained(folder.Path));
        Assert.Contains("wte.weight", e.Missing);
        Assert.Contains("ln_f.bias", e.Missing);
        Assert.Contains("wav2vec2.encoder.layer_norm.weight", e.Unexpected);
        Assert.Contains(e.Misshaped, m => m.Name == "lm_head.weight"); // the tied head's shape, checked with the rest
        Assert.Contains("missing", e.Message);
        Assert.Contains("unexpected", e.Message);
    }
}
