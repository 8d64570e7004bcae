using TorchSharp;
using Workbook.Data;
using Workbook.Models;
using Workbook.Runtime;
using Workbook.Training;
using static TorchSharp.torch;

namespace Workbook.Tests.Training;

/// <summary>The training loop: it learns, it is reproducible, it resumes exactly, it stops early, it leaks nothing.</summary>
[Collection(SerialCollection.Name)] // seeds TorchSharp's global generator
public class TrainerTests
{
    static TrainerTests() => torch.InitializeDeviceType(DeviceType.CPU);

    private static (Tensor X, Tensor Y, Tensor XVal, Tensor YVal) ClassicData()
    {
        var data = SyntheticData.MakeClassification(samples: 600, features: 10, informative: 5, seed: 42);
        var (train, test) = TrainTestSplit.Split(data, testSize: 0.2, seed: 42);
        var (x, y) = train.ToTensors();
        var (xv, yv) = test.ToTensors();
        return (x, y, xv, yv);
    }

    private static Trainer NewTrainer(TrainingOptions options, SimpleModelOptions? model = null, int initSeed = 0)
    {
        torch.manual_seed(initSeed);
        var network = new SimpleModel(model ?? new SimpleModelOptions(Dropout: 0.2));
        var trainer = new Trainer(network, optim.Adam(network.parameters(), lr: 0.001), nn.CrossEntropyLoss(), options);
        trainer.Metrics["accuracy"] = EpochMetrics.Accuracy;
        return trainer;
    }

    private static float[] Flat(nn.Module model) => [.. model.parameters().SelectMany(p => p.detach().data<float>().ToArray())];

    [Fact]
    public void Learns_the_classic_problem_and_records_train_and_validation_values()
    {
        var (x, y, xv, yv) = ClassicData();
        var trainer = NewTrainer(new TrainingOptions(Epochs: 15));
        var seen = new List<int>();
        trainer.OnEpoch = e => seen.Add(e.Epoch);
        var history = trainer.Fit(x, y, xv, yv);
        Assert.Equal(Enumerable.Range(1, 15), seen);
        Assert.Equal(["loss", "accuracy", "val_loss", "val_accuracy"], history.Names);
        var loss = history.Series("loss");
        Assert.True(loss[^1] < 0.6 * loss[0], $"training loss should fall: {string.Join(", ", loss)}");
        Assert.True(
            history.Epochs[^1]["val_accuracy"] > 0.8 && history.Epochs[^1]["val_accuracy"] > history.Epochs[0]["val_accuracy"],
            history.ToString()
        );
        var evaluated = trainer.Evaluate(xv, yv).ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(history.Epochs[^1]["val_loss"], evaluated["loss"], 6);
    }

