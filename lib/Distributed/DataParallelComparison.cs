namespace Workbook.Distributed;

/// <summary>
/// How closely a data-parallel run reproduces the single-process reference with the same global batch: the largest
/// loss difference over all steps and ranks, and the largest difference of any final parameter.
/// Introduced in chapter 17.
/// </summary>
/// <param name="Steps">Steps compared.</param>
/// <param name="MaxLossDifference">max over steps and ranks of |loss(run) − loss(reference)|.</param>
/// <param name="MaxParameterDifference">max over parameters of |final(run) − final(reference)|, from rank 0 of each.</param>
/// <param name="ReplicasIdenticalEveryStep">Every rank held bit-identical parameters after every step (see
/// <see cref="DataParallelRun.ReplicasIdenticalEveryStep"/>).</param>
public sealed record DataParallelComparison(
    int Steps,
    double MaxLossDifference,
    double MaxParameterDifference,
    bool ReplicasIdenticalEveryStep
)
{
    /// <summary>True when losses and parameters agree within the tolerances and the replicas never diverged.</summary>
    public bool Within(double lossTolerance, double parameterTolerance) =>
        MaxLossDifference <= lossTolerance && MaxParameterDifference <= parameterTolerance && ReplicasIdenticalEveryStep;

    /// <summary>Compares <paramref name="run"/> with <paramref name="reference"/> step by step.</summary>
    /// <exception cref="ArgumentException">The runs differ in settings (other than threads), so they are not comparable, or a final
    /// parameter vector is missing.</exception>
    public static DataParallelComparison Compare(DataParallelRun reference, DataParallelRun run)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(run);
        if (!SameSettings(reference.Root.Settings, run.Root.Settings))
            throw new ArgumentException(
                $"The runs used different settings ({reference.Root.Settings} vs {run.Root.Settings}); "
                    + "compare runs of the same data, model, batch and steps.",
                nameof(run)
            );
        var a =
            reference.Root.FinalParameters
            ?? throw new ArgumentException("The reference run has no final parameters (rank 0 writes them).", nameof(reference));
        var b =
            run.Root.FinalParameters ?? throw new ArgumentException("The run has no final parameters (rank 0 writes them).", nameof(run));
        if (a.Length != b.Length)
            throw new ArgumentException($"The final parameter vectors differ in length ({a.Length} vs {b.Length}).", nameof(run));
        var steps = reference.Root.Steps.Count;
        var lossDifference = run.Ranks.SelectMany(r => r.Steps.Select((s, i) => Math.Abs(s.Loss - reference.Root.Steps[i].Loss))).Max();
        var parameterDifference = a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
        return new DataParallelComparison(steps, lossDifference, parameterDifference, run.ReplicasIdenticalEveryStep);
    }

    // Records compare lists by reference; compare the widths by value.
    private static bool SameSettings(DataParallelSettings x, DataParallelSettings y) =>
        x with { Threads = 0, HiddenWidths = null } == y with { Threads = 0, HiddenWidths = null } && x.Widths.SequenceEqual(y.Widths);
}
