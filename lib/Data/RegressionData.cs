using static TorchSharp.torch;

namespace Workbook.Data;

/// <summary>
/// The result of <see cref="SyntheticData.MakeRegression"/>: inputs, targets and the true coefficients. Introduced with chapter 01.
/// </summary>
public sealed class RegressionData
{
    internal RegressionData(double[,] features, double[,] targets, double[,] coefficients)
    {
        Features = features;
        Targets = targets;
        Coefficients = coefficients;
    }

    /// <summary>Inputs, [samples, features].</summary>
    public double[,] Features { get; }

    /// <summary>Targets, [samples, targets].</summary>
    public double[,] Targets { get; }

    /// <summary>The linear model that generated the targets (before bias and noise), [features, targets]; zero for uninformative
    /// features.</summary>
    public double[,] Coefficients { get; }

    /// <summary>Number of samples.</summary>
    public int SampleCount => Features.GetLength(0);

    /// <summary>Number of input features.</summary>
    public int FeatureCount => Features.GetLength(1);

    /// <summary>Number of targets.</summary>
    public int TargetCount => Targets.GetLength(1);

    /// <summary>
    /// Inputs as float32 [samples, features] and targets as float32: [samples] for one target (as scikit-learn
    /// squeezes it), [samples, targets] otherwise.
    /// </summary>
    public (Tensor Features, Tensor Targets) ToTensors(Device? device = null)
    {
        var targets = TensorConversion.ToFloat32(Targets, device);
        if (TargetCount == 1)
        {
            var squeezed = targets.reshape(SampleCount);
            targets.Dispose();
            targets = squeezed;
        }
        return (TensorConversion.ToFloat32(Features, device), targets);
    }
}
