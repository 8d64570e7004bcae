using System.Text.Json;
using TorchSharp;
using TorchSharp.Modules;
using Workbook.Data;
using Workbook.Models;
using Workbook.Native;
using Workbook.Training;
using static TorchSharp.torch;

namespace Workbook.Tests.Training;

/// <summary>
/// The kept-scalar optimizers compute what TorchSharp's own compute, bit for bit, and what PyTorch's compute, to float
/// rounding; their state saves and resumes exactly; they work with schedulers, parameter groups and the Trainer; and
/// they refuse bad hyper-parameters by name. (That they survive a concurrent garbage collection is in
/// <c>ScalarGcRaceTests</c>.)
/// </summary>
[Collection(SerialCollection.Name)] // seeds TorchSharp's global generator
public class KeptScalarOptimizerTests(Xunit.Abstractions.ITestOutputHelper output)
{
    static KeptScalarOptimizerTests() => torch.InitializeDeviceType(DeviceType.CPU);

    private const int Steps = 12;

    /// <summary>TorchSharp's optimizer and ours, built the same way over the given parameters, by option set.</summary>
    private static (optim.Optimizer Theirs, optim.Optimizer Ours) Pair(string options, nn.Module theirModel, nn.Module ourModel)
    {
        IEnumerable<Parameter> T() => theirModel.parameters();
        IEnumerable<Parameter> O() => ourModel.parameters();
        return options switch
        {
            "adam" => (optim.Adam(T(), lr: 0.01), Optimizers.Adam(O(), lr: 0.01)),
            "adam-amsgrad-decay" => (
                optim.Adam(T(), 0.01, 0.8, 0.95, 1e-6, weight_decay: 0.1, amsgrad: true),
                Optimizers.Adam(O(), 0.01, 0.8, 0.95, 1e-6, weight_decay: 0.1, amsgrad: true)
            ),
            "adam-maximize-decay" => (
                optim.Adam(T(), lr: 0.001, weight_decay: 0.05, maximize: true),
                Optimizers.Adam(O(), lr: 0.001, weight_decay: 0.05, maximize: true)
            ),
            "adam-groups" => (
                optim.Adam(AdamGroups(theirModel), lr: 0.001, weight_decay: 0.1),
                Optimizers.Adam(AdamGroups(ourModel), lr: 0.001, weight_decay: 0.1)
            ),
            "adamw" => (optim.AdamW(T(), lr: 0.01, weight_decay: 0.01), Optimizers.AdamW(O(), lr: 0.01)),
            "adamw-amsgrad-maximize" => (
                optim.AdamW(T(), lr: 0.005, weight_decay: 0.1, amsgrad: true, maximize: true),
                Optimizers.AdamW(O(), lr: 0.005, weight_decay: 0.1, amsgrad: true, maximize: true)
            ),
            "sgd" => (optim.SGD(T(), learningRate: 0.1), Optimizers.Sgd(O(), lr: 0.1)),
            "sgd-momentum-dampening-decay" => (
                optim.SGD(T(), 0.05, momentum: 0.9, dampening: 0.1, weight_decay: 0.01),
                Optimizers.Sgd(O(), 0.05, momentum: 0.9, dampening: 0.1, weight_decay: 0.01)
            ),
            "sgd-nesterov-decay" => (
                optim.SGD(T(), 0.05, momentum: 0.9, weight_decay: 0.05, nesterov: true),
                Optimizers.Sgd(O(), 0.05, momentum: 0.9, weight_decay: 0.05, nesterov: true)
            ),
            "sgd-maximize-momentum" => (
                optim.SGD(T(), 0.01, momentum: 0.5, maximize: true),
                Optimizers.Sgd(O(), 0.01, momentum: 0.5, maximize: true)
            ),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options, "no such option set"),
        };
    }

    /// <summary>The first layer at its own learning rate, the rest with the optimizer's defaults.</summary>
    private static Adam.ParamGroup[] AdamGroups(nn.Module model)
    {
        var all = model.parameters().ToList();
        return [new Adam.ParamGroup(all.Take(2), lr: 0.01, weight_decay: 0), new Adam.ParamGroup { Parameters = all.Skip(2) }];
    }

    private static SimpleModel Model()
    {
        torch.manual_seed(0);
        return new SimpleModel(new SimpleModelOptions(Inputs: 10, HiddenWidths: [16, 16]));
    }

    private static (Tensor X, Tensor Y) Data()
    {
        var data = SyntheticData.MakeClassification(samples: 64, features: 10, informative: 5, seed: 3);
        return data.ToTensors();
    }

    private static void TrainStep(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        using var loss = nn.CrossEntropyLoss();
        loss.call(model.call(x), y).backward();
        optimizer.step();
    }

    private static void AssertSameParameters(nn.Module expected, nn.Module actual, string what)
    {
        foreach (var ((name, e), (_, a)) in expected.named_parameters().Zip(actual.named_parameters()))
        {
            using var scope = NewDisposeScope();
            Assert.True(e.eq(a).all().item<bool>(), $"{what}: {name} differs by up to {(e - a).abs().max().item<float>():G9}");
        }
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("adam-amsgrad-decay")]
    [InlineData("adam-maximize-decay")]
    [InlineData("adam-groups")]
    [InlineData("adamw")]
    [InlineData("adamw-amsgrad-maximize")]
    [InlineData("sgd")]
    [InlineData("sgd-momentum-dampening-decay")]
    [InlineData("sgd-nesterov-decay")]
    [InlineData("sgd-maximize-momentum")]
    public void Steps_are_bit_identical_to_TorchSharps_own_optimizer(string options)
    {
        var (x, y) = Data();
        var (theirModel, ourModel) = (Model(), Model());
        var (theirs, ours) = Pair(options, theirModel, ourModel);
        // A schedule on both: the learning rate the step reads must be the scheduler's.
        var (theirSchedule, ourSchedule) = (
            optim.lr_scheduler.StepLR(theirs, step_size: 4, gamma: 0.5),
            optim.lr_scheduler.StepLR(ours, step_size: 4, gamma: 0.5)
        );
        AssertSameParameters(theirModel, ourModel, "before training");
        for (var step = 1; step <= Steps; step++)
        {
            TrainStep(theirModel, theirs, x, y);
            TrainStep(ourModel, ours, x, y);
            theirSchedule.step();
            ourSchedule.step();
            AssertSameParameters(theirModel, ourModel, $"{options}, after step {step}");
        }
        Assert.Equal(theirs.ParamGroups.Select(g => g.LearningRate), ours.ParamGroups.Select(g => g.LearningRate));
        Assert.True(ours.ParamGroups.First().LearningRate < ours.ParamGroups.First().InitialLearningRate, "the schedule lowered the rate");
    }

    /// <summary>
    /// Goldens from PyTorch 1.13 (tests/fixtures/training/make_optimizer_goldens.py): every parameter after every step
    /// within 1e-6 relative + 1e-7 absolute (a few float32 units in the last place: the two libtorch versions may sum a
    /// gradient's terms in another order).
    /// </summary>
    [Fact]
    public void Trajectories_match_PyTorch()
    {
        var golden = JsonDocument.Parse(File.ReadAllText(Repository.Fixture("training/optimizer-goldens.json"))).RootElement;
        float[] Floats(JsonElement e, string name) => [.. e.GetProperty(name).EnumerateArray().Select(v => (float)v.GetDouble())];
        using var qw = tensor(Floats(golden, "qw"), [3, 4]);
        using var lw = tensor(Floats(golden, "lw"), [3, 4]);
        using var qb = tensor(Floats(golden, "qb"));
        using var lb = tensor(Floats(golden, "lb"));
        var cases = golden.GetProperty("cases").EnumerateArray().ToList();
        Assert.Equal(11, cases.Count);
        var worst = 0.0;
        foreach (var c in cases)
        {
            var name = c.GetProperty("name").GetString()!;
            using var w = new Parameter(tensor(Floats(golden, "w0"), [3, 4]));
            using var b = new Parameter(tensor(Floats(golden, "b0")));
            using var optimizer = GoldenOptimizer(c, w, b);
            var schedule = c.TryGetProperty("step_lr", out var s)
                ? optim.lr_scheduler.StepLR(optimizer, s.GetProperty("step_size").GetInt32(), s.GetProperty("gamma").GetDouble())
                : null;
            var step = 0;
            foreach (var expected in c.GetProperty("steps").EnumerateArray())
            {
                step++;
                using (var scope = NewDisposeScope())
                {
                    optimizer.zero_grad();
                    var loss = qw.mul(w).mul(w).Plus(lw.mul(w)).sum().Plus(qb.mul(b).mul(b).Plus(lb.mul(b)).sum());
                    loss.backward();
                    optimizer.step();
                }
                schedule?.step();
                foreach (var (parameter, key) in new[] { (w, "w"), (b, "b") })
                {
                    var actual = parameter.detach().data<float>().ToArray();
                    var wanted = Floats(expected, key);
                    for (var i = 0; i < wanted.Length; i++)
                    {
                        var error = Math.Abs(actual[i] - (double)wanted[i]);
                        worst = Math.Max(worst, error / (1e-6 * Math.Abs(wanted[i]) + 1e-7));
                        Assert.True(
                            error <= 1e-6 * Math.Abs(wanted[i]) + 1e-7,
                            $"{name}, step {step}, {key}[{i}]: {actual[i]:G9} where PyTorch has {wanted[i]:G9}"
                        );
                    }
                }
            }
        }
        output.WriteLine($"worst error: {worst:G3} of the tolerance");
    }

    private static optim.Optimizer GoldenOptimizer(JsonElement c, Parameter w, Parameter b)
    {
        double Get(string name, double fallback) => c.TryGetProperty(name, out var v) ? v.GetDouble() : fallback;
        bool Flag(string name) => c.TryGetProperty(name, out var v) && v.GetBoolean();
        var lr = c.GetProperty("lr").GetDouble();
        var grouped = c.TryGetProperty("b_group", out var bGroup);
        double? GroupValue(string name) => bGroup.TryGetProperty(name, out var v) ? v.GetDouble() : null;
        switch (c.GetProperty("optimizer").GetString())
        {
            case "Adam":
            {
                Adam.ParamGroup[] groups = grouped
                    ?
                    [
                        new Adam.ParamGroup { Parameters = [w] },
                        new Adam.ParamGroup
                        {
                            Parameters = [b],
                            Options = new Adam.Options { LearningRate = GroupValue("lr"), weight_decay = GroupValue("weight_decay") },
                        },
                    ]
                    : [new Adam.ParamGroup { Parameters = [w, b] }];
                return Optimizers.Adam(
                    groups,
                    lr,
                    Get("beta1", 0.9),
                    Get("beta2", 0.999),
                    Get("eps", 1e-8),
                    Get("weight_decay", 0),
                    Flag("amsgrad"),
                    Flag("maximize")
                );
            }
            case "AdamW":
                Assert.False(grouped);
                return Optimizers.AdamW(
                    [w, b],
                    lr,
                    Get("beta1", 0.9),
                    Get("beta2", 0.999),
                    Get("eps", 1e-8),
                    Get("weight_decay", 0.01),
                    Flag("amsgrad"),
                    Flag("maximize")
                );
            case "SGD":
            {
                SGD.ParamGroup[] groups = grouped
                    ?
                    [
                        new SGD.ParamGroup { Parameters = [w] },
                        new SGD.ParamGroup
                        {
                            Parameters = [b],
                            Options = new SGD.Options { LearningRate = GroupValue("lr"), momentum = GroupValue("momentum") },
                        },
                    ]
                    : [new SGD.ParamGroup { Parameters = [w, b] }];
                return Optimizers.Sgd(
                    groups,
                    lr,
                    Get("momentum", 0),
                    Get("dampening", 0),
                    Get("weight_decay", 0),
                    Flag("nesterov"),
                    Flag("maximize")
                );
            }
            default:
                throw new InvalidDataException($"unknown optimizer in the goldens: {c.GetProperty("optimizer")}");
        }
    }

    [Theory]
    [InlineData("adam-amsgrad-decay")]
    [InlineData("adamw-amsgrad-maximize")]
    [InlineData("sgd-momentum-dampening-decay")]
    public void Saved_state_resumes_exactly(string options)
    {
        var (x, y) = Data();
        var (straightModel, resumedModel) = (Model(), Model());
        var (_, straight) = Pair(options, straightModel, straightModel);
        for (var i = 0; i < 4; i++)
            TrainStep(straightModel, straight, x, y);
        var saved = new MemoryStream();
        using (var writer = new BinaryWriter(saved, System.Text.Encoding.UTF8, leaveOpen: true))
            ((OptimizerHelper)straight).save_state_dict(writer);
        using (no_grad())
            foreach (var ((_, from), (_, to)) in straightModel.named_parameters().Zip(resumedModel.named_parameters()))
                to.copy_(from);

        var (_, resumed) = Pair(options, resumedModel, resumedModel);
        saved.Position = 0;
        using (var reader = new BinaryReader(saved))
            ((OptimizerHelper)resumed).load_state_dict(reader);
        for (var i = 0; i < 4; i++)
        {
            TrainStep(straightModel, straight, x, y);
            TrainStep(resumedModel, resumed, x, y);
        }
        AssertSameParameters(straightModel, resumedModel, $"{options}, resumed from saved state");
    }

    [Theory]
    [InlineData("adam-amsgrad-decay")]
    [InlineData("sgd-nesterov-decay")]
    public void A_trainer_checkpoint_resumes_bit_for_bit(string options)
    {
        var (x, y) = Data();
        Trainer NewTrainer(int epochs)
        {
            var model = Model();
            return new Trainer(
                model,
                Pair(options, model, model).Ours,
                nn.CrossEntropyLoss(),
                new TrainingOptions(Epochs: epochs, BatchSize: 16, Seed: 5)
            );
        }
        var straight = NewTrainer(4);
        straight.Fit(x, y);
        var path = Path.Combine(Path.GetTempPath(), $"wb-kept-optimizer-{Guid.NewGuid():N}.ckpt");
        try
        {
            var first = NewTrainer(2);
            first.Fit(x, y);
            first.Save(path);
            var resumed = NewTrainer(2);
            resumed.Resume(path);
            resumed.Fit(x, y);
            AssertSameParameters(straight.Model, resumed.Model, $"{options}, resumed from a checkpoint");
            Assert.Equal(straight.History.Series("loss"), resumed.History.Series("loss"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_parameter_without_gradient_is_left_alone_and_keeps_no_step_count()
    {
        using var frozen = new Parameter(ones(3));
        using var trained = new Parameter(ones(3));
        var optimizer = Optimizers.Adam([frozen, trained], lr: 0.1, weight_decay: 0.1);
        using (var scope = NewDisposeScope())
        {
            trained.mul(trained).sum().backward();
            optimizer.step();
        }
        Assert.Equal([1f, 1f, 1f], frozen.detach().data<float>().ToArray());
        Assert.All(trained.detach().data<float>().ToArray(), v => Assert.Equal(0.9f, v, 5)); // Adam's first step moves each weight by lr
        var state = optimizer.state_dict().State.Cast<Adam.State>().ToList();
        Assert.Equal([0L, 1L], state.Select(s => s.step));
    }

    public static TheoryData<string, Action, string> Refusals =>
        new()
        {
            { "lr", () => Optimizers.Adam(Weights(), lr: double.NaN), "lr is NaN" },
            { "lr", () => Optimizers.AdamW(Weights(), lr: double.PositiveInfinity), "finite number ≥ 0" },
            { "lr", () => Optimizers.Sgd(Weights(), lr: -0.1), "lr is -0.1" },
            { "beta1", () => Optimizers.Adam(Weights(), beta1: 1), "beta1 is 1: a moving-average coefficient must be in [0, 1)" },
            { "beta2", () => Optimizers.AdamW(Weights(), beta2: double.NaN), "beta2 is NaN" },
            { "eps", () => Optimizers.Adam(Weights(), eps: -1e-8), "eps is -1E-08" },
            { "weight_decay", () => Optimizers.AdamW(Weights(), weight_decay: double.NaN), "weight_decay is NaN" },
            { "momentum", () => Optimizers.Sgd(Weights(), 0.1, momentum: -0.9), "momentum is -0.9" },
            { "dampening", () => Optimizers.Sgd(Weights(), 0.1, momentum: 0.9, dampening: double.NaN), "dampening is NaN" },
            {
                "nesterov",
                () => Optimizers.Sgd(Weights(), 0.1, momentum: 0.9, dampening: 0.1, nesterov: true),
                "needs momentum > 0 and dampening = 0"
            },
            { "nesterov", () => Optimizers.Sgd(Weights(), 0.1, nesterov: true), "momentum is 0" },
            { "lr", () => Optimizers.Adam([new Adam.ParamGroup(Weights(), lr: double.NaN)]), "lr of parameter group 0 is NaN" },
            {
                "momentum",
                () =>
                    Optimizers.Sgd(
                        [
                            new SGD.ParamGroup { Parameters = Weights() },
                            new SGD.ParamGroup
                            {
                                Parameters = Weights(),
                                Options = new SGD.Options { momentum = -1 },
                            },
                        ],
                        0.1
                    ),
                "momentum of parameter group 1 is -1"
            },
            {
                "nesterov",
                () =>
                    Optimizers.Sgd(
                        [
                            new SGD.ParamGroup
                            {
                                Parameters = Weights(),
                                Options = new SGD.Options { nesterov = true },
                            },
                        ],
                        0.1,
                        momentum: 0
                    ),
                "nesterov of parameter group 0"
            },
            {
                "parameters",
                () =>
                {
                    var w = Weights();
                    Optimizers.AdamW([new AdamW.ParamGroup { Parameters = w }, new AdamW.ParamGroup { Parameters = w }]);
                },
                "already optimized"
            },
            {
                "parameters",
                () =>
                {
                    var w = Weights()[0];
                    Optimizers.Sgd([w, w], 0.1);
                },
                "Parameter 1 of parameter group 0 (shape [2, 2]) is already optimized"
            },
            { "parameters", () => Optimizers.Adam(Array.Empty<Parameter>()), "no parameters" },
        };

    private static Parameter[] Weights() => [new Parameter(zeros(2, 2))];

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Bad_hyper_parameters_are_refused_by_name(string argument, Action create, string message)
    {
        var e = Assert.ThrowsAny<ArgumentException>(create);
        Assert.Equal(argument, e.ParamName);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void AdamW_defaults_to_PyTorchs_weight_decay()
    {
        var optimizer = Optimizers.AdamW(Weights());
        var options = (AdamW.Options)optimizer.state_dict().Options[0];
        Assert.Equal(0.01, options.weight_decay);
        Assert.Equal(0.001, options.LearningRate);
    }

    [Fact]
    public void A_trainer_with_a_kept_scalar_optimizer_learns()
    {
        var data = SyntheticData.MakeClassification(samples: 400, features: 10, informative: 5, seed: 42);
        var (x, y) = data.ToTensors();
        var model = Model();
        var trainer = new Trainer(
            model,
            Optimizers.Sgd(model.parameters(), lr: 0.05, momentum: 0.9, nesterov: true),
            nn.CrossEntropyLoss(),
            new TrainingOptions(Epochs: 10, Seed: 1)
        );
        var loss = trainer.Fit(x, y).Series("loss");
        Assert.True(loss[^1] < 0.6 * loss[0], $"training loss should fall: {string.Join(", ", loss)}");
    }
}
