// Generated from notebooks/17-distributed-data-parallel.ipynb by tools/notebook-to-app.sh: edit the notebook, then regenerate.
// Run from the repository root: dotnet run apps/17-distributed-data-parallel.cs
// The notebook's cells run one after another (each begins at its `// Cell N`); what a cell shows is printed,
// and each chart is written as an HTML page whose path is printed. The native libtorch is chosen when the app is
// built (WORKBOOK_TORCH_BACKEND=cpu|cuda forces one; see apps/Directory.Build.targets).
#:project ../lib/Workbook.csproj
#:property PublishAot=false
#:property ImplicitUsings=disable
#:property Nullable=annotations

using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using TorchSharp;
using static TorchSharp.torch;
using Workbook;
using Workbook.Runtime;
using System.IO;
using Plotly.NET.CSharp;
using Workbook.Distributed;
using Workbook.Notebook;
using Workbook.Notebook.Apps;   // .Display() on the console

// # 17 · Distributed data-parallel training
//
// The classic snippet in Python:
//
// ```python
// import torch.distributed as dist
//
// def train(rank, world_size):
//     dist.init_process_group(backend="nccl", rank=rank, world_size=world_size)
//     model = DDP(SimpleModel().to(rank), device_ids=[rank])
//     loader = DataLoader(dataset, batch_size=32, shuffle=True)
//     for epoch in range(10):
//         for x, y in loader:
//             loss = criterion(model(x.to(rank)), y.to(rank))
//             optimizer.zero_grad(); loss.backward(); optimizer.step()
//             print(f"epoch {epoch} loss {loss.item()}")
//         torch.save(model.state_dict(), "checkpoint.pt")
//
// for rank in range(world_size):
//     train(rank, world_size)
// ```
//
// TorchSharp has no `torch.distributed`, so this chapter does the same job on an existing distributed engine: **Open
// MPI** (Debian's `openmpi-bin`), started with `mpirun`, through a small tested binding in `lib/Distributed`. Each
// rank is a separate process running `tools/Workbook.Distributed` (the worker); this notebook launches them and reads
// what they report.
//
// **What you will learn**
// - why the snippet hangs forever, and the other classic DDP mistakes (sampler, learning rate, logging, checkpoints);
// - what data parallelism is: identical replicas, a shard of every batch each, gradients averaged by one allreduce
//   per step;
// - launching an MPI job from C#, and checking after every step that all ranks hold bit-identical parameters;
// - why N processes with global batch B reproduce one process with batch B — up to the order of float additions — and
//   how to weight uneven shards;
// - what throughput 1, 2 and 4 processes reach on a 2-core machine, and why;
// - how the same program runs across machines, and how it maps to PyTorch DDP with NCCL on GPUs.

// Cell 2
// Every chapter starts with this cell. It loads the workbook library (lib/, built by the README's set-up), then
// TorchSharp, the native libtorch for this machine (CUDA when an NVIDIA GPU is present; WORKBOOK_TORCH_BACKEND=cpu|cuda
// forces either) and the library's packages at the versions the repository pins — one line of output, not a list per package.
// In the notebook: #r "../lib/bin/Workbook.dll" (here the #:project line at the top)
// Notebook only: using Microsoft.DotNet.Interactive; (an app's .Display() comes from Workbook.Notebook.Apps)
// In the notebook: await Workbook.Notebook.ChapterSetup.LoadAsync(Kernel.Root);
// An app cannot add packages while it runs: its build chose the native libtorch (apps/Directory.Build.targets).
Workbook.Notebook.AppSetup.Load();

// Cell 3
var device = Workbook.Notebook.ChapterSetup.Device;   // chosen by the first cell

