using TorchSharp;
using Workbook.Compression;
using Workbook.Models;
using Workbook.Safetensors;
using static TorchSharp.torch;
using static Workbook.Tests.Compression.CompressionTestData;

namespace Workbook.Tests.Compression;

/// <summary>The compression table of chapter 15, on a small digits classifier: sizes from real files, accuracy kept.</summary>
[Collection(SerialCollection.Name)] // seeds TorchSharp's global generator
public class CompressionReportTests
{
    static CompressionReportTests() => InitializeDeviceType(DeviceType.CPU);

    [Fact]
    public void Int8_files_are_about_four_times_smaller_and_accuracy_drops_by_at_most_one_point()
    {
        var (x, y, xt, yt) = Digits();
        var trainer = NewTrainer(DigitsModel(128, 128), epochs: 8);
        trainer.Fit(x, y);
        var model = (SimpleModel)trainer.Model;
        using var folder = new TempFolder();
        var floatPath = folder.File("fp32.safetensors");
        SafetensorsWriter.Save(floatPath, model.state_dict());
        var baseline = CompressionReport.Measure("float32", model, floatPath, xt, yt, largeBatch: 256, repeats: 3);

        var quantized = new SimpleModel(model.Options); // a copy: pruning below changes the model
        quantized.load_state_dict(model.state_dict());
        var shrunkMasks = NeuronPruning.Prune(model, 0.5);
        var shrunk = NeuronPruning.Shrink(model, shrunkMasks);
        var shrunkPath = folder.File("shrunk.safetensors");
        SafetensorsWriter.Save(shrunkPath, shrunk.state_dict());
        var shrunkRow = CompressionReport.Measure("50 % neurons removed", shrunk, shrunkPath, xt, yt, largeBatch: 256, repeats: 3);

        var intPath = folder.File("int8.safetensors");
        DynamicQuantization.QuantizeLinearLayers(quantized);
        QuantizedCheckpoint.Save(intPath, quantized);
        var row = CompressionReport.Measure("int8", quantized, intPath, xt, yt, largeBatch: 256, repeats: 3);

        // Size: weights shrink 4× (1 byte instead of 4); biases, per-channel scales and the header do not, so slightly less.
        Assert.Equal(new FileInfo(floatPath).Length, baseline.FileBytes);
        var ratio = (double)baseline.FileBytes / row.FileBytes;
        Assert.InRange(ratio, 3.5, 4.0);
        Assert.True(baseline.Accuracy > 0.9, $"baseline accuracy {baseline.Accuracy}");
        Assert.True(row.Accuracy >= baseline.Accuracy - 0.01, $"int8 accuracy {row.Accuracy} vs {baseline.Accuracy}");
        Assert.True(shrunkRow.FileBytes < baseline.FileBytes / 2.5);
        Assert.True(shrunkRow.Parameters < baseline.Parameters / 2.5);
        Assert.True(baseline.MillisecondsBatch1 > 0 && row.MillisecondsLargeBatch > 0);

        var table = CompressionReport.ToTable([baseline, shrunkRow, row]);
        Assert.Equal(3, table.Rows.Count);
        Assert.Equal("1.00", table.Rows[0][2]);
        Assert.Equal(ratio.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), table.Rows[2][2]);
        Assert.Equal("0.00 pt", table.Rows[0][7]);
        Assert.Throws<FileNotFoundException>(() => CompressionReport.Measure("x", model, folder.File("none"), xt, yt));
        Assert.Throws<ArgumentException>(() => CompressionReport.Measure("x", model, floatPath, xt, yt.narrow(0, 0, 3)));
    }
}
