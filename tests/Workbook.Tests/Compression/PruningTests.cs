using TorchSharp;
using TorchSharp.Modules;
using Workbook.Compression;
using Workbook.Models;
using Workbook.Training;
using static TorchSharp.torch;
using static Workbook.Tests.Compression.CompressionTestData;

namespace Workbook.Tests.Compression;

/// <summary>Magnitude and neuron pruning: the right weights go, they stay exactly zero through training, the smaller model is
/// equivalent.</summary>
[Collection(SerialCollection.Name)] // seeds TorchSharp's global generator
public class PruningTests
{
    static PruningTests() => InitializeDeviceType(DeviceType.CPU);

    [Fact]
    public void Per_layer_pruning_removes_exactly_the_smallest_magnitudes_of_each_weight_matrix()
    {
        torch.manual_seed(1);
        var model = new SimpleModel(DigitsModel(32, 16));
        var before = model.named_parameters().ToDictionary(p => p.name, p => Values(p.parameter));
        var masks = MagnitudePruning.Unstructured(model, 0.7);

        Assert.Equal(["layers.fc1.weight", "layers.fc2.weight", "layers.out.weight"], masks.Names.Order());
        foreach (var (name, parameter) in model.named_parameters())
        {
            var now = Values(parameter);
            if (!masks.Names.Contains(name))
            {
                Assert.Equal(before[name], now); // biases untouched
                continue;
            }
            var expectedPruned = (int)Math.Round(0.7 * now.Length, MidpointRounding.AwayFromZero);
            Assert.Equal(expectedPruned, now.Count(v => v == 0));
            var prunedMagnitudes = before[name].Where((_, i) => now[i] == 0).Select(Math.Abs);
            var keptMagnitudes = before[name].Where((_, i) => now[i] != 0).Select(Math.Abs);
            Assert.True(prunedMagnitudes.Max() <= keptMagnitudes.Min(), $"{name}: a pruned weight was larger than a kept one");
            Assert.Equal(now.Where(v => v != 0), before[name].Where((_, i) => now[i] != 0)); // kept weights unchanged
        }
    }