// ## What is wrong with the snippet
//
// `init_process_group` is a **rendezvous**: it returns only when all `world_size` ranks have joined. The loop calls
// `train(0, …)` and waits for it to finish before starting rank 1 — but rank 0 waits inside `init_process_group` for
// rank 1, which never starts. The program hangs (until a 30-minute timeout, if one is set). Ranks are *processes that
// run at the same time*, started by a launcher: `torchrun --nproc_per_node=N train.py`, or `mp.spawn(train,
// nprocs=N)`, or, here, `mpirun -np N`. Every rank runs the same program and learns its rank and the world size from
// the launcher.
//
// The snippet has four more classic mistakes, each fixed in this chapter's worker:
//
// | mistake | what happens | the fix (PyTorch) | here |
// |---|---|---|---|
// | a plain `DataLoader(shuffle=True)` on every rank | every rank trains on the *same* rows: N× the work, no speed-up | `DistributedSampler`, and `sampler.set_epoch(epoch)` each epoch, else every epoch repeats the first order | one seeded `GlobalBatchSampler` gives all ranks the same global batch (new order per epoch), each takes its `BatchShard` |
// | `batch_size=32` per rank, same learning rate | the global batch is 32·N: fewer, larger steps; the tuned lr no longer fits | keep the global batch (32/N per rank), or scale lr with it (linear scaling + warm-up) | settings name the **global** batch B; each rank takes ≈B/N rows |
// | `print` on every rank | N copies of every line, interleaved | `if rank == 0:` | only rank 0 prints; every rank writes its numbers to its own file |
// | `torch.save` on every rank | N processes write one file at once: a torn checkpoint | save on rank 0, then `dist.barrier()` | only rank 0 reports final parameters; a barrier before exit |
//
// ## Open MPI
//
// MPI is the standard interface of distributed computing (since 1994); Open MPI is one implementation, packaged by
// every Linux distribution. `mpirun -np 4 program` starts four copies of `program`, wires them together (shared
// memory on one machine, TCP or InfiniBand between machines) and gives each a rank. The calls data-parallel training
// needs are few: `MPI_Init`, `MPI_Comm_rank`/`MPI_Comm_size`, `MPI_Allreduce` (combine a buffer over all ranks and
// give the result to all), `MPI_Bcast` (copy from one rank to all), `MPI_Barrier` and `MPI_Finalize`.
// `lib/Distributed/MpiCommunicator` binds exactly those, working in place on a CPU tensor's memory.

// Cell 5
var worker = Path.GetFullPath("../tools/Workbook.Distributed/bin/workbook-distributed.dll");
Console.WriteLine(MpiCommunicator.IsAvailable
    ? $"{MpiCommunicator.LibraryVersion}\nmpirun: {MpiLauncher.FindMpirun()}"
    : "Open MPI is not installed: run tools/setup.sh (apt-get install openmpi-bin libopenmpi-dev).");
Console.WriteLine($"worker: {DataParallelJob.CheckWorker(worker)}");
Console.WriteLine($"this machine: {Environment.ProcessorCount} cores");
var outputRoot = Path.GetFullPath("../artifacts/chapter-17");   // git-ignored; each run replaces its rank files
Console.WriteLine($"rank results go to {outputRoot}");

// The snippet's loop, transposed: start "rank 0" on its own and wait for it before starting rank 1. With MPI, a
// program started without `mpirun` is a job of one process (a *singleton*), so instead of hanging in a rendezvous it
// would silently train alone. The worker is told how many ranks to expect and stops with an explanation:

// Cell 7
var alone = MpiLauncher.RunSingle(DotnetHost.Executable,
    [worker, "train", "--mode", "mpi", "--expect-size", "2", "--out", Path.Combine(outputRoot, "alone")], TimeSpan.FromSeconds(60));
Console.WriteLine($"exit code {alone.ExitCode}: {alone.Error.Trim()}");

