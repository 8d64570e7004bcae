using TorchSharp;
using Workbook.Safetensors;
using static TorchSharp.torch;

namespace Workbook.Tests.Safetensors;

public class SafetensorsCheckpointTests
{
    static SafetensorsCheckpointTests() => InitializeDeviceType(DeviceType.CPU);

    private static void WriteSharded(TempFolder folder, string index)
    {
        using var scope = NewDisposeScope();
        SafetensorsWriter.Save(
            folder.File("model-00001-of-00002.safetensors"),
            new Dictionary<string, Tensor> { ["a"] = ones(2), ["b"] = full(3, 2f) }
        );
        SafetensorsWriter.Save(folder.File("model-00002-of-00002.safetensors"), new Dictionary<string, Tensor> { ["c"] = full(1, 3f) });
        File.WriteAllText(folder.File(SafetensorsCheckpoint.IndexFileName), index);
    }

    private const string GoodIndex = """
        {"metadata": {"total_size": 24},
         "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00001-of-00002.safetensors",
                        "c": "model-00002-of-00002.safetensors"}}
        """;

    [Fact]
    public void A_sharded_checkpoint_reads_every_tensor_from_its_shard()
    {
        using var folder = new TempFolder();
        WriteSharded(folder, GoodIndex);
        using var checkpoint = SafetensorsCheckpoint.Open(folder.Path);
        Assert.Equal(2, checkpoint.Files.Count);
        Assert.Equal(["a", "b", "c"], checkpoint.Names.Order());
        using var c = checkpoint.ReadTensor("c");
        Assert.Equal(3f, c.item<float>());
        Assert.EndsWith("model-00002-of-00002.safetensors", checkpoint.FileOf("c").Path);
        Assert.Equal([3L], checkpoint.Info("b").Shape);
    }

    [Fact]
    public void A_folder_with_one_file_and_a_file_path_open_alike()
    {
        using var folder = new TempFolder();
        using (var w = ones(2, 2))
            SafetensorsWriter.Save(folder.File("model.safetensors"), new Dictionary<string, Tensor> { ["w"] = w });
        using var byFolder = SafetensorsCheckpoint.Open(folder.Path);
        using var byFile = SafetensorsCheckpoint.Open(folder.File("model.safetensors"));
        Assert.Equal(byFolder.Names, byFile.Names);
        Assert.Contains(
            "neither model.safetensors nor model.safetensors.index.json",
            Assert.Throws<FileNotFoundException>(() => SafetensorsCheckpoint.Open(Path.GetTempPath() + "/")).Message
        );
    }

    [Fact]
    public void Index_problems_name_the_index_and_the_shard()
    {
        using var folder = new TempFolder();
        WriteSharded(folder, GoodIndex.Replace("model-00002-of-00002.safetensors\"}", "model-00003-of-00002.safetensors\"}"));
        var missing = Assert.Throws<FileNotFoundException>(() => SafetensorsCheckpoint.Open(folder.Path));
        Assert.Contains("shard 'model-00003-of-00002.safetensors' (holding 'c') is missing", missing.Message);
        Assert.Contains(SafetensorsCheckpoint.IndexFileName, missing.Message);

        File.WriteAllText(
            folder.File(SafetensorsCheckpoint.IndexFileName),
            GoodIndex.Replace("\"c\": \"model-00002", "\"c\": \"model-00001")
        );
        Assert.Contains(
            "weight_map puts 'c' in model-00001-of-00002.safetensors, but that shard has no such tensor",
            Assert.Throws<SafetensorsException>(() => SafetensorsCheckpoint.Open(folder.Path)).Message
        );

        File.WriteAllText(folder.File(SafetensorsCheckpoint.IndexFileName), "{\"metadata\": {}}");
        Assert.Contains("'weight_map'", Assert.Throws<SafetensorsException>(() => SafetensorsCheckpoint.Open(folder.Path)).Message);

        File.WriteAllText(folder.File(SafetensorsCheckpoint.IndexFileName), "{\"weight_map\": {\"a\": \"../x.safetensors\"}}");
        Assert.Contains("must be a file name", Assert.Throws<SafetensorsException>(() => SafetensorsCheckpoint.Open(folder.Path)).Message);
    }

    private sealed class Tiny : nn.Module
    {
        private readonly TorchSharp.Modules.Linear fc;

        public Tiny()
            : base("Tiny")
        {
            fc = nn.Linear(3, 2);
            register_buffer("scale", ones(2));
            RegisterComponents();
        }
    }

    [Fact]
    public void LoadInto_fills_parameters_and_buffers_converting_dtype()
    {
        using var folder = new TempFolder();
        var path = folder.File("tiny.safetensors");
        using (var scope = NewDisposeScope())
            SafetensorsWriter.Save(
                path,
                new Dictionary<string, Tensor>
                {
                    ["model.fc.weight"] = arange(6, dtype: ScalarType.Float16).reshape(2, 3),
                    ["model.fc.bias"] = full(2, 7f),
                    ["model.scale"] = full(2, 0.5f),
                    ["model.mask"] = ones(4),
                }
            );
        using var module = new Tiny();
        using var checkpoint = SafetensorsCheckpoint.Open(path);
        var skipped = SafetensorsLoader.LoadInto(module, checkpoint, n => n == "model.mask" ? null : n["model.".Length..]);
        Assert.Equal(["model.mask"], skipped);
        var state = module.state_dict();
        Assert.Equal([0f, 1, 2, 3, 4, 5], state["fc.weight"].data<float>().ToArray());
        Assert.Equal([7f, 7], state["fc.bias"].data<float>().ToArray());
        Assert.Equal([0.5f, 0.5f], state["scale"].data<float>().ToArray());
    }

    [Fact]
    public void LoadInto_reports_missing_unexpected_and_misshaped_tensors_together()
    {
        using var folder = new TempFolder();
        var path = folder.File("tiny.safetensors");
        using (var scope = NewDisposeScope())
            SafetensorsWriter.Save(
                path,
                new Dictionary<string, Tensor>
                {
                    ["fc.weight"] = zeros(3, 2),
                    ["extra"] = zeros(1),
                    ["scale"] = full(2, 9f),
                }
            );
        using var module = new Tiny();
        var before = module.state_dict()["scale"].clone();
        using var checkpoint = SafetensorsCheckpoint.Open(path);
        var e = Assert.Throws<CheckpointMismatchException>(() => SafetensorsLoader.LoadInto(module, checkpoint));
        Assert.Equal(["fc.bias"], e.Missing);
        Assert.Equal(["extra"], e.Unexpected);
        Assert.Equal("fc.weight", Assert.Single(e.Misshaped).Name);
        Assert.Contains("1 missing: fc.bias", e.Message);
        Assert.Contains("1 unexpected: extra", e.Message);
        Assert.Contains("fc.weight (expected [2, 3], found [3, 2])", e.Message);
        Assert.StartsWith(path, e.Message);
        Assert.Equal(0, (module.state_dict()["scale"] - before).abs().sum().item<float>());
    }
}
