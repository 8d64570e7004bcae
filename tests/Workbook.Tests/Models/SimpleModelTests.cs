using TorchSharp;
using Workbook.Models;
using static TorchSharp.torch;

namespace Workbook.Tests.Models;

public class SimpleModelTests
{
    static SimpleModelTests() => torch.InitializeDeviceType(DeviceType.CPU);

    private static string[] Parameters(nn.Module model) =>
        [.. model.named_parameters().Select(p => $"{p.name} [{string.Join(", ", p.parameter.shape)}]")];

    [Fact]
    public void Default_is_the_classic_network_with_two_logits()
    {
        var model = new SimpleModel();
        Assert.Equal(
            [
                "layers.fc1.weight [64, 10]",
                "layers.fc1.bias [64]",
                "layers.fc2.weight [64, 64]",
                "layers.fc2.bias [64]",
                "layers.out.weight [2, 64]",
                "layers.out.bias [2]",
            ],
            Parameters(model)
        );
        Assert.Equal(704 + 4160 + 130, model.parameters().Sum(p => p.numel()));
        Assert.Equal([5L, 2], model.call(randn(5, 10)).shape);
    }

    [Fact]
    public void Options_add_normalization_activation_and_dropout_layers_in_order()
    {
        var model = new SimpleModel(
            new SimpleModelOptions(
                Inputs: 4,
                HiddenWidths: [8, 6],
                Outputs: 3,
                Dropout: 0.2,
                Normalization: Normalization.BatchNorm,
                Activation: Activation.Tanh
            )
        );
        var layers = model.Layers.named_children().Select(c => $"{c.name}:{c.module.GetType().Name}").ToArray();
        Assert.Equal(
            [
                "fc1:Linear",
                "norm1:BatchNorm1d",
                "act1:Tanh",
                "drop1:Dropout",
                "fc2:Linear",
                "norm2:BatchNorm1d",
                "act2:Tanh",
                "drop2:Dropout",
                "out:Linear",
            ],
            layers
        );
        var layerNorm = new SimpleModel(new SimpleModelOptions(Inputs: 4, HiddenWidths: [8], Normalization: Normalization.LayerNorm));
        Assert.Contains(layerNorm.named_parameters(), p => p.name == "layers.norm1.weight" && p.parameter.shape.SequenceEqual([8L]));
        Assert.Equal("4 → 8 → 6 → 3, Tanh, dropout 0.2, BatchNorm", model.Options.ToString());
    }

    [Fact]
    public void No_hidden_widths_make_a_linear_model()
    {
        var model = new SimpleModel(new SimpleModelOptions(Inputs: 3, HiddenWidths: [], Outputs: 1));
        Assert.Equal(["layers.out.weight [1, 3]", "layers.out.bias [1]"], Parameters(model));
    }

    [Fact]
    public void Dropout_acts_in_train_mode_only()
    {
        torch.manual_seed(0);
        var model = new SimpleModel(new SimpleModelOptions(Dropout: 0.5));
        var x = randn(16, 10);
        model.train();
        Assert.False(model.call(x).allclose(model.call(x)));
        model.eval();
        Assert.True(model.call(x).allclose(model.call(x), 0, 0));
    }

    [Fact]
    public void Bad_options_and_inputs_are_named()
    {
        Assert.Contains(
            "Hidden layer 2 has width 0",
            Assert.Throws<ArgumentOutOfRangeException>(() => new SimpleModel(new SimpleModelOptions(HiddenWidths: [4, 0]))).Message
        );
        Assert.Contains(
            "[0, 1)",
            Assert.Throws<ArgumentOutOfRangeException>(() => new SimpleModel(new SimpleModelOptions(Dropout: 1.0))).Message
        );
        Assert.Contains(
            "at least one output",
            Assert.Throws<ArgumentOutOfRangeException>(() => new SimpleModel(new SimpleModelOptions(Outputs: 0))).Message
        );
        var model = new SimpleModel();
        Assert.Contains(
            "expects features of shape [batch, 10]; got [4, 12]",
            Assert.Throws<ArgumentException>(() => model.call(randn(4, 12))).Message
        );
        Assert.Contains(
            "floating-point",
            Assert.Throws<ArgumentException>(() => model.call(zeros(4, 10, dtype: ScalarType.Int64))).Message
        );
    }

    [Fact]
    public void Linear_regressor_is_one_linear_layer()
    {
        var model = new LinearRegressor(10);
        Assert.Equal(["linear.weight [1, 10]", "linear.bias [1]"], Parameters(model));
        Assert.Equal([7L, 1], model.call(randn(7, 10)).shape);
        Assert.Contains("[batch, 10]; got [7]", Assert.Throws<ArgumentException>(() => model.call(randn(7))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearRegressor(0));
    }
}
