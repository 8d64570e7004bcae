using TorchSharp;
using Workbook.Data;
using Workbook.Models;
using Workbook.Training;
using static TorchSharp.torch;

namespace Workbook.Tests.Compression;

/// <summary>The digits data (64 pixel features scaled to [0, 1], 10 classes) and a small classifier trained on it.</summary>
internal static class CompressionTestData
{
    static CompressionTestData() => InitializeDeviceType(DeviceType.CPU);

    public static (Tensor X, Tensor Y, Tensor XTest, Tensor YTest) Digits()
    {
        var (train, test) = TrainTestSplit.Split(Datasets.LoadDigits(), testSize: 0.25, seed: 0, stratify: true);
        var (x, y) = train.ToTensors();
        var (xt, yt) = test.ToTensors();
        return (x / 16, y, xt / 16, yt);
    }

    public static SimpleModelOptions DigitsModel(params int[] hidden) => new(Inputs: 64, HiddenWidths: hidden, Outputs: 10);

    /// <summary>A trainer for a fresh digits classifier, initialised from <paramref name="seed"/>, with accuracy recorded.</summary>
    public static Trainer NewTrainer(SimpleModelOptions options, int epochs, int seed = 0, double weightDecay = 0)
    {
        torch.manual_seed(seed);
        var model = new SimpleModel(options);
        var trainer = new Trainer(
            model,
            optim.Adam(model.parameters(), lr: 0.01, weight_decay: weightDecay),
            nn.CrossEntropyLoss(),
            new TrainingOptions(Epochs: epochs, Seed: seed)
        );
        trainer.Metrics["accuracy"] = EpochMetrics.Accuracy;
        return trainer;
    }

    public static float[] Values(Tensor t) => t.detach().cpu().to(ScalarType.Float32).contiguous().data<float>().ToArray();
}
