using TorchSharp;
using Workbook.Models;
using Workbook.Training;
using static TorchSharp.torch;

namespace Workbook.Tests.Training;

/// <summary>Bad settings and data are refused in words before libtorch sees them; a diverging run stops at its first bad step.</summary>
[Collection(SerialCollection.Name)] // seeds TorchSharp's global generator
public class TrainerRefusalTests
{
    static TrainerRefusalTests() => torch.InitializeDeviceType(DeviceType.CPU);

    private static SimpleModel Model(int outputs = 2)
    {
        torch.manual_seed(0);
        return new SimpleModel(new SimpleModelOptions(Inputs: 3, HiddenWidths: [8], Outputs: outputs));
    }

    private static Trainer NewTrainer(SimpleModel model, TrainingOptions? options = null) =>
        new(
            model,
            optim.Adam(model.parameters(), lr: 0.01),
            nn.CrossEntropyLoss(),
            options ?? new TrainingOptions(Epochs: 2, BatchSize: 4, Shuffle: false)
        );

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_learning_rate_that_is_not_a_finite_number_is_refused(double rate)
    {
        var model = Model();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new Trainer(model, optim.Adam(model.parameters(), lr: rate), nn.CrossEntropyLoss())
        );
        Assert.Contains($"learning rate is {rate.ToString(System.Globalization.CultureInfo.InvariantCulture)}", error.Message);
        Assert.Contains("finite number ≥ 0", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new Trainer(model, optim.SGD(model.parameters(), learningRate: rate), nn.CrossEntropyLoss())
        );
    }

    [Fact]
    public void A_learning_rate_changed_to_NaN_after_construction_is_refused_by_Fit()
    {
        var model = Model();
        var trainer = NewTrainer(model);
        foreach (var group in trainer.Optimizer.ParamGroups)
            group.LearningRate = double.NaN; // as a broken scheduler would
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Fit(randn(8, 3), randint(0, 2, 8)));
        Assert.Contains("learning rate is NaN", error.Message);
    }

    [Fact]
    public void The_first_step_with_a_non_finite_loss_stops_training_before_it_reaches_the_weights()
    {
        var model = Model();
        var x = randn(16, 3);
        x[9, 1] = tensor(float.NaN); // row 9: the third batch of four
        var trainer = NewTrainer(model);

        var error = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(x, randint(0, 2, 16)));

        Assert.Equal((1, 3), (error.Epoch, error.Step));
        Assert.True(double.IsNaN(error.Loss));
        Assert.Contains("the loss was NaN at epoch 1, step 3 (positions 8 to 11 of the epoch's samples)", error.Message);
        Assert.Contains("StopOnNonFiniteLoss = false", error.Message);
        Assert.All(model.parameters(), p => Assert.False(p.isnan().any().item<bool>(), "a NaN reached the weights"));
    }

    [Fact]
    public void With_StopOnNonFiniteLoss_off_training_goes_on_and_records_the_NaN()
    {
        var model = Model();
        var x = randn(16, 3);
        x[9, 1] = tensor(float.NaN);
        var trainer = NewTrainer(model, new TrainingOptions(Epochs: 1, BatchSize: 4, Shuffle: false, StopOnNonFiniteLoss: false));
        var history = trainer.Fit(x, randint(0, 2, 16));
        Assert.True(double.IsNaN(history.Epochs[0]["loss"]));
    }

    [Fact]
    public void A_label_out_of_range_is_named_with_its_row_and_the_valid_range()
    {
        var model = Model(outputs: 2);
        var y = tensor(new long[] { 0, 1, 1, 5, 0, 1, 0, 0 });
        var error = Assert.Throws<ArgumentException>(() => NewTrainer(model).Fit(randn(8, 3), y));
        Assert.Contains(
            "The training targets hold class 5 at row 3, but the model outputs 2 classes, "
                + "so labels must be 0 to 1; 1 target(s) are out of range",
            error.Message
        );

        var negative = Assert.Throws<ArgumentException>(() =>
            NewTrainer(model).Fit(randn(8, 3), randint(0, 2, 8), randn(4, 3), tensor(new long[] { 0, -1, 1, 0 }))
        );
        Assert.Contains("The validation targets hold class -1 at row 1", negative.Message);

        var evaluation = Assert.Throws<ArgumentException>(() => NewTrainer(model).Evaluate(randn(8, 3), y));
        Assert.Contains("The evaluation targets hold class 5 at row 3", evaluation.Message);
    }

    [Fact]
    public void Float_or_int32_or_column_labels_say_how_to_convert_them_and_valid_forms_train()
    {
        var model = Model(outputs: 3);
        var x = randn(8, 3);
        var labels = randint(0, 3, 8);
        var asFloat = Assert.Throws<ArgumentException>(() => NewTrainer(model).Fit(x, labels.to(ScalarType.Float32)));
        Assert.Contains(
            "The training targets are Float32 of shape [8], but CrossEntropyLoss takes class indices as Int64",
            asFloat.Message
        );
        Assert.Contains("targets.to(ScalarType.Int64)", asFloat.Message);
        Assert.Contains(
            "The training targets are Int32",
            Assert.Throws<ArgumentException>(() => NewTrainer(model).Fit(x, labels.to(ScalarType.Int32))).Message
        );
        Assert.Contains(
            "targets.squeeze(1)",
            Assert.Throws<ArgumentException>(() => NewTrainer(model).Fit(x, labels.unsqueeze(1))).Message
        );

        NewTrainer(model).Fit(x, nn.functional.one_hot(labels, 3).to(ScalarType.Float32)); // class probabilities of the outputs' shape
        NewTrainer(model).Fit(x, tensor(new long[] { 0, 1, 2, -100, 2, 1, 0, -100 })); // -100 is CrossEntropyLoss's ignored label
    }

    /// <summary>
    /// Plain SGD whose step hands TorchSharp only a Scalar held in a field. TorchSharp 0.107's own optimizers create
    /// implicit Scalars inside step() (Adam's <c>mul_(beta1)</c>), which a collection can free mid-call; this one leaves
    /// the Trainer's own per-step code as the only thing the stress test below measures.
    /// </summary>
    private sealed class KeptScalarSgd : TorchSharp.Modules.OptimizerHelper
    {
        private readonly Scalar _minusRate;

        public KeptScalarSgd(IEnumerable<TorchSharp.Modules.Parameter> parameters, double lr)
        {
            _minusRate = (-lr).ToScalar();
            _parameter_groups = [new TorchSharp.Modules.SGD.ParamGroup(parameters, lr)];
        }

        public override Tensor step(Func<Tensor>? closure = null)
        {
            using var noGrad = no_grad();
            foreach (var parameter in _parameter_groups.SelectMany(g => g.Parameters))
            {
                var grad = parameter.grad;
                if (grad is not null)
                    parameter.add_(grad, _minusRate);
            }
            return null!;
        }
    }

    [Fact]
    public void The_per_step_code_survives_a_thread_that_collects_garbage_all_the_time()
    {
        var model = Model();
        var trainer = new Trainer(
            model,
            new KeptScalarSgd(model.parameters(), lr: 0.05),
            nn.CrossEntropyLoss(),
            new TrainingOptions(Epochs: 1, BatchSize: 32, L1: 1e-4, L2: 1e-4, GradientClipNorm: 1.0)
        );
        trainer.Metrics["accuracy"] = EpochMetrics.Accuracy;
        var x = randn(64, 3);
        var y = randint(0, 2, 64);
        using var stop = new CancellationTokenSource();
        var collector = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect(0, GCCollectionMode.Forced, blocking: true); // implicit Scalars are young: gen 0 frees them
            }
        })
        {
            IsBackground = true,
        };
        collector.Start();
        try
        {
            // The penalty runs every step with L1/L2 on; many calls give a race that hits one call in thousands its chances.
            // Bounded by work and by a few seconds of wall time, so a loaded machine only makes the test weaker, never slower.
            var budget = System.Diagnostics.Stopwatch.StartNew();
            for (var i = 0; i < 20_000 && budget.Elapsed < TimeSpan.FromSeconds(3); i++)
            {
                using var scope = NewDisposeScope();
                WeightPenalty.Compute(model, 1e-4, 1e-4);
            }
            var history = trainer.Fit(x, y);
            Assert.Single(history.Epochs);
        }
        finally
        {
            stop.Cancel();
            collector.Join();
        }
    }
}
