using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Vision;

/// <summary>
/// A ResNet for small images in the style of TorchVision's <c>resnet18</c> (introduced in chapter 07): a 3×3 stem
/// (no 7×7 stride-2 convolution or max pool: 28-pixel images are too small for them), stages of
/// <see cref="BasicBlock"/>s that double the channels and halve the image from the second stage on, global average
/// pooling and a <c>Linear</c> head. <c>Residual = false</c> builds the same network without skip connections.
/// Parameter names follow TorchVision: <c>conv1</c>, <c>bn1</c>, <c>layer1.0.conv1</c>, …, <c>fc</c>.
/// </summary>
public sealed class SmallResNet : nn.Module<Tensor, Tensor>
{
    private Conv2d conv1;
    private BatchNorm2d bn1;
    private readonly List<nn.Module<Tensor, Tensor>> stages = []; // registered by hand as layer1, layer2, … (TorchVision's names)
    private Linear fc;

    /// <summary>Builds the network.</summary>
    /// <param name="blocksPerStage">Basic blocks in each stage (TorchVision's resnet18 has 2, 2, 2, 2).</param>
    /// <param name="widths">Channels of each stage.</param>
    /// <param name="inputChannels">Channels of the input images.</param>
    /// <param name="imageSize">Height and width of the input images.</param>
    /// <param name="classes">Outputs of the head.</param>
    /// <param name="residual">Add the skip connections (false: the plain network of the same depth).</param>
    public SmallResNet(
        IReadOnlyList<int> blocksPerStage,
        IReadOnlyList<int> widths,
        int inputChannels = 1,
        int imageSize = 28,
        int classes = 10,
        bool residual = true
    )
        : base(nameof(SmallResNet))
    {
        ArgumentNullException.ThrowIfNull(blocksPerStage);
        ArgumentNullException.ThrowIfNull(widths);
        if (blocksPerStage.Count == 0 || blocksPerStage.Count != widths.Count)
            throw new ArgumentException($"Give one width per stage: {blocksPerStage.Count} stages, {widths.Count} widths.", nameof(widths));
        if (blocksPerStage.Any(b => b < 1))
            throw new ArgumentOutOfRangeException(nameof(blocksPerStage), "Every stage needs at least one block.");
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        (InputChannels, ImageSize, Residual) = (inputChannels, imageSize, residual);
        conv1 = nn.Conv2d(inputChannels, widths[0], 3, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(widths[0]);
        var channels = widths[0];
        for (var s = 0; s < widths.Count; s++)
        {
            var blocks = new List<nn.Module<Tensor, Tensor>>();
            for (var b = 0; b < blocksPerStage[s]; b++)
            {
                blocks.Add(new BasicBlock(channels, widths[s], stride: s > 0 && b == 0 ? 2 : 1, residual));
                channels = widths[s];
            }
            stages.Add(nn.Sequential(blocks));
        }
        fc = nn.Linear(channels, classes);
        // Weighted layers as the ResNet paper counts depth: the stem, two convolutions per block, the head.
        Depth = 2 + 2 * blocksPerStage.Sum();
        RegisterComponents();
        for (var s = 0; s < stages.Count; s++)
            register_module($"layer{s + 1}", stages[s]);
    }

    /// <summary>Channels of the input images.</summary>
    public int InputChannels { get; }

    /// <summary>Height and width of the input images.</summary>
    public int ImageSize { get; }

    /// <summary>Whether the blocks add their skip connections.</summary>
    public bool Residual { get; }

    /// <summary>Weighted layers (convolutions on the main path and the head), as the ResNet paper counts depth.</summary>
    public int Depth { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        ImageInput.Require(input, InputChannels, ImageSize, nameof(SmallResNet));
        using var scope = NewDisposeScope();
        var x = nn.functional.relu(bn1.call(conv1.call(input)));
        foreach (var stage in stages)
            x = stage.call(x);
        x = nn.functional.adaptive_avg_pool2d(x, 1).flatten(1);
        return fc.call(x).MoveToOuterDisposeScope();
    }
}