// ## One data-parallel step
//
// Every rank holds a full copy of the model. At start the worker seeds each rank *differently* on purpose, and
// `DataParallelTrainer` broadcasts rank 0's parameters, so all replicas start equal (as DDP's constructor does).
// Then, for every global batch of B rows, each rank:
//
// 1. takes its shard, rows ⌊r·B/N⌋ … ⌊(r+1)·B/N⌋ − 1;
// 2. computes the **sum** of per-row losses on it and back-propagates `sum / B`;
// 3. copies all its gradients (plus its loss sum) into one flat buffer, a *gradient bucket*, and sums it over the
//    ranks with **one** `MPI_Allreduce` — one call, not one per parameter, because every call costs a fixed latency;
// 4. writes the summed gradients back and takes the optimizer step — the same step on every rank, so the replicas
//    stay identical without ever sending parameters again;
// 5. checks that they really are identical: one more allreduce takes the element-wise max of (p, −p) over ranks,
//    which gives max and −min of every parameter; max − min must be exactly 0 everywhere.
//
// Why `sum / B` and not the mean over the shard? Summed over ranks, the gradients of Σ shard-loss / B are exactly the
// gradient of the mean loss over all B rows — what one process computes with batch B. Averaging the ranks' *means*
// gives the same only when all shards are equal; with B = 63 on 2 ranks (31 and 32 rows) it would weight the rows of
// the small shard more. (PyTorch's DDP averages the means: it assumes equal shards.)
//
// Each rank also runs with **one torch thread**: N ranks × a thread pool as wide as the machine would put 2N busy
// threads on 2 cores, and they would slow each other down.
//
// The worker trains the classic `SimpleModel` (20 → 64 → 64 → 2, ReLU, no dropout, no BatchNorm) with plain SGD on
// `make_classification` data, 60 steps of a global batch of 64. First the reference: one ordinary process, no MPI at
// all. Then the same settings under `mpirun` with 1, 2 and 4 processes (4 on 2 cores needs `--oversubscribe`).

// Cell 9
var settings = new DataParallelSettings(Steps: 60, GlobalBatch: 64, Samples: 2048, Features: 20, HiddenWidths: [64, 64], LearningRate: 0.1);
var timeout = TimeSpan.FromSeconds(90);
var reference = DataParallelJob.Run(worker, 1, settings, Path.Combine(outputRoot, "single"), timeout, useMpi: false);
var runs = new List<DataParallelRun>();
foreach (var n in new[] { 1, 2, 4 })
    runs.Add(DataParallelJob.Run(worker, n, settings, Path.Combine(outputRoot, $"mpi-{n}"), timeout));

foreach (var run in runs.Prepend(reference))
    Console.WriteLine($"{run.Label,-22} {run.Launch.Elapsed.TotalSeconds,5:F1} s  " +
                      $"{run.Launch.CommandText.Replace(worker, "workbook-distributed.dll")}");
Console.WriteLine();
Console.WriteLine("What rank 0 printed under mpirun -np 4 (the only rank that prints):");
Console.WriteLine(runs[^1].Launch.Output.Trim());

// The command line is what `MpiLauncher` builds: `-np N`, `--oversubscribe` only when N exceeds the cores, `--bind-to
// none` (do not pin ranks to cores on a shared machine), `--mca mpi_yield_when_idle 1` (a rank waiting in an
// allreduce gives its core away instead of spinning on it — right for a laptop, a little slower on a dedicated
// cluster), and, when running as root (containers, CI), the two `OMPI_ALLOW_RUN_AS_ROOT*` variables Open MPI insists
// on. The launcher runs the job in its own process group and kills the whole group — mpirun and every rank — if the
// timeout passes: a rank that dies while the others wait in an allreduce would otherwise hang the notebook forever.

// What a dying rank does to a job: the worker's `--fail 1:3` makes rank 1 throw before step 3, while rank 0 is
// already waiting for it in step 3's allreduce. The failing rank exits without `MPI_Finalize`, `mpirun` sees a
// non-zero exit and aborts the whole job, and the launcher returns its exit code and output (a rank stuck for another
// reason would be killed, with all its group, by the timeout).

