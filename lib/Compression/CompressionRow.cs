namespace Workbook.Compression;

/// <summary>One variant of a model in a <see cref="CompressionReport"/>: measured size on disk, latency and accuracy.</summary>
/// <param name="Variant">What was done, e.g. "float32 baseline", "int8 dynamic".</param>
/// <param name="FileBytes">Size of the variant's saved file, read from the file system.</param>
/// <param name="Parameters">Number of stored values (parameters and buffers) in the model's state.</param>
/// <param name="MillisecondsBatch1">Median latency of one forward pass on one sample.</param>
/// <param name="MillisecondsLargeBatch">Median latency of one forward pass on <paramref name="LargeBatch"/> samples.</param>
/// <param name="LargeBatch">Size of the large batch.</param>
/// <param name="Accuracy">Accuracy on the evaluation data.</param>
public sealed record CompressionRow(string Variant, long FileBytes, long Parameters, double MillisecondsBatch1, double MillisecondsLargeBatch, int LargeBatch, double Accuracy);
