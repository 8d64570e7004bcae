using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Models;

/// <summary>
/// Linear regression as a module: ŷ = x·Wᵀ + b, one <c>Linear(inputs → outputs)</c> named <c>linear</c>.
/// Trained with <c>MSELoss</c>, it is ordinary least squares by gradient descent (chapter 02).
/// </summary>
public sealed class LinearRegressor : nn.Module<Tensor, Tensor>
{
    private readonly Linear linear;

    /// <summary>A regressor from <paramref name="inputs"/> features to <paramref name="outputs"/> targets.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1.</exception>
    public LinearRegressor(int inputs, int outputs = 1)
        : base(nameof(LinearRegressor))
    {
        if (inputs < 1)
            throw new ArgumentOutOfRangeException(nameof(inputs), inputs, "A regressor needs at least one input feature.");
        if (outputs < 1)
            throw new ArgumentOutOfRangeException(nameof(outputs), outputs, "A regressor needs at least one output.");
        Inputs = inputs;
        Outputs = outputs;
        linear = nn.Linear(inputs, outputs);
        RegisterComponents();
    }

    /// <summary>Number of input features.</summary>
    public int Inputs { get; }

    /// <summary>Number of predicted targets.</summary>
    public int Outputs { get; }

    /// <summary>The weight matrix [outputs, inputs]: the model's own parameter, owned by the model (do not dispose it).</summary>
    public Tensor Weight => linear.weight!;

    /// <summary>The bias [outputs]: the model's own parameter, owned by the model (do not dispose it).</summary>
    public Tensor Bias => linear.bias!;

    /// <summary>Predicts [batch, outputs] from features [batch, inputs].</summary>
    /// <exception cref="ArgumentException">The input is not 2-D with <see cref="Inputs"/> columns.</exception>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() != 2 || input.shape[1] != Inputs)
            throw new ArgumentException(
                $"LinearRegressor expects features of shape [batch, {Inputs}]; got [{string.Join(", ", input.shape)}].",
                nameof(input)
            );
        return linear.call(input);
    }
}
