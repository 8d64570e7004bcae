namespace Workbook.Distributed;

/// <summary>A finished run of the data-parallel worker: each rank's report and how the launch went. Introduced in chapter 17.</summary>
/// <param name="Processes">Number of ranks.</param>
/// <param name="UsedMpi">True for a job under mpirun; false for the plain single-process reference (no MPI).</param>
/// <param name="Ranks">Each rank's result, in rank order.</param>
/// <param name="Launch">The launch: command line, output, exit code, wall time (process start-up included).</param>
public sealed record DataParallelRun(int Processes, bool UsedMpi, IReadOnlyList<RankResult> Ranks, MpiLaunchResult Launch)
{
    /// <summary>Rank 0's result: the global loss per step (the same on every rank) and the final parameters.</summary>
    public RankResult Root => Ranks[0];

    /// <summary>Throughput as rank 0 measured it, global rows per second after the warm-up.</summary>
    public double SamplesPerSecond => Root.SamplesPerSecond;

    /// <summary>A short label, e.g. "2 processes (mpirun)" or "1 process (no MPI)".</summary>
    public string Label => $"{Processes} process{(Processes == 1 ? "" : "es")} ({(UsedMpi ? "mpirun" : "no MPI")})";

    /// <summary>True when, after every step, every rank reported the same checksum and a replica spread of exactly 0.</summary>
    public bool ReplicasIdenticalEveryStep =>
        Ranks.All(r => r.Steps.Count == Root.Steps.Count)
        && Enumerable
            .Range(0, Root.Steps.Count)
            .All(i => Ranks.All(r => r.Steps[i].MaxSpread == 0 && r.Steps[i].Checksum.Equals(Root.Steps[i].Checksum)));
}
