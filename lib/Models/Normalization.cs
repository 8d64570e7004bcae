namespace Workbook.Models;

/// <summary>
/// Which normalization layer a <see cref="SimpleModel"/> puts after each hidden linear layer (before the activation). Introduced in chapter
/// 06.
/// </summary>
public enum Normalization
{
    /// <summary>No normalization layer.</summary>
    None,

    /// <summary><c>BatchNorm1d</c>: normalizes each unit over the batch; keeps running statistics for evaluation, so it behaves differently
    /// in train and eval mode and needs batches of more than one sample in training.</summary>
    BatchNorm,

    /// <summary><c>LayerNorm</c>: normalizes each sample over its units; the same in train and eval mode, independent of the
    /// batch.</summary>
    LayerNorm,
}
