using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Vision;

/// <summary>
/// A small convolutional classifier (introduced in chapter 07): blocks of 3×3 convolution → batch norm → ReLU → 2×2 max
/// pooling, then one <c>Linear</c> head on the flattened feature maps. The <see cref="Backbone"/> (everything but the head)
/// is what chapter 08 transfers to a new task. Parameter names: <c>backbone.conv1.weight</c>, <c>backbone.bn1.*</c>, …,
/// <c>head.weight</c>, <c>head.bias</c>.
/// </summary>
/// <example><code>
/// var model = new SmallCnn(new SmallCnnOptions(ImageSize: 28, Channels: [16, 32], Classes: 10));
/// var logits = model.call(images);   // images [batch, 1, 28, 28] → [batch, 10]
/// </code></example>
public sealed class SmallCnn : nn.Module<Tensor, Tensor>
{
    private Sequential backbone;
    private Linear head;

    /// <summary>Builds the network described by <paramref name="options"/> (1 × 28 × 28 inputs, blocks of 16 and 32 channels, 10 classes
    /// when null).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public SmallCnn(SmallCnnOptions? options = null)
        : base(nameof(SmallCnn))
    {
        Options = options ?? new SmallCnnOptions();
        Options.Validate();
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        var channels = Options.InputChannels;
        for (var i = 0; i < Options.Widths.Count; i++)
        {
            var n = i + 1;
            // No convolution bias: the batch norm right after it subtracts the mean and adds its own shift.
            layers.Add(($"conv{n}", nn.Conv2d(channels, Options.Widths[i], 3, padding: 1, bias: false)));
            layers.Add(($"bn{n}", nn.BatchNorm2d(Options.Widths[i])));
            layers.Add(($"relu{n}", nn.ReLU()));
            layers.Add(($"pool{n}", nn.MaxPool2d(2)));
            channels = Options.Widths[i];
        }
        layers.Add(("flatten", nn.Flatten()));
        backbone = nn.Sequential(layers);
        FeatureCount = (long)channels * FinalSize * FinalSize;
        head = nn.Linear(FeatureCount, Options.Classes);
        RegisterComponents();
    }

    /// <summary>The options the model was built from.</summary>
    public SmallCnnOptions Options { get; }

    /// <summary>Convolution blocks and the flatten: images → feature vectors [batch, <see cref="FeatureCount"/>].</summary>
    public Sequential Backbone => backbone;

    /// <summary>The classification head: feature vectors → logits.</summary>
    public Linear Head => head;

    /// <summary>Length of the feature vector the backbone produces.</summary>
    public long FeatureCount { get; }
    private int FinalSize => Options.ImageSize >> Options.Widths.Count;

    /// <summary>
    /// The activations after block <paramref name="block"/>'s ReLU (1-based, before its pooling): what that block's
    /// filters respond to, [batch, channels, size, size]. Runs in evaluation mode without gradients.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">There is no such block.</exception>
    public Tensor FeatureMaps(Tensor images, int block = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(block, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(block, Options.Widths.Count);
        ImageInput.Require(images, Options.InputChannels, Options.ImageSize, nameof(SmallCnn));
        var wasTraining = training;
        eval();
        try
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var x = images;
            foreach (var (name, layer) in backbone.named_children())
            {
                x = ((nn.Module<Tensor, Tensor>)layer).call(x);
                if (name == $"relu{block}")
                    return x.MoveToOuterDisposeScope();
            }
            throw new InvalidOperationException($"Block {block} has no ReLU layer.");
        }
        finally
        {
            train(wasTraining);
        }
    }

    /// <summary>Maps images [batch, C, H, W] to logits [batch, classes].</summary>
    /// <exception cref="ArgumentException">The input is not a float image batch of the configured size.</exception>
    public override Tensor forward(Tensor input)
    {
        ImageInput.Require(input, Options.InputChannels, Options.ImageSize, nameof(SmallCnn));
        return head.call(backbone.call(input));
    }
}
