using TorchSharp;
using Workbook.Data;
using Workbook.Models;
using Workbook.Training;
using static TorchSharp.torch;

namespace Workbook.Tests.Training;

/// <summary>The per-step callbacks: called once per step, in order, around the optimizer step, and without changing training.</summary>
[Collection(SerialCollection.Name)]
public class TrainerStepCallbackTests
{
    static TrainerStepCallbackTests() => InitializeDeviceType(DeviceType.CPU);

    private static Trainer NewTrainer()
    {
        torch.manual_seed(0);
        var model = new SimpleModel();
        return new Trainer(
            model,
            optim.Adam(model.parameters(), lr: 0.01),
            nn.CrossEntropyLoss(),
            new TrainingOptions(Epochs: 2, BatchSize: 50)
        );
    }

    [Fact]
    public void Callbacks_run_once_per_step_around_the_optimizer_step_and_do_not_change_training()
    {
        var data = SyntheticData.MakeClassification(samples: 230, features: 10, informative: 5, seed: 1);
        var (x, y) = data.ToTensors();
        var plain = NewTrainer();
        plain.Fit(x, y);

        var hooked = NewTrainer();
        var events = new List<string>();
        var first = hooked.Model.parameters().First();
        float? valueAtBackward = null;
        hooked.AfterBackward = () =>
        {
            events.Add("backward");
            Assert.NotNull(first.grad); // gradients exist
            valueAtBackward = first.detach()[0, 0].item<float>();
        };
        hooked.AfterOptimizerStep = () =>
        {
            events.Add("step");
            Assert.False(is_grad_enabled()); // safe to edit parameters in place
            Assert.NotEqual(valueAtBackward, first.detach()[0, 0].item<float>()); // the step happened in between
        };
        hooked.Fit(x, y);

        Assert.Equal(2 * 5 * 2, events.Count); // 2 epochs × ⌈230 / 50⌉ steps × 2 callbacks
        Assert.All(events.Chunk(2), pair => Assert.Equal(["backward", "step"], pair));
        Assert.Equal(plain.History.Series("loss"), hooked.History.Series("loss"));
        Assert.True(plain.Model.parameters().Zip(hooked.Model.parameters()).All(p => p.First.allclose(p.Second, 0, 0)));
    }
}
