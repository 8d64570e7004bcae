namespace Workbook.Deployment;

/// <summary>One row's prediction: the most probable class and the probability of every class.</summary>
/// <param name="Label">The most probable class's name.</param>
/// <param name="LabelIndex">Its output index.</param>
/// <param name="Probabilities">Softmax probability of each class, in label order (they sum to 1).</param>
public sealed record ClassPrediction(string Label, int LabelIndex, IReadOnlyList<double> Probabilities)
{
    /// <summary>False when a probability is NaN or infinite: the row's values overflowed float32 inside the network.</summary>
    public bool IsFinite => Probabilities.All(double.IsFinite);
}
