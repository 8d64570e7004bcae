using TorchSharp;
using Workbook.Models;
using static TorchSharp.torch;

namespace Workbook.Tests.Models;

public class ModelSummaryTests
{
    static ModelSummaryTests() => torch.InitializeDeviceType(DeviceType.CPU);

    [Fact]
    public void Lists_each_layer_with_its_output_shape_and_parameters()
    {
        var model = new SimpleModel(new SimpleModelOptions(Dropout: 0.2));
        model.train();
        var summary = ModelSummary.Create(model, 1, 10);
        Assert.Equal(
            ["layers.fc1", "layers.act1", "layers.drop1", "layers.fc2", "layers.act2", "layers.drop2", "layers.out"],
            summary.Layers.Select(l => l.Name)
        );
        Assert.Equal([704L, 0, 0, 4160, 0, 0, 130], summary.Layers.Select(l => l.Parameters));
        Assert.Equal([1L, 64], summary.Layers[0].OutputShape!);
        Assert.Equal([1L, 2], summary.Layers[^1].OutputShape!);
        Assert.Equal(4994, summary.TotalParameters);
        Assert.Equal(4994, summary.TrainableParameters);
        Assert.True(model.training, "the summary must restore train mode");
        var html = summary.ToHtml();
        Assert.Contains("<td>layers.fc2</td><td>Linear</td><td>[1, 64]</td><td>4,160</td>", html);
        Assert.Contains("SimpleModel 10 → 64 → 64 → 2, ReLU, dropout 0.2", html);
    }

    [Fact]
    public void Frozen_parameters_are_not_trainable_and_unknown_structures_have_no_shapes()
    {
        var model = nn.Sequential(("a", nn.Linear(3, 4)), ("b", nn.Linear(4, 2)));
        foreach (var p in model.named_parameters().Where(p => p.name.StartsWith("a.", StringComparison.Ordinal)))
            p.parameter.requires_grad = false;
        var summary = ModelSummary.Create(model);
        Assert.Equal(16 + 10, summary.TotalParameters);
        Assert.Equal(10, summary.TrainableParameters);
        Assert.All(summary.Layers, l => Assert.Null(l.OutputShape));
    }

    [Fact]
    public void A_shape_that_does_not_fit_names_the_layer()
    {
        var message = Assert.Throws<ArgumentException>(() => ModelSummary.Create(nn.Sequential(("first", nn.Linear(3, 4))), 2, 5)).Message;
        Assert.Contains("does not fit layer 'first'", message);
    }
}
