namespace Workbook.Models;

/// <summary>
/// The shape of a <see cref="SimpleModel"/>: inputs → hidden layers → outputs. The defaults are the classic tutorial's
/// network, Linear(10→64) → ReLU → Linear(64→64) → ReLU → Linear(64→2), with two logits for a two-class problem.
/// Introduced in chapter 01.
/// </summary>
/// <param name="Inputs">Number of input features.</param>
/// <param name="HiddenWidths">Width of each hidden layer, in order; null means [64, 64]; empty makes a linear model.</param>
/// <param name="Outputs">Number of outputs: one logit per class for <c>CrossEntropyLoss</c>, 1 for <c>BCEWithLogitsLoss</c> or
/// regression.</param>
/// <param name="Dropout">Probability of zeroing each hidden unit during training (after each hidden activation); 0 for none.</param>
/// <param name="Normalization">Normalization layer after each hidden linear layer.</param>
/// <param name="Activation">Non-linearity after each hidden layer.</param>
public sealed record SimpleModelOptions(
    int Inputs = 10,
    IReadOnlyList<int>? HiddenWidths = null,
    int Outputs = 2,
    double Dropout = 0.0,
    Normalization Normalization = Normalization.None,
    Activation Activation = Activation.ReLU
)
{
    /// <summary>The hidden widths actually used (<see cref="HiddenWidths"/>, or [64, 64] when null).</summary>
    [System.Text.Json.Serialization.JsonIgnore] // derived from HiddenWidths; not stored twice in JSON
    public IReadOnlyList<int> Widths => HiddenWidths ?? [64, 64];

    /// <summary>
    /// The most parameters a model may have: 2^30 (4 GiB of float32). Far beyond any tabular network, and small enough
    /// that a size typed by mistake (or a hostile manifest) is refused with a message instead of exhausting memory.
    /// </summary>
    public const long MaxParameterCount = 1L << 30;

    /// <summary>
    /// Number of parameters the network has (weights, biases and normalization scales), computed without building it;
    /// <see cref="long.MaxValue"/> when the count does not fit in a long.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public long ParameterCount
    {
        get
        {
            Int128 count = 0,
                previous = Inputs;
            foreach (var width in Widths)
            {
                count += (previous + 1) * width + (Normalization == Normalization.None ? 0 : 2 * (Int128)width);
                previous = width;
            }
            count += (previous + 1) * Outputs;
            return count > long.MaxValue ? long.MaxValue : (long)count;
        }
    }

    /// <summary>Throws if a size or probability is out of range, naming it; returns these options.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1, the network would have more than
    /// <see cref="MaxParameterCount"/> parameters (the message says how much memory it would need), or dropout is outside [0,
    /// 1).</exception>
    public SimpleModelOptions Validate()
    {
        if (Inputs < 1)
            throw new ArgumentOutOfRangeException(nameof(Inputs), Inputs, "A model needs at least one input feature.");
        if (Outputs < 1)
            throw new ArgumentOutOfRangeException(nameof(Outputs), Outputs, "A model needs at least one output.");
        for (var i = 0; i < Widths.Count; i++)
            if (Widths[i] < 1)
                throw new ArgumentOutOfRangeException(
                    nameof(HiddenWidths),
                    Widths[i],
                    $"Hidden layer {i + 1} has width {Widths[i]}; every hidden layer needs at least one unit."
                );
        var parameters = ParameterCount;
        if (parameters > MaxParameterCount)
            throw new ArgumentOutOfRangeException(
                nameof(HiddenWidths),
                parameters,
                $"The network {this} would have {parameters.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} "
                    + $"parameters, {Gibibytes(parameters * (double)sizeof(float))} as float32; "
                    + $"the limit is {MaxParameterCount.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} parameters "
                    + $"({Gibibytes(MaxParameterCount * (double)sizeof(float))}). Check the widths."
            );
        if (!(Dropout >= 0 && Dropout < 1))
            throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, "Dropout is a probability in [0, 1).");
        if (!Enum.IsDefined(Normalization))
            throw new ArgumentOutOfRangeException(nameof(Normalization), Normalization, "Unknown normalization.");
        if (!Enum.IsDefined(Activation))
            throw new ArgumentOutOfRangeException(nameof(Activation), Activation, "Unknown activation.");
        return this;
    }

    private static string Gibibytes(double bytes) =>
        $"{(bytes / (1L << 30)).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)} GiB";

    /// <summary>A compact description, e.g. <c>10 → 64 → 64 → 2, ReLU, dropout 0.2, LayerNorm</c>.</summary>
    public override string ToString()
    {
        var text = string.Join(" → ", new[] { Inputs }.Concat(Widths).Append(Outputs));
        if (Widths.Count > 0)
            text += $", {Activation}";
        if (Dropout > 0)
            text += $", dropout {Dropout.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        if (Normalization != Normalization.None)
            text += $", {Normalization}";
        return text;
    }
}
