using System.Diagnostics;
using Workbook.Data;
using Workbook.Distributed;
using Workbook.Models;
using static TorchSharp.torch;

namespace Workbook.Distributed.Worker;

/// <summary>Data-parallel training of a SimpleModel on synthetic classification data; one rank's share.</summary>
internal static class TrainCommand
{
    public static int Run(string[] args)
    {
        var settings = DataParallelSettings.Parse(args, out var restReadOnly);
        var rest = restReadOnly.ToList();
        var mode = Options.Require(rest, "--mode");
        var output = Options.Require(rest, "--out");
        var expectSize = Options.Take(rest, "--expect-size");
        // Fault injection, to see (and test) what a dying rank does to a job: "--fail R:S" makes rank R throw before step S.
        var fail = Options.Take(rest, "--fail")?.Split(':') is [var r, var s]
            ? (Rank: int.Parse(r), Step: int.Parse(s))
            : ((int Rank, int Step)?)null;
        Options.RejectRest(rest);
        settings.Validate();
        if (mode is not ("mpi" or "single"))
            throw new ArgumentException($"--mode must be mpi or single; got '{mode}'.");

        // One intra-op thread per rank: N ranks each running a pool as wide as the machine would fight over the same
        // cores (oversubscription makes every rank slower), and a fixed thread count keeps reductions in a fixed order.
        set_num_threads(settings.Threads);

        MpiCommunicator? mpi = mode == "mpi" ? MpiCommunicator.Initialize() : null;
        ICommunicator communicator = mpi is not null ? mpi : new SingleProcessCommunicator();
        if (expectSize is not null)
            mpi?.RequireSize(int.Parse(expectSize, System.Globalization.CultureInfo.InvariantCulture));
        var result = Train(settings, communicator, mode, fail);
        result.Write(output);
        if (communicator.Rank == 0) // log once, from rank 0, not N times
            Console.WriteLine(
                $"rank 0 of {communicator.Size}: {settings.Steps} steps, final loss {result.Steps[^1].Loss:F6}, "
                    + $"{result.SamplesPerSecond:F0} samples/s, replicas identical: "
                    + $"{(settings.CheckReplicas ? result.Steps.All(s => s.MaxSpread == 0).ToString() : "not checked")}"
            );
        mpi?.Barrier(); // nobody finalizes while another rank still writes
        // Finalize only on success. A rank that throws exits with code 1 without MPI_Finalize: mpirun then aborts the
        // whole job, whereas finalizing would wait for ranks that are themselves waiting for this one in an allreduce.
        mpi?.Dispose();
        return 0;
    }

    private static RankResult Train(DataParallelSettings settings, ICommunicator communicator, string mode, (int Rank, int Step)? fail)
    {
        var clock = Stopwatch.StartNew();
        // Every rank builds the same data from the same seed (a real job would read its own files).
        var data = SyntheticData.MakeClassification(
            samples: settings.Samples,
            features: settings.Features,
            informative: Math.Max(2, settings.Features / 2),
            redundant: Math.Min(2, settings.Features / 4),
            seed: settings.Seed
        );
        using var features = TensorConversion.ToFloat32(data.Features);
        using var labels = tensor(data.Labels.Select(l => (long)l).ToArray());

        // Ranks initialise differently on purpose (seed + rank): the broadcast from rank 0 in the trainer is what makes
        // them start equal, as in PyTorch's DDP constructor.
        manual_seed(settings.Seed + 1000 * communicator.Rank);
        using var model = new SimpleModel(
            new SimpleModelOptions(Inputs: settings.Features, HiddenWidths: settings.Widths.ToArray(), Outputs: 2)
        );
        using var optimizer = optim.SGD(model.parameters(), settings.LearningRate);
        using var trainer = new DataParallelTrainer(model, optimizer, communicator, checkReplicas: settings.CheckReplicas);
        var sampler = new GlobalBatchSampler(settings.Samples, settings.GlobalBatch, settings.Seed);

        var steps = new List<DataParallelStep>();
        for (var step = 0; step < settings.Steps; step++)
        {
            if (fail is { } f && f.Rank == communicator.Rank && f.Step == step + 1)
                throw new InvalidOperationException($"injected failure on rank {f.Rank} before step {f.Step} (--fail)");
            using var scope = NewDisposeScope();
            using var rows = tensor(sampler.Batch(step));
            steps.Add(trainer.Step(features.index_select(0, rows), labels.index_select(0, rows)));
        }
        clock.Stop();
        var measured = steps.Skip(settings.WarmupSteps).ToArray();
        var samplesPerSecond = measured.Length * (double)settings.GlobalBatch / measured.Sum(s => s.Seconds);
        return new RankResult(
            communicator.Rank,
            communicator.Size,
            Environment.MachineName,
            Environment.ProcessId,
            mode,
            get_num_threads(),
            settings,
            steps,
            samplesPerSecond,
            clock.Elapsed.TotalSeconds,
            communicator.Rank == 0 ? ReplicaAgreement.Parameters(model) : null
        ); // only rank 0 saves
    }
}
