using System.Text.Json;
using TorchSharp;
using Workbook.Gpt2;
using Workbook.Lora;
using Workbook.Safetensors;
using Workbook.Tests.Gpt2;
using static TorchSharp.torch;

namespace Workbook.Tests.Lora;

public class LoraTests
{
    static LoraTests() => InitializeDeviceType(DeviceType.CPU);

    private static readonly LoraConfig AllProjections = new()
    {
        Rank = 4,
        Alpha = 8,
        TargetModules = ["c_attn", "c_proj", "c_fc"],
        BaseModelNameOrPath = "tests/fixtures/gpt2/tiny",
    };

    private static Gpt2LMHeadModel Tiny() => Gpt2LMHeadModel.FromPretrained(Gpt2Goldens.Folder("tiny"));

    private static readonly JsonElement Goldens = JsonDocument.Parse(File.ReadAllText(Repository.Fixture("lora/goldens.json"))).RootElement;

    private static Tensor GoldenIds() => Gpt2Goldens.Ids(Goldens.GetProperty("input_ids").LongRows());

    private static string AdapterFolder => Repository.Fixture("lora/tiny-adapter");

    /// <summary>Gives every B random values, as training would, so the adapters change the output.</summary>
    private static void Train(Gpt2LMHeadModel model, int seed = 3)
    {
        using var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var (_, layer) in Gpt2Lora.Adapters(model))
        {
            using var values = normal(0, 0.3, layer.B.shape, generator: generator);
            layer.B.copy_(values);
        }
    }

    private static DirectoryInfo TempFolder() => Directory.CreateTempSubdirectory("workbook-lora-");

    [Fact]
    public void A_fresh_adapter_reproduces_the_base_model_exactly()
    {
        using var model = Tiny();
        using var scope = NewDisposeScope();
        var ids = GoldenIds();
        var before = model.forward(ids).detach().clone();
        var adapted = Gpt2Lora.Apply(model, AllProjections);
        Assert.Equal(8, adapted.Count); // 2 blocks × (attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj)
        Assert.All(Gpt2Lora.Adapters(model), a => Assert.Equal(0, a.Layer.B.abs().sum().item<float>()));
        Assert.All(Gpt2Lora.Adapters(model), a => Assert.True(a.Layer.A.abs().sum().item<float>() > 0));
        Assert.True(model.forward(ids).eq(before).all().item<bool>(), "B = 0 must leave every logit bit for bit as it was");
    }

    [Fact]
    public void A_is_initialised_kaiming_uniform_like_a_linear_layer()
    {
        using var model = Tiny();
        Gpt2Lora.Apply(model, AllProjections);
        foreach (var (name, layer) in Gpt2Lora.Adapters(model))
        {
            // kaiming_uniform_(a = √5) on [r, in]: bound = gain·√(3 / fan_in) with gain = √(2 / (1 + 5)), i.e. 1/√in.
            var bound = 1.0 / Math.Sqrt(layer.BaseLayer.InFeatures);
            Assert.Equal([4, layer.BaseLayer.InFeatures], layer.A.shape);
            Assert.Equal([layer.BaseLayer.OutFeatures, 4], layer.B.shape);
            Assert.True(layer.A.abs().max().item<float>() <= bound, $"{name}: A exceeds the bound {bound}");
            Assert.True(layer.A.abs().max().item<float>() > bound / 2, $"{name}: A looks too small for a uniform init of bound {bound}");
        }
    }

    [Fact]
    public void After_backward_only_the_adapters_have_gradients()
    {
        using var model = Tiny();
        Gpt2Lora.Apply(model, AllProjections);
        Train(model);
        model.train();
        using var scope = NewDisposeScope();
        var ids = GoldenIds();
        var logits = model.forward(ids);
        var loss = nn.functional.cross_entropy(logits[.., ..^1].reshape(-1, logits.shape[2]), ids[.., 1..].reshape(-1));
        loss.backward();
        var (trainable, total) = Gpt2Lora.ParameterCounts(model);
        long adapterCount = 0;
        foreach (var (name, parameter) in model.named_parameters())
        {
            var isAdapter = name.Contains(".lora_", StringComparison.Ordinal);
            Assert.Equal(isAdapter, parameter.requires_grad);
            if (isAdapter)
            {
                adapterCount += parameter.numel();
                Assert.NotNull(parameter.grad);
                Assert.True(parameter.grad!.abs().sum().item<float>() > 0, $"{name} has a zero gradient");
            }
            else
                Assert.Null(parameter.grad);
        }
        Assert.Equal(adapterCount, trainable);
        // Per block: c_attn 4·(32 + 96), attn.c_proj 4·(32 + 32), c_fc 4·(32 + 128), mlp.c_proj 4·(128 + 32).
        Assert.Equal(2 * 4 * (128 + 64 + 160 + 160), trainable);
        Assert.True(total > trainable);
    }

    [Fact]
    public void Merged_weights_give_the_unmerged_outputs_and_unmerging_restores_the_base()
    {
        using var model = Tiny();
        using var scope = NewDisposeScope();
        var baseWeight = model.named_parameters().Single(p => p.name == "h.0.attn.c_attn.weight").parameter.detach().clone();
        Gpt2Lora.Apply(model, AllProjections);
        Train(model);
        var ids = GoldenIds();
        var unmerged = model.forward(ids).detach().clone();
        Gpt2Lora.Merge(model);
        Assert.All(Gpt2Lora.Adapters(model), a => Assert.True(a.Layer.IsMerged));
        Gpt2Goldens.AssertClose(unmerged, model.forward(ids), "merged vs unmerged", 1e-5);
        Gpt2Lora.Unmerge(model);
        var weight = Gpt2Lora.Adapters(model).Single(a => a.Name == "h.0.attn.c_attn").Layer.BaseLayer.Weight;
        Gpt2Goldens.AssertClose(baseWeight, weight, "unmerged weight vs the original", 1e-6);
        Gpt2Goldens.AssertClose(unmerged, model.forward(ids), "unmerged again", 1e-5);
    }

    [Fact]
    public void A_peft_adapter_file_loads_and_gives_the_reference_logits_unmerged_and_merged()
    {
        // The fixture's adapter and logits come from make_goldens.py (PyTorch, from LoRA's definition, not from this code).
        using var model = Tiny();
        var config = LoraAdapterFiles.Load(model, AdapterFolder);
        Assert.Equal((4, 8.0, 0.05), (config.Rank, config.Alpha, config.Dropout));
        Assert.Equal(
            ["h.0.attn.c_attn", "h.0.attn.c_proj", "h.0.mlp.c_proj", "h.1.attn.c_attn", "h.1.attn.c_proj", "h.1.mlp.c_proj"],
            Gpt2Lora.Adapters(model).Select(a => a.Name)
        );
        model.eval();
        using var scope = NewDisposeScope();
        var expected = Gpt2Goldens.Logits(Goldens);
        Assert.True(
            Goldens.GetProperty("largest_change_from_base").GetDouble() > 1,
            "the adapter must change the logits for the test to mean something"
        );
        Gpt2Goldens.AssertClose(expected, model.forward(GoldenIds()), "adapted (unmerged)");
        Gpt2Lora.Merge(model);
        Gpt2Goldens.AssertClose(expected, model.forward(GoldenIds()), "adapted (merged)");
    }

    [Fact]
    public void Adapters_save_alone_in_peft_layout_and_load_back_into_a_fresh_model_with_identical_logits()
    {
        var folder = TempFolder();
        try
        {
            using var model = Tiny();
            Gpt2Lora.Apply(model, AllProjections);
            Train(model);
            using var scope = NewDisposeScope();
            var ids = GoldenIds();
            var expected = model.forward(ids).detach().clone();
            var weights = LoraAdapterFiles.Save(model, AllProjections, folder.FullName);

            using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder.FullName, "adapter_config.json")));
            var root = config.RootElement;
            Assert.Equal("LORA", root.GetProperty("peft_type").GetString());
            Assert.Equal(4, root.GetProperty("r").GetInt32());
            Assert.Equal(8, root.GetProperty("lora_alpha").GetInt32());
            Assert.Equal(0.0, root.GetProperty("lora_dropout").GetDouble());
            Assert.Equal(["c_attn", "c_proj", "c_fc"], root.GetProperty("target_modules").EnumerateArray().Select(t => t.GetString()));
            Assert.Equal("tests/fixtures/gpt2/tiny", root.GetProperty("base_model_name_or_path").GetString());
            Assert.True(root.GetProperty("fan_in_fan_out").GetBoolean());
            Assert.Equal("none", root.GetProperty("bias").GetString());
            Assert.Equal("CAUSAL_LM", root.GetProperty("task_type").GetString());

            using (var file = SafetensorsFile.Open(weights))
            {
                Assert.Equal(16, file.Tensors.Count); // only A and B: no base weight is saved
                Assert.Equal([4, 32], file.Info("base_model.model.transformer.h.0.attn.c_attn.lora_A.weight").Shape);
                Assert.Equal([96, 4], file.Info("base_model.model.transformer.h.0.attn.c_attn.lora_B.weight").Shape);
                Assert.Equal([4, 128], file.Info("base_model.model.transformer.h.1.mlp.c_proj.lora_A.weight").Shape);
                Assert.Equal([128, 4], file.Info("base_model.model.transformer.h.1.mlp.c_fc.lora_B.weight").Shape);
                Assert.All(file.Tensors, t => Assert.Equal("F32", t.Dtype));
                Assert.Equal("pt", file.Metadata["format"]);
            }

            using var fresh = Tiny();
            LoraAdapterFiles.Load(fresh, folder.FullName);
            Assert.True(fresh.forward(ids).eq(expected).all().item<bool>(), "a reloaded adapter must give the same logits bit for bit");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Merge_and_unload_gives_a_plain_gpt2_checkpoint_with_the_adapted_logits()
    {
        var folder = TempFolder();
        try
        {
            using var model = Tiny();
            Gpt2Lora.Apply(model, AllProjections);
            Train(model);
            using var scope = NewDisposeScope();
            var ids = GoldenIds();
            var expected = model.forward(ids).detach().clone();
            var unloaded = Gpt2Lora.MergeAndUnload(model);
            Assert.Equal(8, unloaded.Count);
            Assert.Empty(Gpt2Lora.Adapters(model));
            Assert.DoesNotContain(model.named_parameters(), p => p.name.Contains("lora_") || p.name.Contains("base_layer"));
            Assert.All(model.parameters(), p => Assert.True(p.requires_grad));
            model.SavePretrained(folder.FullName);
            using var reloaded = Gpt2LMHeadModel.FromPretrained(folder.FullName);
            Gpt2Goldens.AssertClose(expected, reloaded.forward(ids), "merged checkpoint", 1e-5);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Targets_match_by_name_suffix_as_in_peft()
    {
        using var model = Tiny();
        var adapted = Gpt2Lora.Apply(model, AllProjections with { TargetModules = ["c_proj"] });
        Assert.Equal(["h.0.attn.c_proj", "h.0.mlp.c_proj", "h.1.attn.c_proj", "h.1.mlp.c_proj"], adapted);
        Assert.Throws<InvalidOperationException>(() => Gpt2Lora.Apply(model, AllProjections));

        using var other = Tiny();
        Assert.Equal(
            ["h.1.mlp.c_fc"],
            Gpt2Lora.Apply(other, AllProjections with { TargetModules = [], TargetPattern = @"h\.1\.mlp\.c_fc" })
        );

        using var third = Tiny();
        var error = Assert.Throws<ArgumentException>(() => Gpt2Lora.Apply(third, AllProjections with { TargetModules = ["q_proj"] }));
        Assert.Contains("q_proj", error.Message);
        Assert.Contains("c_attn", error.Message);
        Assert.Empty(Gpt2Lora.Adapters(third));
        Assert.All(third.parameters(), p => Assert.True(p.requires_grad));
    }

    [Theory]
    [InlineData("\"peft_type\": \"LORA\"", "\"peft_type\": \"IA3\"", "peft_type")]
    [InlineData("\"r\": 4", "\"r\": 0", "'r'")]
    [InlineData("\"r\": 4", "\"r\": 2.5", "'r'")]
    [InlineData("\"lora_dropout\": 0.05", "\"lora_dropout\": 1.5", "lora_dropout")]
    [InlineData("\"bias\": \"none\"", "\"bias\": \"all\"", "bias")]
    [InlineData("\"use_dora\": false", "\"use_dora\": true", "use_dora")]
    [InlineData("\"target_modules\": [", "\"target_modules\": [7, ", "target_modules")]
    public void A_bad_adapter_config_names_the_file_and_the_field(string find, string replace, string field)
    {
        var folder = CopyOfFixture();
        try
        {
            var path = Path.Combine(folder.FullName, "adapter_config.json");
            var text = File.ReadAllText(path);
            Assert.Contains(find, text);
            File.WriteAllText(path, text.Replace(find, replace, StringComparison.Ordinal));
            using var model = Tiny();
            var error = Assert.Throws<InvalidDataException>(() => LoraAdapterFiles.Load(model, folder.FullName));
            Assert.Contains(path, error.Message);
            Assert.Contains(field, error.Message);
            Assert.Empty(Gpt2Lora.Adapters(model));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Adapter_weights_that_do_not_fit_name_the_file_and_every_key()
    {
        var folder = CopyOfFixture();
        try
        {
            var path = Path.Combine(folder.FullName, "adapter_model.safetensors");
            var tensors = new Dictionary<string, Tensor>();
            using (var file = SafetensorsFile.Open(path))
                tensors = file.ReadAll();
            var dropped = "base_model.model.transformer.h.1.attn.c_proj.lora_B.weight";
            var reshaped = "base_model.model.transformer.h.0.attn.c_attn.lora_A.weight";
            tensors.Remove(dropped);
            tensors[reshaped] = zeros(4, 31);
            tensors["base_model.model.transformer.h.0.mlp.c_fc.lora_A.weight"] = zeros(4, 32); // c_fc is not a target of this config
            SafetensorsWriter.Save(path, tensors);
            using var model = Tiny();
            var error = Assert.Throws<CheckpointMismatchException>(() => LoraAdapterFiles.Load(model, folder.FullName));
            Assert.Contains(path, error.Message);
            Assert.Equal([dropped], error.Missing);
            Assert.Equal(["base_model.model.transformer.h.0.mlp.c_fc.lora_A.weight"], error.Unexpected);
            Assert.Equal(reshaped, Assert.Single(error.Misshaped).Name);
            Assert.Empty(Gpt2Lora.Adapters(model));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_missing_weights_file_or_an_integer_matrix_is_named()
    {
        var folder = CopyOfFixture();
        try
        {
            var path = Path.Combine(folder.FullName, "adapter_model.safetensors");
            var tensors = new Dictionary<string, Tensor>();
            using (var file = SafetensorsFile.Open(path))
                tensors = file.ReadAll();
            var key = "base_model.model.transformer.h.0.attn.c_attn.lora_B.weight";
            tensors[key] = tensors[key].to(ScalarType.Int32);
            SafetensorsWriter.Save(path, tensors);
            using var model = Tiny();
            var error = Assert.Throws<InvalidDataException>(() => LoraAdapterFiles.Load(model, folder.FullName));
            Assert.Contains(path, error.Message);
            Assert.Contains(key, error.Message);

            File.Delete(path);
            var missing = Assert.Throws<FileNotFoundException>(() => LoraAdapterFiles.Load(model, folder.FullName));
            Assert.Contains(path, missing.Message);
            Assert.Empty(Gpt2Lora.Adapters(model));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_config_round_trips_through_json()
    {
        var config = AllProjections with { Dropout = 0.1, Alpha = 12.5 };
        Assert.Equal(12.5 / 4, config.Scaling);
        var back = LoraConfig.FromJson(config.ToJson());
        Assert.Equal(
            (config.Rank, config.Alpha, config.Dropout, config.BaseModelNameOrPath),
            (back.Rank, back.Alpha, back.Dropout, back.BaseModelNameOrPath)
        );
        Assert.Equal(config.TargetModules, back.TargetModules);
        Assert.Throws<ArgumentOutOfRangeException>(() => new LoraConv1D(new Conv1D(8, 4), rank: 5, alpha: 8));
    }

    private static DirectoryInfo CopyOfFixture()
    {
        var folder = TempFolder();
        foreach (var file in Directory.GetFiles(AdapterFolder))
            File.Copy(file, Path.Combine(folder.FullName, Path.GetFileName(file)));
        return folder;
    }
}
