using Workbook.Deployment;

namespace Workbook.Serving;

/// <summary>
/// The loaded classifier behind <c>POST /v1/predict</c>, with or without micro-batching. With batching, each request's
/// rows go to a <see cref="MicroBatcher{TRow, TResult}"/> that runs one forward pass for many concurrent requests;
/// without, every request runs its own. Disposing drains the batcher: every accepted request still gets its answer.
/// </summary>
public sealed class PredictionService : IAsyncDisposable
{
    private readonly MicroBatcher<double[], ClassPrediction>? batcher;

    /// <summary>Wraps <paramref name="classifier"/>; batching as <paramref name="options"/> say.</summary>
    public PredictionService(TabularClassifier classifier, ServingOptions options)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(options);
        Classifier = classifier;
        if (options.Batching)
            batcher = new MicroBatcher<double[], ClassPrediction>(
                rows => classifier.PredictAllowingNonFiniteOutput([.. rows.Select(r => (IReadOnlyList<double>)r)]),
                options.BatchMaxRows,
                options.BatchMaxWait,
                maxQueuedSubmissions: Math.Max(1, options.MaxConcurrentRequests + options.MaxQueuedRequests)
            );
    }

    /// <summary>The classifier.</summary>
    public TabularClassifier Classifier { get; }

    /// <summary>The batcher, when batching is on.</summary>
    public MicroBatcher<double[], ClassPrediction>? Batcher => batcher;

    /// <summary>
    /// Predicts <paramref name="rows"/> (through the batcher when on and the rows fit in one batch). A row whose output
    /// is not finite comes back with <see cref="ClassPrediction.IsFinite"/> false, so it fails only its own request, not
    /// the others that shared its batch.
    /// </summary>
    public async Task<IReadOnlyList<ClassPrediction>> PredictAsync(IReadOnlyList<double[]> rows, CancellationToken cancellationToken)
    {
        if (batcher is not null && rows.Count <= batcher.MaxRows)
            return await batcher.SubmitAsync(rows, cancellationToken);
        // Off, or a request bigger than a batch: run it on a pool thread so a large forward pass does not block I/O.
        return await Task.Run(
            () => Classifier.PredictAllowingNonFiniteOutput([.. rows.Select(r => (IReadOnlyList<double>)r)]),
            cancellationToken
        );
    }

    /// <summary>Finishes queued batches, then releases the model.</summary>
    public async ValueTask DisposeAsync()
    {
        if (batcher is not null)
            await batcher.DisposeAsync();
        Classifier.Dispose();
    }
}
