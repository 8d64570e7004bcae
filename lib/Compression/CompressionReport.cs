using System.Globalization;
using Workbook.Notebook;
using static TorchSharp.torch;

namespace Workbook.Compression;

/// <summary>
/// Chapter 15's compression table: for each variant of a classifier, the size of its real saved file, latency at batch 1
/// and at a large batch (medians, measured here — speed is reported, never asserted), and accuracy on held-out data;
/// ratios against the first row.
/// </summary>
public static class CompressionReport
{
    /// <summary>Measures <paramref name="model"/> (eval mode, no gradients) saved at <paramref name="savedFile"/> on
    /// (<paramref name="features"/>, <paramref name="labels"/>).</summary>
    /// <param name="variant">The row's name.</param>
    /// <param name="model">The classifier: features [n, inputs] → logits [n, classes].</param>
    /// <param name="savedFile">The file the variant was saved to; its length is the size on disk.</param>
    /// <param name="features">Evaluation features; the first row times batch 1, and rows repeated up to <paramref name="largeBatch"/> time
    /// the large batch.</param>
    /// <param name="labels">Evaluation labels, int64 [n].</param>
    /// <param name="largeBatch">Rows in the large batch.</param>
    /// <param name="repeats">Timed calls per latency (median taken).</param>
    /// <exception cref="FileNotFoundException">The saved file does not exist.</exception>
    /// <exception cref="ArgumentException">Features and labels do not pair up, or a size is below 1.</exception>
    public static CompressionRow Measure(
        string variant,
        nn.Module<Tensor, Tensor> model,
        string savedFile,
        Tensor features,
        Tensor labels,
        int largeBatch = 1024,
        int repeats = 30
    )
    {
        ArgumentException.ThrowIfNullOrEmpty(variant);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(savedFile);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (!File.Exists(savedFile))
            throw new FileNotFoundException(
                $"The saved file of variant '{variant}' does not exist: '{savedFile}'. Save the model before measuring it.",
                savedFile
            );
        if (features.dim() != 2 || features.shape[0] == 0 || labels.dim() != 1 || labels.shape[0] != features.shape[0])
            throw new ArgumentException(
                "Need features [n, inputs] and labels [n] with n ≥ 1; "
                    + $"got [{string.Join(", ", features.shape)}] and [{string.Join(", ", labels.shape)}]."
            );
        ArgumentOutOfRangeException.ThrowIfLessThan(largeBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);

        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var accuracy = model
            .call(features)
            .argmax(1)
            .eq(labels.to(ScalarType.Int64, features.device))
            .to(ScalarType.Float64)
            .mean()
            .item<double>();
        var one = features.narrow(0, 0, 1);
        var copies = (largeBatch + features.shape[0] - 1) / features.shape[0];
        var large = features.repeat(copies, 1).narrow(0, 0, largeBatch).contiguous();
        double Time(Tensor x) =>
            LatencyMeasurement.MedianMilliseconds(
                () =>
                {
                    using var y = model.call(x);
                },
                repeats
            );
        var batch1 = Time(one);
        var batchN = Time(large);
        var stored = model.state_dict().Values.Sum(t => t.numel());
        return new CompressionRow(variant, new FileInfo(savedFile).Length, stored, batch1, batchN, largeBatch, accuracy);
    }

    /// <summary>The rows as a table, sizes and accuracies compared with the first row (the baseline).</summary>
    /// <exception cref="ArgumentException">No rows.</exception>
    public static Table ToTable(IReadOnlyList<CompressionRow> rows, string? caption = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
            throw new ArgumentException("A compression table needs at least the baseline row.", nameof(rows));
        var baseline = rows[0];
        var c = CultureInfo.InvariantCulture;
        return new Table(
            [
                "variant",
                "file (bytes)",
                "× smaller",
                "stored values",
                $"ms, batch 1",
                $"ms, batch {baseline.LargeBatch}",
                "accuracy",
                "Δ accuracy",
            ],
            rows.Select(r =>
                (IReadOnlyList<string>)
                    [
                        r.Variant,
                        r.FileBytes.ToString("N0", c),
                        ((double)baseline.FileBytes / r.FileBytes).ToString("0.00", c),
                        r.Parameters.ToString("N0", c),
                        r.MillisecondsBatch1.ToString("0.000", c),
                        r.MillisecondsLargeBatch.ToString("0.00", c),
                        r.Accuracy.ToString("P2", c),
                        ((r.Accuracy - baseline.Accuracy) * 100).ToString("+0.00;-0.00;0.00", c) + " pt",
                    ]
            ),
            caption
        );
    }
}

/// <summary>One variant of a model in a <see cref="CompressionReport"/>: measured size on disk, latency and accuracy. Introduced in chapter
/// 15.</summary>
/// <param name="Variant">What was done, e.g. "float32 baseline", "int8 dynamic".</param>
/// <param name="FileBytes">Size of the variant's saved file, read from the file system.</param>
/// <param name="Parameters">Number of stored values (parameters and buffers) in the model's state.</param>
/// <param name="MillisecondsBatch1">Median latency of one forward pass on one sample.</param>
/// <param name="MillisecondsLargeBatch">Median latency of one forward pass on <paramref name="LargeBatch"/> samples.</param>
/// <param name="LargeBatch">Size of the large batch.</param>
/// <param name="Accuracy">Accuracy on the evaluation data.</param>
public sealed record CompressionRow(
    string Variant,
    long FileBytes,
    long Parameters,
    double MillisecondsBatch1,
    double MillisecondsLargeBatch,
    int LargeBatch,
    double Accuracy
);
