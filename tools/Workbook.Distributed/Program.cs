// The chapter-17 worker: one copy runs per MPI rank (`mpirun -np N dotnet workbook-distributed.dll …`), or one plain
// process without MPI. Commands:
//   train        --mode mpi|single --out DIR [--expect-size N] [settings: --steps --batch --samples --features
//                --hidden --lr --seed --threads --check --warmup] [--fail R:S]
//                data-parallel training; writes DIR/rank-<r>.json. --fail makes rank R throw before step S (fault injection).
//   collectives  --out DIR                                          exercises the binding; writes DIR/collectives-<r>.json
// Exit code 0 on success; on error the message goes to stderr and the exit code is 1 (mpirun then ends the job).
using Workbook.Distributed.Worker;
using Workbook.Native;

try
{
    // The same Debian 12 libstdc++ fix every entry point applies before TorchSharp loads (a no-op when not needed).
    // Every rank would print the same lines, so only rank 0 (or a plain process) shows them.
    var fixes = LibTorchSharpGlibcxxFix.EnsureLoadable(AppContext.BaseDirectory);
    if ((Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_RANK") ?? "0") == "0")
        foreach (var line in fixes)
            Console.Error.WriteLine(line);

    if (args.Length == 0 || args[0] is "-h" or "--help")
    {
        Console.WriteLine(
            "usage: workbook-distributed train --mode mpi|single --out DIR [--expect-size N] [--steps N --batch B ...]\n"
                + "       workbook-distributed collectives --out DIR"
        );
        return args.Length == 0 ? 2 : 0;
    }
    return args[0] switch
    {
        "train" => TrainCommand.Run(args[1..]),
        "collectives" => CollectivesCommand.Run(args[1..]),
        _ => throw new ArgumentException($"Unknown command '{args[0]}'; use train or collectives."),
    };
}
catch (Exception e)
{
    var rank = Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_RANK") ?? "0";
    Console.Error.WriteLine($"workbook-distributed (rank {rank}): {e.GetType().Name}: {e.Message}");
    return 1;
}
