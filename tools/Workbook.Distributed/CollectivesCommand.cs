using System.Diagnostics;
using System.Text.Json;
using Workbook.Distributed;
using Workbook.IO;
using static TorchSharp.torch;

namespace Workbook.Distributed.Worker;

/// <summary>
/// Exercises every call of the MPI binding and reports what it observed (values, errors) in collectives-&lt;rank&gt;.json,
/// for the tests to check against what MPI must produce: with N ranks, rank r contributes r + 1, so the sum is
/// N(N+1)/2, the max N and the min 1; broadcasts deliver the root's values.
/// </summary>
internal static class CollectivesCommand
{
    public static int Run(string[] args)
    {
        var rest = args.ToList();
        var output = Options.Require(rest, "--out");
        Options.RejectRest(rest);
        var report = new Dictionary<string, object?>();
        var mpi = MpiCommunicator.Initialize();
        try
        {
            int r = mpi.Rank,
                n = mpi.Size;
            report["rank"] = r;
            report["size"] = n;
            report["startedByMpirun"] = MpiCommunicator.StartedByMpirun;
            report["initialized"] = MpiCommunicator.IsInitialized;
            report["sameInstance"] = ReferenceEquals(mpi, MpiCommunicator.Initialize());
            report["version"] = MpiCommunicator.LibraryVersion;
            report["threadSupport"] = mpi.ThreadSupport;
            float v = r + 1;

            foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
            {
                var name = dtype == ScalarType.Float32 ? "float32" : "float64";
                foreach (var op in new[] { ReduceOperation.Sum, ReduceOperation.Max, ReduceOperation.Min })
                {
                    using var t = tensor(new[] { v, -v, 10 * v }).to(dtype);
                    mpi.AllReduce(t, op);
                    report[$"allreduce.{name}.{op}"] = t.to(ScalarType.Float64).data<double>().ToArray();
                }
            }
            var values = new[] { (double)v, 0.5 * v };
            mpi.AllReduce(values, ReduceOperation.Sum);
            report["allreduce.array.Sum"] = values;

            // A view that starts inside its storage: the binding must use the view's offset, not the storage start.
            using (var whole = arange(10, dtype: float32) * v)
            {
                var view = whole.narrow(0, 5, 3);
                mpi.AllReduce(view, ReduceOperation.Sum);
                report["allreduce.offsetView"] = view.to(ScalarType.Float64).data<double>().ToArray();
                report["allreduce.offsetView.untouched"] = whole.narrow(0, 0, 5).to(ScalarType.Float64).data<double>().ToArray();
            }

            var last = n - 1;
            using (var b = r == last ? tensor(new[] { 3.5, -2.0 }) : zeros(2, dtype: float64))
            {
                mpi.Broadcast(b, root: last);
                report["broadcast.fromLast"] = b.data<double>().ToArray();
            }
            var array = r == 0 ? new[] { 7.0, 8.0, 9.0 } : new double[3];
            mpi.Broadcast(array);
            report["broadcast.array"] = array;

            // Barrier: rank r arrives r × 300 ms late; everybody leaves after the last arrival.
            Thread.Sleep(300 * r);
            var clock = Stopwatch.StartNew();
            mpi.Barrier();
            report["barrier.waitMs"] = clock.Elapsed.TotalMilliseconds;

            report["error.dtype"] = Error(() => mpi.AllReduce(tensor(new long[] { 1, 2 })));
            report["error.device"] = Error(() => mpi.AllReduce(empty(3, device: META)));
            report["error.contiguity"] = Error(() => mpi.AllReduce(ones(3, 4).t()));
            report["error.root"] = Error(() => mpi.Broadcast(ones(2), root: n));
            report["error.size"] = Error(() => mpi.RequireSize(n + 1));
        }
        finally
        {
            mpi.Dispose();
        }
        report["finalized"] = MpiCommunicator.IsFinalized;
        report["error.afterFinalize"] = Error(() => MpiCommunicator.Initialize());
        report["error.collectiveAfterFinalize"] = Error(() => mpi.Barrier());
        AtomicFile.WriteAllText(Path.Combine(output, $"collectives-{report["rank"]}.json"), JsonSerializer.Serialize(report));
        return 0;
    }

    private static string Error(Action action)
    {
        try
        {
            action();
            return "no error";
        }
        catch (Exception e)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }
}