// Cell 12
var dying = MpiLauncher.Run(new MpiLaunchOptions(2, DotnetHost.Executable,
    [worker, "train", "--mode", "mpi", "--out", Path.Combine(outputRoot, "dying"), "--steps", "10", "--fail", "1:3"], timeout));
Console.WriteLine($"exit code {dying.ExitCode} after {dying.Elapsed.TotalSeconds:F1} s");
Console.WriteLine(dying.Error.Split('\n').First(line => line.StartsWith("workbook-distributed")));

// ## Same training, N processes
//
// Each rank wrote a JSON file per run: loss, samples/s and parameter checksum for every step. The loss every rank
// reports is the global batch's (the allreduced sum / B), so all ranks of a run should draw the reference curve.

// Cell 14
var comparisons = runs.Select(run => (run, cmp: DataParallelComparison.Compare(reference, run))).ToList();
new Table(["run", "shard rows per rank", "max |Δ loss| vs 1 process", "max |Δ parameter| after 60 steps",
           "replicas identical after every step"],
    comparisons.Select(c => Table.Row(
        c.run.Label,
        string.Join(" / ", c.run.Ranks.Select(r => r.Steps[0].ShardRows)),
        c.cmp.MaxLossDifference.ToString("G3"),
        c.cmp.MaxParameterDifference.ToString("G3"),
        c.cmp.ReplicasIdenticalEveryStep ? $"yes ({c.run.Ranks.Count} ranks × {c.cmp.Steps} steps)" : "NO")),
    caption: "Data-parallel runs against the single-process reference (no MPI), same global batch of 64").Display();

// Cell 15
var curves = new List<(string, IReadOnlyList<double>)> { ("1 process, no MPI", reference.Root.Steps.Select(s => s.Loss).ToList()) };
foreach (var run in runs.Where(r => r.Processes > 1))
    foreach (var rank in run.Ranks)
        curves.Add(($"{run.Processes} processes, rank {rank.Rank}", rank.Steps.Select(s => s.Loss).ToList()));
Charts.Curves(curves, "step", "loss of the global batch", title: "Every rank of every run on the single-process curve").Display();

// Cell 16
var shardCurves = runs.Single(r => r.Processes == 4).Ranks
    .Select(rank => ($"rank {rank.Rank}: its shard of 16 rows", (IReadOnlyList<double>)rank.Steps.Select(s => s.ShardLoss).ToList()))
    .Append(("global batch (all ranks)", reference.Root.Steps.Select(s => s.Loss).ToList()));
Charts.Curves(shardCurves, "step", "loss", title: "4 processes: each rank's own shard loss is noisy; their average is the global loss").Display();

// Cell 17
var lossTolerance = 1e-5;
var parameterTolerance = 1e-5;
var worst = comparisons.Max(c => c.cmp.MaxLossDifference);
var allPass = comparisons.All(c => c.cmp.Within(lossTolerance, parameterTolerance));
Console.WriteLine($"Equivalence check: max |Δloss| = {worst:G3} over {settings.Steps} steps and all ranks of 1, 2 and 4 processes " +
                  $"(tolerance {lossTolerance:G}); parameters within {parameterTolerance:G}; replicas bit-identical after every step: " +
                  $"{comparisons.All(c => c.cmp.ReplicasIdenticalEveryStep)}. {(allPass ? "PASSED" : "FAILED")}");
if (!allPass) throw new Exception("The data-parallel runs do not reproduce single-process training (see the table above).");

