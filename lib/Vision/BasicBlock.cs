using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Vision;

/// <summary>
/// ResNet's basic block as TorchVision defines it (introduced in chapter 07): 3×3 conv → batch norm → ReLU → 3×3 conv →
/// batch norm, plus the input (through a 1×1 conv and batch norm, <c>downsample</c>, when the shape changes), then ReLU.
/// With <c>residual: false</c> the same layers run without the addition: the "plain" network of the ResNet paper.
/// Parameter names match TorchVision's: <c>conv1</c>, <c>bn1</c>, <c>conv2</c>, <c>bn2</c>, <c>downsample.0</c>, <c>downsample.1</c>.
/// </summary>
public sealed class BasicBlock : nn.Module<Tensor, Tensor>
{
    private Conv2d conv1,
        conv2;
    private BatchNorm2d bn1,
        bn2;
    private Sequential? downsample;
    private readonly bool residual;

    /// <summary>A block from <paramref name="inputs"/> to <paramref name="outputs"/> channels; <paramref name="stride"/> 2 halves the
    /// image.</summary>
    public BasicBlock(int inputs, int outputs, int stride = 1, bool residual = true)
        : base(nameof(BasicBlock))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        this.residual = residual;
        conv1 = nn.Conv2d(inputs, outputs, 3, stride: stride, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(outputs);
        conv2 = nn.Conv2d(outputs, outputs, 3, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(outputs);
        // The shortcut must match the block's output shape; a plain block has no shortcut at all.
        if (residual && (stride != 1 || inputs != outputs))
            downsample = nn.Sequential(nn.Conv2d(inputs, outputs, 1, stride: stride, bias: false), nn.BatchNorm2d(outputs));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var branch = bn2.call(conv2.call(nn.functional.relu(bn1.call(conv1.call(input)))));
        if (residual)
            branch = branch.add_(downsample is null ? input : downsample.call(input));
        return nn.functional.relu(branch).MoveToOuterDisposeScope();
    }
}
