using static TorchSharp.torch;

namespace Workbook.Models;

/// <summary>The non-linearity between hidden layers of a <see cref="SimpleModel"/>. Introduced with chapter 01.</summary>
public enum Activation
{
    /// <summary>max(0, x): the default; cheap, and does not saturate for positive inputs.</summary>
    ReLU,

    /// <summary>tanh(x): zero-centred, saturates for |x| &gt; 3.</summary>
    Tanh,

    /// <summary>1 / (1 + e^−x): saturates on both sides; mainly of historical interest between hidden layers.</summary>
    Sigmoid,

    /// <summary>x·Φ(x): a smooth ReLU, used by transformers.</summary>
    GELU,
}

/// <summary>Builds the TorchSharp module for an <see cref="Activation"/>. Introduced with chapter 01.</summary>
public static class ActivationModules
{
    /// <summary>A new module computing <paramref name="activation"/>.</summary>
    public static nn.Module<Tensor, Tensor> Create(Activation activation) =>
        activation switch
        {
            Activation.ReLU => nn.ReLU(),
            Activation.Tanh => nn.Tanh(),
            Activation.Sigmoid => nn.Sigmoid(),
            Activation.GELU => nn.GELU(),
            _ => throw new ArgumentOutOfRangeException(
                nameof(activation),
                activation,
                "Unknown activation; use ReLU, Tanh, Sigmoid or GELU."
            ),
        };
}