    [Fact]
    public void Global_pruning_uses_one_threshold_across_layers()
    {
        torch.manual_seed(2);
        var model = new SimpleModel(DigitsModel(32, 16));
        var fc2 = (Linear)model.Layers.named_children().Single(c => c.name == "fc2").module;
        using (no_grad())
            fc2.weight!.mul_(0.01); // fc2's weights are now the smallest of all
        var before = model.named_parameters().Where(p => p.parameter.dim() >= 2).Select(p => Values(p.parameter)).ToList();
        var total = before.Sum(v => v.Length);
        MagnitudePruning.Unstructured(model, 0.2, PruningScope.Global);

        var after = model.named_parameters().Where(p => p.parameter.dim() >= 2).Select(p => Values(p.parameter)).ToList();
        Assert.Equal((int)Math.Round(0.2 * total, MidpointRounding.AwayFromZero), after.Sum(v => v.Count(x => x == 0)));
        var pruned = before.Zip(after).SelectMany(p => p.First.Where((_, i) => p.Second[i] == 0)).Select(Math.Abs);
        var kept = before.Zip(after).SelectMany(p => p.First.Where((_, i) => p.Second[i] != 0)).Select(Math.Abs);
        Assert.True(pruned.Max() <= kept.Min());
        var report = SparsityReport.Of(model);
        Assert.Equal(1.0, report.Layers.Single(l => l.Name == "layers.fc2.weight").Sparsity); // 544 of 2 720 pruned: all 512 of fc2 first
        Assert.True(report.Layers.Single(l => l.Name == "layers.fc1.weight").Sparsity < 0.2);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Attached_masks_keep_pruned_weights_exactly_zero_through_adam_with_weight_decay(bool attach)
    {
        var (x, y, _, _) = Digits();
        var trainer = NewTrainer(DigitsModel(32, 32), epochs: 2, weightDecay: 1e-3);
        trainer.Fit(x, y); // Adam's moments are now non-zero everywhere
        var masks = MagnitudePruning.Unstructured(trainer.Model, 0.8);
        var beforeFineTuning = trainer.Model.named_parameters().ToDictionary(p => p.name, p => Values(p.parameter));
        var gradientChecks = 0;
        if (attach)
        {
            masks.AttachTo(trainer);
            trainer.AfterOptimizerStep += () =>
            {
                foreach (var name in masks.Names)
                {
                    var parameter = trainer.Model.named_parameters().Single(p => p.name == name).parameter;
                    Assert.Equal(0, (parameter.grad! * (1 - masks[name])).count_nonzero().item<long>()); // pruned gradients were zeroed
                }
                gradientChecks++;
            };
        }
        trainer.Options = trainer.Options with { Epochs = 3 };
        trainer.Fit(x, y);

        var revived = 0;
        foreach (var name in masks.Names)
        {
            var now = Values(trainer.Model.named_parameters().Single(p => p.name == name).parameter);
            var mask = Values(masks[name]);
            revived += now.Where((v, i) => mask[i] == 0 && v != 0).Count();
            // kept weights did train
            Assert.NotEqual(beforeFineTuning[name].Where((_, i) => mask[i] == 1), now.Where((_, i) => mask[i] == 1));
        }
        if (attach)
        {
            Assert.Equal(0, revived);
            Assert.Equal(3 * (int)Math.Ceiling(x.shape[0] / 32.0), gradientChecks);
            Assert.Equal(0.8, SparsityReport.Of(trainer.Model).Overall, 3);
        }
        else
            Assert.True(revived > 1000, $"without masks Adam should revive pruned weights; {revived} revived"); // why the masks are needed
    }

    [Theory]
    [InlineData(Normalization.None)]
    [InlineData(Normalization.BatchNorm)]
    public void Shrinking_removes_the_masked_neurons_and_computes_the_same_outputs(Normalization normalization)
    {
        var (x, y, xt, _) = Digits();
        var trainer = NewTrainer(DigitsModel(40, 20) with { Normalization = normalization }, epochs: 2);
        trainer.Fit(x, y);
        var model = (SimpleModel)trainer.Model;
        var fc1 = (Linear)model.Layers.named_children().Single(c => c.name == "fc1").module;
        var norms = Values(fc1.weight!.detach().norm(1, false, 2));
        var masks = NeuronPruning.Prune(model, 0.5);

        var rowsKept = Values(masks["layers.fc1.weight"].sum(1)).Select(v => v > 0).ToArray();
        Assert.Equal(20, rowsKept.Count(k => k));
        Assert.True(
            norms.Where((_, i) => !rowsKept[i]).Max() <= norms.Where((_, i) => rowsKept[i]).Min(),
            "the removed units must be those with the smallest weight-row norms"
        );
        Assert.Equal(0, Values(fc1.bias!).Where((_, i) => !rowsKept[i]).Count(v => v != 0));

        var smaller = NeuronPruning.Shrink(model, masks);
        Assert.Equal([20, 10], smaller.Options.Widths);
        Assert.True(smaller.parameters().Sum(p => p.numel()) < model.parameters().Sum(p => p.numel()) / 2);
        model.eval();
        smaller.eval();
        using (no_grad())
        {
            var expected = model.call(xt);
            var actual = smaller.call(xt);
            Assert.True(
                expected.allclose(actual, rtol: 1e-5, atol: 1e-5),
                $"max difference {(expected - actual).abs().max().item<float>()}"
            );
        }
    }

    [Fact]
    public void Structured_masks_survive_fine_tuning_and_the_model_still_shrinks_exactly()
    {
        var (x, y, xt, _) = Digits();
        var trainer = NewTrainer(DigitsModel(32, 32), epochs: 2);
        trainer.Fit(x, y);
        var model = (SimpleModel)trainer.Model;
        var masks = NeuronPruning.Prune(model, 0.75);
        masks.AttachTo(trainer);
        trainer.Fit(x, y);
        var smaller = NeuronPruning.Shrink(model, masks);
        Assert.Equal([8, 8], smaller.Options.Widths);
        smaller.eval();
        using (no_grad())
            Assert.True(trainer.Predict(xt).allclose(smaller.call(xt), rtol: 1e-5, atol: 1e-5));
    }

    [Fact]
    public void Sparsity_report_counts_exact_zeros_per_layer_and_overall()
    {
        var model = new SimpleModel(new SimpleModelOptions(Inputs: 2, HiddenWidths: [3], Outputs: 2));
        using (no_grad())
        {
            var weights = model.parameters().Where(p => p.dim() >= 2).ToList();
            weights[0].copy_(tensor(new float[] { 0, 1, 0, 2, 3, 0 }).view(3, 2)); // 3 zeros of 6
            weights[1].copy_(tensor(new float[] { 0, 0, 0, 0, 1e-30f, 5 }).view(2, 3)); // 4 zeros of 6 (1e-30 is not zero)
        }
        var report = SparsityReport.Of(model);
        Assert.Equal([3L, 4L], report.Layers.Select(l => l.Zeros));
        Assert.Equal(7.0 / 12, report.Overall, 12);
        Assert.Equal("total", report.ToTable().Rows[^1][0]);
        Assert.Equal((7.0 / 12).ToString("P1", System.Globalization.CultureInfo.InvariantCulture), report.ToTable().Rows[^1][4]);
    }

    [Fact]
    public void Bad_arguments_are_refused_with_clear_messages()
    {
        var model = new SimpleModel(DigitsModel(8));
        Assert.Contains("[0, 1]", Assert.Throws<ArgumentOutOfRangeException>(() => MagnitudePruning.Unstructured(model, 1.5)).Message);
        Assert.Contains("[0, 1)", Assert.Throws<ArgumentOutOfRangeException>(() => NeuronPruning.Prune(model, 1.0)).Message);
        Assert.Contains(
            "No parameter was selected",
            Assert.Throws<ArgumentException>(() => MagnitudePruning.Unstructured(model, 0.5, select: (n, _) => n == "nope")).Message
        );
        Assert.Contains(
            "has shape [2, 2]",
            Assert
                .Throws<ArgumentException>(() =>
                    new PruningMasks(model, new Dictionary<string, Tensor> { ["layers.fc1.weight"] = ones(2, 2) })
                )
                .Message
        );
        Assert.Contains(
            "not a parameter",
            Assert
                .Throws<ArgumentException>(() => new PruningMasks(model, new Dictionary<string, Tensor> { ["fc9.weight"] = ones(2, 2) }))
                .Message
        );
        Assert.Contains(
            "other than 0 and 1",
            Assert
                .Throws<ArgumentException>(() =>
                    new PruningMasks(model, new Dictionary<string, Tensor> { ["layers.fc1.weight"] = full(8, 64, 0.5f) })
                )
                .Message
        );
        Assert.Contains(
            "needs hidden layers",
            Assert.Throws<ArgumentException>(() => NeuronPruning.Prune(new SimpleModel(DigitsModel()), 0.5)).Message
        );
        var layerNorm = new SimpleModel(DigitsModel(8) with { Normalization = Normalization.LayerNorm });
        Assert.Contains(
            "LayerNorm",
            Assert.Throws<ArgumentException>(() => NeuronPruning.Shrink(layerNorm, NeuronPruning.Prune(layerNorm, 0.5))).Message
        );
        var other = new SimpleModel(DigitsModel(8));
        Assert.Contains(
            "another model",
            Assert.Throws<ArgumentException>(() => NeuronPruning.Shrink(other, NeuronPruning.Prune(model, 0.5))).Message
        );
        var trainer = NewTrainer(DigitsModel(8), epochs: 1);
        Assert.Contains(
            "another model",
            Assert.Throws<ArgumentException>(() => MagnitudePruning.Unstructured(model, 0.5).AttachTo(trainer)).Message
        );
    }
}
