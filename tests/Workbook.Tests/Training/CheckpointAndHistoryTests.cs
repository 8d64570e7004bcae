using Plotly.NET;
using Plotly.NET.CSharp;
using TorchSharp;
using Workbook.Models;
using Workbook.Training;
using static TorchSharp.torch;

namespace Workbook.Tests.Training;

[Collection(SerialCollection.Name)]
public sealed class CheckpointAndHistoryTests : IDisposable
{
    static CheckpointAndHistoryTests() => torch.InitializeDeviceType(DeviceType.CPU);

    private readonly string _directory = Directory.CreateTempSubdirectory("wb-checkpoint-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static (SimpleModel Model, optim.Optimizer Optimizer) Fresh(int seed = 0, int width = 8)
    {
        torch.manual_seed(seed);
        var model = new SimpleModel(new SimpleModelOptions(Inputs: 3, HiddenWidths: [width]));
        return (model, optim.Adam(model.parameters(), lr: 0.01));
    }

    private static TrainingHistory TrainedHistory(SimpleModel model, optim.Optimizer optimizer)
    {
        var trainer = new Trainer(model, optimizer, nn.CrossEntropyLoss(), new TrainingOptions(Epochs: 2, BatchSize: 4));
        return trainer.Fit(randn(16, 3), randint(0, 2, 16));
    }

    [Fact]
    public void Round_trip_restores_weights_optimizer_and_history_and_leaves_no_temporary_file()
    {
        var (model, optimizer) = Fresh();
        var history = TrainedHistory(model, optimizer);
        var path = Path.Combine(_directory, "run.ckpt");
        Checkpoint.Save(path, model, optimizer, history);
        Checkpoint.Save(path, model, optimizer, history); // overwriting works
        Assert.Equal(["run.ckpt"], Directory.GetFiles(_directory).Select(Path.GetFileName));

        var (copy, copyOptimizer) = Fresh(seed: 5);
        var loaded = Checkpoint.Load(path, copy, copyOptimizer);
        foreach (var ((name, a), (_, b)) in model.state_dict().Zip(copy.state_dict()))
            Assert.True(a.allclose(b, 0, 0), $"{name} differs after loading");
        Assert.Equal(history.Series("loss"), loaded.Series("loss"));
        Assert.Equal([1, 2], loaded.Epochs.Select(e => e.Epoch));
    }

    [Fact]
    public void Damaged_or_mismatched_checkpoints_are_explained()
    {
        var (model, optimizer) = Fresh();
        var path = Path.Combine(_directory, "good.ckpt");
        Checkpoint.Save(path, model, optimizer, TrainedHistory(model, optimizer));
        var bytes = File.ReadAllBytes(path);

        var truncated = Path.Combine(_directory, "truncated.ckpt");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length - 10)]);
        Assert.Contains("is truncated", Assert.Throws<InvalidDataException>(() => Checkpoint.Load(truncated, model, optimizer)).Message);

        var notACheckpoint = Path.Combine(_directory, "model.pt");
        File.WriteAllText(notACheckpoint, "PK\u0003\u0004 a zip from Python");
        Assert.Contains(
            "is not a workbook checkpoint",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Load(notACheckpoint, model, optimizer)).Message
        );

        var (wide, wideOptimizer) = Fresh(width: 16);
        Assert.Contains(
            "do not fit this SimpleModel",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, wide, wideOptimizer)).Message
        );

        Assert.Contains(
            "holds the state of a Adam optimizer, but a SGD was given",
            Assert
                .Throws<InvalidDataException>(() => Checkpoint.Load(path, model, optim.SGD(model.parameters(), learningRate: 0.1)))
                .Message
        );
        Assert.Throws<FileNotFoundException>(() => Checkpoint.Load(Path.Combine(_directory, "missing.ckpt"), model, optimizer));
    }

    [Fact]
    public void A_flipped_byte_anywhere_is_refused_by_the_checksum_before_anything_is_loaded()
    {
        var (model, optimizer) = Fresh();
        var path = Path.Combine(_directory, "good.ckpt");
        Checkpoint.Save(path, model, optimizer, TrainedHistory(model, optimizer));
        var bytes = File.ReadAllBytes(path);
        var headerEnd = 12 + BitConverter.ToInt32(bytes, 8);
        // Inside the model's tensor data, inside the header's JSON, and in the model section's length.
        foreach (var offset in new[] { headerEnd + 8 + (bytes.Length - headerEnd) / 3, headerEnd - 20, headerEnd + 1 })
        {
            var damaged = (byte[])bytes.Clone();
            damaged[offset] ^= 0x01;
            var flipped = Path.Combine(_directory, $"flipped-{offset}.ckpt");
            File.WriteAllBytes(flipped, damaged);
            var (target, targetOptimizer) = Fresh(seed: 9);
            var before = target.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());

            var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(flipped, target, targetOptimizer));

            Assert.True(
                error.Message.StartsWith($"'{flipped}'", StringComparison.Ordinal)
                    && error.Message.Contains("SHA-256 checksum does not match", StringComparison.Ordinal),
                error.Message
            );
            foreach (var (name, tensor) in target.state_dict())
                Assert.True(tensor.allclose(before[name], 0, 0), $"{name} changed although the load was refused");
        }
    }

    [Fact]
    public void A_format_1_checkpoint_without_a_checksum_still_loads_and_extra_bytes_are_refused()
    {
        var (model, optimizer) = Fresh();
        var path = Path.Combine(_directory, "new.ckpt");
        var history = TrainedHistory(model, optimizer);
        Checkpoint.Save(path, model, optimizer, history);
        var bytes = File.ReadAllBytes(path);
        var headerLength = BitConverter.ToInt32(bytes, 8);
        var header = System.Text.Encoding.UTF8.GetString(bytes, 12, headerLength);
        Assert.Contains("\"Format\":2", header);
        var old = System.Text.Encoding.UTF8.GetBytes(header.Replace("\"Format\":2", "\"Format\":1"));
        byte[] formatOne = [.. bytes[..12], .. old, .. bytes[(12 + headerLength)..^32]]; // the layout before the checksum
        var oldPath = Path.Combine(_directory, "old.ckpt");
        File.WriteAllBytes(oldPath, formatOne);

        var (copy, copyOptimizer) = Fresh(seed: 3);
        Assert.Equal(history.Series("loss"), Checkpoint.Load(oldPath, copy, copyOptimizer).Series("loss"));
        foreach (var ((name, a), (_, b)) in model.state_dict().Zip(copy.state_dict()))
            Assert.True(a.allclose(b, 0, 0), $"{name} differs after loading the format 1 file");

        File.WriteAllBytes(oldPath, [.. formatOne, 1, 2, 3]);
        Assert.Contains(
            "3 unexpected bytes follow",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Load(oldPath, copy, copyOptimizer)).Message
        );
    }

    [Fact]
    public void A_directory_given_as_the_checkpoint_is_named_as_a_directory()
    {
        var (model, optimizer) = Fresh();
        var folder = Path.Combine(_directory, "run1");
        Directory.CreateDirectory(folder);
        var error = Assert.Throws<FileNotFoundException>(() => Checkpoint.Load(folder, model, optimizer));
        Assert.Contains("is a directory, not a file", error.Message);
    }

    [Fact]
    public void A_failed_replace_leaves_other_files_alone_and_no_temporary_file()
    {
        var (model, optimizer) = Fresh();
        var path = Path.Combine(_directory, "keep.ckpt"); // an earlier checkpoint beside the failing one
        Checkpoint.Save(path, model, optimizer);
        var before = File.ReadAllBytes(path);
        Directory.CreateDirectory(Path.Combine(_directory, "blocker"));
        // The rename target is a directory: the write succeeds, the replace fails, and nothing half-written remains.
        Assert.ThrowsAny<IOException>(() => Checkpoint.Save(Path.Combine(_directory, "blocker"), model, optimizer));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.True(Directory.Exists(Path.Combine(_directory, "blocker")));
        Assert.DoesNotContain(Directory.GetFiles(_directory), f => f.EndsWith(".tmp", StringComparison.Ordinal));
    }

    [Fact]
    public void History_renders_plots_and_survives_json()
    {
        var (model, optimizer) = Fresh();
        var trainer = new Trainer(model, optimizer, nn.CrossEntropyLoss(), new TrainingOptions(Epochs: 3, BatchSize: 4));
        trainer.Metrics["accuracy"] = EpochMetrics.Accuracy;
        var history = trainer.Fit(randn(16, 3), randint(0, 2, 16), randn(8, 3), randint(0, 2, 8));
        var html = history.ToHtml();
        Assert.Contains("<th>val_accuracy</th>", html);
        Assert.Equal(3, html.Split("<tr>").Length - 2);
        Assert.Equal(2, history.Plot("accuracy").GetTraces().Count());
        var copy = TrainingHistory.FromJson(history.ToJson());
        Assert.Equal(history.Series("val_loss"), copy.Series("val_loss"));
        Assert.Throws<FormatException>(() => TrainingHistory.FromJson("{\"nope\": 1}"));
        Assert.Contains(
            "has no value 'f1'; it has loss, accuracy, val_loss, val_accuracy",
            Assert.Throws<KeyNotFoundException>(() => history.Series("f1")).Message
        );
        var bar = history.Epochs[^1].ToProgressBar(3);
        Assert.Equal(1.0, bar.Fraction);
        Assert.Contains("val_accuracy", bar.ToHtml());
    }
}