    [Fact]
    public void Same_seed_same_run_and_a_resumed_run_matches_an_uninterrupted_one()
    {
        var (x, y, _, _) = ClassicData();
        var options = new TrainingOptions(Epochs: 4, Seed: 7);
        var straight = NewTrainer(options);
        straight.Fit(x, y);
        var again = NewTrainer(options);
        again.Fit(x, y);
        Assert.Equal(Flat(straight.Model), Flat(again.Model));
        Assert.Equal(straight.History.Series("loss"), again.History.Series("loss"));

        var path = Path.Combine(Path.GetTempPath(), $"wb-resume-{Guid.NewGuid():N}.ckpt");
        try
        {
            var first = NewTrainer(options with { Epochs = 2 });
            first.Fit(x, y);
            first.Save(path);
            // different initial weights: the checkpoint must overwrite them
            var resumed = NewTrainer(options with { Epochs = 2 }, initSeed: 99);
            resumed.Resume(path);
            Assert.Equal(2, resumed.History.Epochs.Count);
            resumed.Fit(x, y);
            Assert.Equal([1, 2, 3, 4], resumed.History.Epochs.Select(e => e.Epoch));
            Assert.Equal(Flat(straight.Model), Flat(resumed.Model)); // optimizer state and RNG resumed too: bit for bit
            Assert.Equal(straight.History.Series("loss"), resumed.History.Series("loss"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Early_stopping_restores_the_best_weights()
    {
        // Validation labels that are pure noise: validation loss bottoms out early and rises as the model fits training data.
        var (x, y, xv, _) = ClassicData();
        var noise = randint(0, 2, xv.shape[0], generator: new Generator(3));
        var trainer = NewTrainer(
            new TrainingOptions(Epochs: 200, EarlyStopping: new EarlyStopping(Patience: 3)),
            new SimpleModelOptions(HiddenWidths: [128, 128])
        );
        var history = trainer.Fit(x, y, xv, noise);
        Assert.NotNull(history.StoppedEpoch);
        Assert.True(history.StoppedEpoch < 200);
        var best = history.Best("val_loss");
        Assert.Equal(best.Epoch, history.RestoredEpoch);
        Assert.Equal(history.StoppedEpoch - 3, best.Epoch);
        var now = trainer.Evaluate(xv, noise).First(p => p.Key == "loss").Value;
        Assert.Equal(best["val_loss"], now, 5);
        Assert.Contains($"Stopped early after epoch {history.StoppedEpoch}; weights of epoch {best.Epoch} restored", history.ToHtml());
    }

    [Fact]
    public void A_step_leaves_no_tensor_behind()
    {
        var (x, y, xv, yv) = ClassicData();
        var trainer = NewTrainer(new TrainingOptions(Epochs: 1));
        trainer.Fit(x, y, xv, yv); // warm-up: optimizer state is created once
        var before = LiveTensors.Count;
        trainer.Options = trainer.Options with { Epochs = 3 };
        trainer.Fit(x, y, xv, yv);
        Assert.Equal(before, LiveTensors.Count);
    }

    [Fact]
    public void Gradient_clipping_bounds_the_step()
    {
        torch.manual_seed(0);
        var model = new LinearRegressor(3);
        var trainer = new Trainer(
            model,
            optim.SGD(model.parameters(), learningRate: 1.0),
            nn.MSELoss(),
            new TrainingOptions(Epochs: 1, BatchSize: 64, GradientClipNorm: 0.01)
        );
        var before = Flat(model);
        trainer.Fit(randn(64, 3) * 100, randn(64, 1) * 100);
        var step = Math.Sqrt(before.Zip(Flat(model), (a, b) => (double)(a - b) * (a - b)).Sum());
        Assert.InRange(step, 0.0099, 0.0100001);
    }

    [Fact]
    public void L2_penalty_shrinks_the_weights()
    {
        var (x, y, _, _) = ClassicData();
        double WeightNorm(double l2)
        {
            var trainer = NewTrainer(new TrainingOptions(Epochs: 5, L2: l2));
            trainer.Fit(x, y);
            return trainer.Model.parameters().Where(p => p.dim() == 2).Sum(p => p.pow(2).sum().item<float>());
        }
        Assert.True(WeightNorm(0.01) < 0.8 * WeightNorm(0), "an L2 penalty must shrink the weight matrices");
    }

    [Fact]
    public void Bad_calls_are_explained()
    {
        var (x, y, xv, yv) = ClassicData();
        var model = new SimpleModel();
        var other = new SimpleModel();
        Assert.Contains(
            "holds none of the model's parameters",
            Assert.Throws<ArgumentException>(() => new Trainer(model, optim.Adam(other.parameters()), nn.CrossEntropyLoss())).Message
        );
        var trainer = new Trainer(model, optim.Adam(model.parameters()), nn.CrossEntropyLoss());
        Assert.Contains(
            "480 feature rows but targets of shape [100]",
            Assert.Throws<ArgumentException>(() => trainer.Fit(x, y[..100])).Message
        );
        Assert.Contains(
            "both validation features and validation targets",
            Assert.Throws<ArgumentException>(() => trainer.Fit(x, y, xv)).Message
        );
        trainer.Options = new TrainingOptions(EarlyStopping: new EarlyStopping());
        Assert.Contains(
            "monitors 'val_loss', but Fit was given no validation data",
            Assert.Throws<ArgumentException>(() => trainer.Fit(x, y)).Message
        );
        trainer.Options = new TrainingOptions(Epochs: 1, EarlyStopping: new EarlyStopping("val_f1"));
        Assert.Contains(
            "'val_f1', which is not recorded; recorded values: loss, val_loss",
            Assert.Throws<ArgumentException>(() => trainer.Fit(x, y, xv, yv)).Message
        );
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingOptions(BatchSize: 0).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingOptions(L2: -1).Validate());
    }

    [Fact]
    public void Accuracy_reads_both_classifier_heads()
    {
        var twoLogits = tensor(
            new float[,]
            {
                { 2, 1 },
                { 0, 3 },
                { 1, 0 },
            }
        );
        Assert.Equal(2.0 / 3, EpochMetrics.Accuracy(twoLogits, tensor(new long[] { 0, 1, 1 })), 12);
        var oneLogit = tensor(new float[] { -1, 2, 0.5f, -3 }).reshape(4, 1);
        Assert.Equal(0.75, EpochMetrics.Accuracy(oneLogit, tensor(new float[] { 0, 1, 0, 0 })), 12);
        var p = EpochMetrics.PositiveClassProbabilities(
            tensor(
                new float[,]
                {
                    { 0, 0 },
                    { 0, (float)Math.Log(3) },
                }
            )
        );
        Assert.Equal(0.5, p[0], 6);
        Assert.Equal(0.75, p[1], 6);
        Assert.Equal(1 / (1 + Math.Exp(1)), EpochMetrics.PositiveClassProbabilities(tensor(new float[] { -1 }))[0], 6);
    }

    [Fact]
    public void Weight_penalty_covers_weight_matrices_only()
    {
        var model = new LinearRegressor(2);
        using (no_grad())
        {
            model.Weight.copy_(
                tensor(
                    new float[,]
                    {
                        { 1, -2 },
                    }
                )
            );
            model.Bias.fill_(100);
        }
        Assert.Equal(0.1 * 3 + 0.01 * 5, WeightPenalty.Compute(model, 0.1, 0.01).item<float>(), 5);
    }
}