// The curves lie on top of each other. They are not bit-identical to the reference because float addition is not
// associative: one process sums 64 per-row gradients in one reduction, two ranks sum 32 each and MPI adds the two
// results. Each step's rounding differs by a few units in the last place of float32 (≈6·10⁻⁸ relative), and over 60
// steps of SGD these stay at that level — hence a tolerance of 10⁻⁵, far below any difference that matters and far
// above rounding. Within one run, though, the ranks are *bit*-identical after every step: they all apply the same
// summed gradient to the same parameters.
//
// What would break the equivalence:
// - **BatchNorm** in training mode normalizes with the mean and variance of *the rows it sees*: 16 rows per rank
//   instead of 64, so each rank computes a different function (and its running statistics drift apart between ranks,
//   as buffers are not averaged). PyTorch's `SyncBatchNorm` allreduces the statistics inside the forward pass;
//   without it, BatchNorm models trained data-parallel behave like small-batch BatchNorm.
// - **Dropout** draws masks from each rank's own generator: different masks from the single-process run (still a
//   valid training, not the same one).
// - A sampler that is not the same on every rank: the shards overlap or miss rows, so a step's global batch is no
//   longer the single-process batch. The replicas still agree — every rank applies the same summed gradient — so the
//   replica check stays silent; what breaks is the match with the single-process curve (exercise 3).
// - A rank that skips a step: its collectives pair with the other ranks' next ones, so the sums mix two steps (the
//   replicas still agree), and the job cannot end cleanly — one rank waits for a call that never comes until the
//   launcher's timeout stops the job.
//
// ## Throughput on this machine
//
// Throughput is global rows per second, measured by rank 0 over the steps after a short warm-up (start-up, data
// creation and the replica check excluded). The run above used a tiny model: each step is a few hundred microseconds
// of arithmetic, the same order as the allreduce and the waits between ranks. A larger model (64 → 512 → 512 → 2,
// batch 1024) gives each rank real work per step. Replica checks are off for these runs (they add a second allreduce
// of all parameters per step).

// Cell 19
var big = new DataParallelSettings(Steps: 20, GlobalBatch: 1024, Samples: 8192, Features: 64, HiddenWidths: [512, 512], LearningRate: 0.05,
                                   CheckReplicas: false);
var bigRuns = new[] { 1, 2, 4 }.Select(n => DataParallelJob.Run(worker, n, big, Path.Combine(outputRoot, $"big-{n}"), timeout)).ToList();
var smallBase = runs[0].SamplesPerSecond;
var bigBase = bigRuns[0].SamplesPerSecond;
new Table(["processes", "small model, samples/s", "speed-up", "larger model, samples/s", "speed-up"],
    runs.Zip(bigRuns, (s, b) => Table.Row(
        s.Processes.ToString() + (s.Processes > Environment.ProcessorCount ? " (oversubscribed)" : ""),
        s.SamplesPerSecond.ToString("N0"), (s.SamplesPerSecond / smallBase).ToString("F2") + "×",
        b.SamplesPerSecond.ToString("N0"), (b.SamplesPerSecond / bigBase).ToString("F2") + "×")),
    caption: $"mpirun, 1 torch thread per rank, {Environment.ProcessorCount} cores (timings on a shared machine vary from run to run)").Display();

// Cell 20
Chart.Combine([
    Chart.Column<double, string, string>(runs.Select(r => r.SamplesPerSecond / smallBase).ToArray(),
        Keys: runs.Select(r => $"{r.Processes} proc").ToArray(), Name: "small model (5.6k parameters, batch 64)"),
    Chart.Column<double, string, string>(bigRuns.Select(r => r.SamplesPerSecond / bigBase).ToArray(),
        Keys: bigRuns.Select(r => $"{r.Processes} proc").ToArray(), Name: "larger model (300k parameters, batch 1024)")])
  .WithXAxisStyle<double, double, string>(TitleText: "processes (mpirun -np)")
  .WithYAxisStyle<double, double, string>(TitleText: "throughput relative to 1 process")
  .Titled("Speed-up of data-parallel training on this machine").Display();

// The same numbers in words, computed from this run (they differ from run to run on a shared machine; the reasoning
// below does not):

