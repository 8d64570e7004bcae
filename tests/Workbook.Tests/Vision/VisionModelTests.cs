using TorchSharp;
using Workbook.Vision;
using static TorchSharp.torch;

namespace Workbook.Tests.Vision;

public sealed class VisionModelTests
{
    static VisionModelTests() => torch.InitializeDeviceType(DeviceType.CPU);

    [Theory]
    [InlineData(28, 3, 1, 0, 1)]
    [InlineData(28, 3, 1, 1, 1)]
    [InlineData(28, 5, 2, 2, 1)]
    [InlineData(28, 7, 3, 3, 1)]
    [InlineData(9, 3, 2, 0, 2)]
    [InlineData(8, 4, 4, 1, 1)]
    public void Output_size_formula_matches_conv2d(int input, int kernel, int stride, int padding, int dilation)
    {
        using var conv = nn.Conv2d(1, 1, kernel, stride: stride, padding: padding, dilation: dilation);
        using var x = zeros(1, 1, input, input);
        using var y = conv.call(x);
        Assert.Equal(y.shape[2], ConvolutionArithmetic.OutputSize(input, kernel, stride, padding, dilation));
    }

    [Fact]
    public void A_kernel_larger_than_the_padded_input_is_refused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ConvolutionArithmetic.OutputSize(4, 7, padding: 1));
        Assert.Contains("does not fit", error.Message);
    }

    [Fact]
    public void Small_cnn_maps_images_to_logits_and_names_backbone_and_head()
    {
        using var model = new SmallCnn(new SmallCnnOptions(ImageSize: 28, Channels: [16, 32], Classes: 10));
        using var images = rand(3, 1, 28, 28);
        using var logits = model.call(images);
        Assert.Equal([3L, 10], logits.shape);
        var names = model.named_parameters().Select(p => p.name).ToList();
        Assert.Equal(
            [
                "backbone.conv1.weight",
                "backbone.bn1.weight",
                "backbone.bn1.bias",
                "backbone.conv2.weight",
                "backbone.bn2.weight",
                "backbone.bn2.bias",
                "head.weight",
                "head.bias",
            ],
            names
        );
        Assert.Equal(32 * 7 * 7, model.FeatureCount);
        Assert.Equal(144 + 32 + 4608 + 64 + 15690, model.parameters().Sum(p => p.numel()));
        using var maps = model.FeatureMaps(images, block: 2);
        Assert.Equal([3L, 32, 14, 14], maps.shape);
        Assert.True(maps.min().item<float>() >= 0, "feature maps are taken after the ReLU");
        Assert.True(model.training, "FeatureMaps restores training mode");
    }

    [Fact]
    public void Small_cnn_refuses_images_of_the_wrong_shape_naming_it()
    {
        using var model = new SmallCnn(new SmallCnnOptions(ImageSize: 8, Channels: [4], Classes: 3));
        using var wrong = rand(2, 8, 8);
        var error = Assert.Throws<ArgumentException>(() => model.call(wrong));
        Assert.Contains("[batch, 1, 8, 8]", error.Message);
        Assert.Contains("[2, 8, 8]", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SmallCnn(new SmallCnnOptions(ImageSize: 4, Channels: [4, 4, 4])));
    }

    [Fact]
    public void Small_resnet_follows_torchvision_resnet18_names_and_shapes()
    {
        // With resnet18's stages and widths (and RGB input) every parameter and buffer of SmallResNet exists in TorchVision's
        // resnet18 with the same shape, except the 3×3 stem (resnet18: 7×7) and the head's class count.
        var reference = torchvision.models.resnet18(num_classes: 10, device: META);
        var expected = reference
            .named_parameters()
            .Select(p => (p.name, p.parameter.shape))
            .Concat(reference.named_buffers().Select(b => (b.name, b.buffer.shape)))
            .ToDictionary(p => p.name, p => p.shape);
        using var ours = new SmallResNet([2, 2, 2, 2], [64, 128, 256, 512], inputChannels: 3, imageSize: 32, classes: 10);
        var mine = ours.named_parameters()
            .Select(p => (p.name, p.parameter.shape))
            .Concat(ours.named_buffers().Select(b => (b.name, b.buffer.shape)))
            .ToList();
        Assert.Equal(expected.Keys.Order(), mine.Select(p => p.name).Order());
        var differentShape = mine.Where(p => !p.shape.SequenceEqual(expected[p.name])).Select(p => p.name).ToList();
        Assert.Equal(["conv1.weight"], differentShape);
        Assert.Equal(18, ours.Depth);
        using var x = rand(2, 3, 32, 32);
        using var y = ours.call(x);
        Assert.Equal([2L, 10], y.shape);
    }

    [Fact]
    public void Plain_network_has_the_same_layers_without_shortcuts()
    {
        using var residual = new SmallResNet([3, 3, 3], [8, 16, 32], classes: 10);
        using var plain = new SmallResNet([3, 3, 3], [8, 16, 32], classes: 10, residual: false);
        var plainNames = plain.named_parameters().Select(p => p.name).ToHashSet();
        Assert.DoesNotContain(plainNames, n => n.Contains("downsample"));
        Assert.Equal(
            residual.named_parameters().Select(p => p.name).Where(n => !n.Contains("downsample")),
            plain.named_parameters().Select(p => p.name)
        );
        Assert.Equal(20, plain.Depth);
    }

    [Fact]
    public void Residual_block_adds_its_input()
    {
        using var block = new BasicBlock(4, 4);
        using var plain = new BasicBlock(4, 4, residual: false);
        plain.load_state_dict(block.state_dict());
        block.eval();
        plain.eval();
        using var x = rand(1, 4, 5, 5);
        using var withSkip = block.call(x);
        using var branch = plain.call(x);
        // relu(F(x) + x) against relu(F(x)): with x ≥ 0 everywhere, the skip can only raise each output.
        Assert.True((withSkip - branch).min().item<float>() >= -1e-6f);
        Assert.True((withSkip - branch).max().item<float>() > 0.1f);
    }
}

public sealed class TorchVisionNamesTests
{
    static TorchVisionNamesTests() => torch.InitializeDeviceType(DeviceType.CPU);

    [Fact]
    public void Torchvision_resnet18_names_and_shapes_equal_pytorchs_state_dict_keys()
    {
        // Golden from Debian's python3-torchvision 0.14.1 (tests/fixtures/vision/make_resnet18_names.py): what a converted
        // ImageNet checkpoint holds. Equal names and shapes mean chapter 08's name mapping for such a file is the identity.
        using var golden = System.Text.Json.JsonDocument.Parse(
            File.ReadAllText(Repository.Fixture(Path.Combine("vision", "resnet18_state_dict.json")))
        );
        var expected = golden
            .RootElement.GetProperty("state_dict")
            .EnumerateArray()
            .Select(e => (Name: e[0].GetString()!, Shape: string.Join("x", e[1].EnumerateArray().Select(d => d.GetInt64()))))
            .ToList();
        var model = torchvision.models.resnet18(device: META);
        var actual = model
            .named_parameters()
            .Select(p => (Name: p.name, Shape: string.Join("x", p.parameter.shape)))
            .Concat(model.named_buffers().Select(b => (Name: b.name, Shape: string.Join("x", b.buffer.shape))))
            .ToList();
        Assert.Equal(122, expected.Count);
        Assert.Equal(expected.OrderBy(e => e.Name, StringComparer.Ordinal), actual.OrderBy(e => e.Name, StringComparer.Ordinal));
    }
}