// Cell 22
double Speedup(List<DataParallelRun> set, int n) => set.Single(r => r.Processes == n).SamplesPerSecond / set[0].SamplesPerSecond;
Console.WriteLine($"2 processes: {Speedup(runs, 2):F2}× (small model), {Speedup(bigRuns, 2):F2}× (larger model); " +
                  $"the ceiling on {Environment.ProcessorCount} cores is {Math.Min(2, Environment.ProcessorCount)}×.");
Console.WriteLine($"4 processes: {Speedup(runs, 4):F2}× (small model), {Speedup(bigRuns, 4):F2}× (larger model); " +
                  $"4 ranks share {Environment.ProcessorCount} cores.");
Console.WriteLine(Speedup(bigRuns, 2) > Speedup(runs, 2)
    ? "The larger model scales better: more arithmetic per byte of gradient exchanged."
    : "This time the larger model did not scale better: on a busy machine the ranks' waits for CPU time dominate (see below).");
foreach (var (name, set) in new[] { ("small", runs), ("larger", bigRuns) })
    Console.WriteLine($"{name} model, 4 vs 2 processes: {Speedup(set, 4) / Speedup(set, 2):F2}× — " +
                      (Speedup(set, 4) > Speedup(set, 2) ? "4 came out ahead this time: with no more cores than 2, " +
                                                           "that is the 2-process run's bad luck, not a gain."
                                                         : "no faster, as expected with no more cores to use."));

// What two cores allow, honestly:
// - **2 processes** can at best double the throughput — one core each, and only if nothing else runs. A step is
//   compute (which splits) plus the allreduce and the wait for the slower rank (which do not). The small model's step
//   is a few hundred microseconds, the same order as those fixed costs, so it gains little or even loses. The larger
//   model's step is tens of milliseconds of matrix products against a 1.2 MB allreduce (well under a millisecond
//   through shared memory), so on an idle 2-core machine it gets much closer to 2×.
// - **4 processes on 2 cores** have no more cores to use than 2: the ranks take turns on the cores, and every
//   allreduce waits for the rank that was descheduled last. On an idle machine that makes them no faster than 2
//   processes, and usually slower; because waiting ranks yield their core instead of spinning, it does not collapse.
//   When a run shows 4 ahead of 2 (the lines above say), the 2-process run lost time to something else on the
//   machine.
// - **On a shared machine** (this project's CI, or a laptop with a browser open) any other busy process takes a core
//   away from one rank, and *every* rank then waits for it at the next allreduce: data parallelism amplifies
//   interference. The numbers above move by tens of percent between runs, and can even fall below 1×; the README
//   lists a run on a quiet machine. The equivalence of the curves does not move: it is arithmetic, not timing.
//
// On real hardware the same pattern holds at a larger scale: data parallelism pays when the compute per step is large
// compared with the time to allreduce the gradients (model size ÷ bandwidth, plus latency per call). That is why
// PyTorch's DDP groups gradients into ~25 MB buckets and starts each bucket's allreduce *during* the backward pass,
// as soon as its gradients are ready, so that communication overlaps with the rest of the computation. This chapter's
// trainer reduces one bucket after backward — simpler, and enough to show the mechanics.
//
// ## Across machines, and on GPUs
//
// The worker does not know how many machines it runs on. To use two machines with 4 cores each:
//
// ```
// # hosts
// node1 slots=4
// node2 slots=4
//
// mpirun --hostfile hosts -np 8 --mca btl tcp,self --bind-to none dotnet /opt/workbook/tools/Workbook.Distributed/bin/workbook-distributed.dll train --mode mpi --out /shared/run1
// ```
//
// `mpirun` starts the remote ranks over ssh (password-less keys between the nodes), so the same .NET runtime, the
// same worker path and Open MPI must exist on every host, and the output folder should be shared (or each host keeps
// the files of its ranks). `--mca btl tcp,self` chooses TCP between machines (InfiniBand is picked automatically
// where present); ranks on the same host still talk through shared memory when `vader` is allowed. From C#,
// `MpiLauncher.Run(new MpiLaunchOptions(8, "dotnet", [...], timeout, Hostfile: "hosts"))` builds that command.
//
// How this maps to PyTorch on GPUs:
//
// | PyTorch | here |
// |---|---|
// | `torchrun` / `mp.spawn` starts one process per GPU | `mpirun -np N` starts one process per rank |
// | `init_process_group(backend="nccl")`, rank, world size | `MpiCommunicator.Initialize()`, `Rank`, `Size` |
// | `DistributedSampler` + `set_epoch` | `GlobalBatchSampler` (same on all ranks, new order per epoch) + `BatchShard` |
// | `DDP(model)`: broadcast parameters from rank 0 | `ParameterSync.BroadcastFromRoot` in the `DataParallelTrainer` constructor |
// | gradient buckets allreduced by NCCL (ring/tree over NVLink, InfiniBand) during backward | one bucket allreduced by Open MPI over shared memory/TCP after backward |
// | `SyncBatchNorm` | not provided (no BatchNorm in the equivalence run) |
//
// What is **not** done here: GPUs. The binding hands MPI the address of a CPU tensor's memory; a CUDA tensor's memory
// lives on the device, so the binding refuses it with a message. To train on several GPUs from TorchSharp you would
// either pass CUDA pointers to a *CUDA-aware* Open MPI build (Debian's is not one), or bind NCCL's `ncclAllReduce`
// the same way this chapter binds `MPI_Allreduce` (NCCL needs its unique id shared across ranks, which MPI's
// broadcast can do). Everything else — shards, buckets, the sum/B weighting, the replica check — stays as is.
//
// ## Exercises
//
// 1. Set `GlobalBatch: 63` in `settings` and rerun with 2 and 4 processes. Check the shard sizes in the table and
//    that the curves still match. Then change the trainer's weighting in your head to "mean of the shard means": by
//    how much would each row's weight change on 4 ranks?
//    <details><summary>Solution</summary>
//
//    `DataParallelJob.Run(worker, 2, settings with { GlobalBatch = 63 }, …)` and the same with 4. Rank r takes rows
//    ⌊r·63/N⌋ … ⌊(r+1)·63/N⌋ − 1: shards of 31 / 32 on 2 ranks, 15 / 16 / 16 / 16 on 4, and the curves still lie on
//    the single-process one, because every row weighs 1/63 whatever its shard. The mean of the 4 shard means gives a
//    row of a shard of s rows the weight 1/(4s): 1/60 in the 15-row shard (5 % more than 1/63) and 1/64 in the others
//    (about 1.6 % less).
//    </details>
// 2. Train with `HiddenWidths: [64, 64]` but 2 torch threads per rank (`Threads: 2`) on 2 processes. What happens to
//    throughput, and why?
//    <details><summary>Hint</summary>
//
//    `DataParallelJob.Run(worker, 2, settings with { Threads = 2 }, Path.Combine(outputRoot, "threads-2"), timeout)`
//    and compare `SamplesPerSecond` with the 2-process run above. Two ranks with two threads each ask for four busy
//    threads on two cores, and the small model's matrices are too small for threads to pay: splitting an operation
//    costs synchronisation of the same order as the work. So expect no gain, more likely a loss, with the extra
//    threads competing with the other rank for the cores.
//    </details>
// 3. Give each rank a *different* sampler seed (edit the worker, or pass each rank its own `--seed` through an
//    `mpirun` appfile). What does the replica check report, and at which step?
//    <details><summary>Hint</summary>
//
//    Without editing the worker, `mpirun` starts different commands with `:`: `mpirun -np 1 dotnet <worker> train
//    --mode mpi --out DIR --seed 11 : -np 1 dotnet <worker> … --seed 12` (the seed also changes that rank's data; to
//    change only the batches, give the worker's `GlobalBatchSampler` the seed `settings.Seed + communicator.Rank`).
//    Before you run it, reason it out: after the allreduce every rank applies the *same* summed gradient to the same
//    broadcast parameters, so the replicas stay identical and the replica check reports agreement after every step.
//    What breaks is the equivalence with one process: the global batch is no longer the reference's, so
//    `DataParallelComparison.Compare` shows a loss difference from step 1 on.
//    </details>
// 4. Build a `SimpleModel` with `Normalization.BatchNorm` in the worker and compare 1 and 4 processes. Which numbers
//    diverge first, and how would SyncBatchNorm fix it?
//    <details><summary>Hint</summary>
//
//    In `tools/Workbook.Distributed/TrainCommand.cs` add `Normalization: Normalization.BatchNorm` to the
//    `SimpleModelOptions`, rebuild (`dotnet build tools/Workbook.Distributed`), and run 1 and 4 processes. One
//    process normalises all 64 rows, as the reference does, and matches it; four normalise 16 rows each, so the first
//    forward pass already computes different activations: the loss differs at step 1, the parameters from the first
//    update on. The running statistics (buffers, not parameters) also drift apart between ranks. SyncBatchNorm
//    combines each unit's count, sum and sum of squares over all ranks inside the forward pass, so every rank
//    normalises with the global batch's statistics, and combines the matching gradient terms in the backward pass.
//    </details>
// 5. Time the allreduce alone: start 2 ranks and reduce a tensor of 10⁴, 10⁶ and 10⁷ floats. Fit latency +
//    size/bandwidth.
//    <details><summary>Hint</summary>
//
//    Add a subcommand to the worker, next to `collectives`: `MpiCommunicator.Initialize()`, a `torch.ones(n)` tensor,
//    a `Barrier()`, then time `AllReduce(tensor)` with a `Stopwatch` over a few dozen repetitions after a warm-up,
//    and write the medians from rank 0. Launch it with `MpiLauncher.Run(new MpiLaunchOptions(2,
//    DotnetHost.Executable, [worker, "your-command", …], timeout))`. Fit t(n) = α + 4n / β (4 bytes per float) by
//    least squares: the largest size pins the bandwidth β; through shared memory even 10⁴ floats may take longer than
//    the latency α, so add a size of 1 or 10 floats to see α on its own.
//    </details>
//
// ## Playground

// Cell 24
// Your experiments here: worker, settings, reference, runs, bigRuns and outputRoot are defined.
// For example, 3 processes with an odd global batch (shards of 20, 20 and 21 rows):
//   var three = DataParallelJob.Run(worker, 3, settings with { GlobalBatch = 61 }, Path.Combine(outputRoot, "three"), timeout);
// Below: the first steps of the 2-process run as both ranks saw them.
var pairRun = runs.Single(r => r.Processes == 2);
new Table(["step", "global loss", "rank 0 shard loss", "rank 1 shard loss", "checksum bits, rank 0 / rank 1", "spread"],
    Enumerable.Range(0, 5).Select(i => Table.Row(
        (i + 1).ToString(), pairRun.Ranks[0].Steps[i].Loss.ToString("F6"),
        pairRun.Ranks[0].Steps[i].ShardLoss.ToString("F6"), pairRun.Ranks[1].Steps[i].ShardLoss.ToString("F6"),
        $"{BitConverter.DoubleToInt64Bits(pairRun.Ranks[0].Steps[i].Checksum):X16} / " +
        $"{BitConverter.DoubleToInt64Bits(pairRun.Ranks[1].Steps[i].Checksum):X16}", pairRun.Ranks[1].Steps[i].MaxSpread.ToString()))).Display();

// --- **Previous:** [16 · Knowledge distillation](16-knowledge-distillation.ipynb) · **Next:** this is the last
// chapter — [back to the chapter list](../README.md#chapters)
