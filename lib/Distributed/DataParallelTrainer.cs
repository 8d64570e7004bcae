using System.Diagnostics;
using static TorchSharp.torch;

namespace Workbook.Distributed;

/// <summary>
/// Synchronous data-parallel training over the ranks of an <see cref="ICommunicator"/>, the scheme of PyTorch's
/// DistributedDataParallel: every rank holds a full copy of the model (made identical by a broadcast from rank 0 at
/// construction), takes its <see cref="BatchShard"/> of each global batch, computes gradients on it, and the gradients
/// are summed over ranks with one allreduce (<see cref="GradientBucket"/>) before each rank applies the same optimizer
/// step — so the replicas stay identical without ever sending parameters again.
/// Introduced with chapter 17.
/// </summary>
/// <remarks>
/// The loss function must return the <b>sum</b> of per-row losses. The trainer divides it by the global batch size B
/// before backward, so the summed gradients equal the gradient of the mean loss over all B rows — exactly what one
/// process computes with batch B, even when the ranks' shards differ in size. Only the order of floating-point
/// additions differs, so results agree within rounding, not bit for bit.
/// Layers whose forward pass depends on the batch (BatchNorm in training mode) break this equivalence: each rank
/// normalizes with its shard's statistics, not the global batch's (PyTorch's SyncBatchNorm allreduces them). Dropout
/// draws different masks per rank. Use neither when the runs must match.
/// </remarks>
public sealed class DataParallelTrainer : IDisposable
{
    private readonly nn.Module<Tensor, Tensor> model;
    private readonly optim.Optimizer optimizer;
    private readonly ICommunicator communicator;
    private readonly Func<Tensor, Tensor, Tensor> summedLoss;
    private readonly GradientBucket bucket;
    private int step;

    /// <summary>
    /// Prepares data-parallel training of <paramref name="model"/> and broadcasts its parameters and buffers from rank 0
    /// (a collective: every rank constructs its trainer at the same point).
    /// </summary>
    /// <param name="model">This rank's replica (CPU).</param>
    /// <param name="optimizer">The optimizer over <paramref name="model"/>'s parameters; must be deterministic given the gradients (SGD,
    /// Adam, …).</param>
    /// <param name="communicator">The job: an <see cref="MpiCommunicator"/>, or a <see cref="SingleProcessCommunicator"/> for ordinary
    /// training.</param>
    /// <param name="summedLoss">(outputs, targets) → the <b>sum</b> of per-row losses; null for cross-entropy over class indices.</param>
    /// <param name="checkReplicas">Run <see cref="ReplicaAgreement.Check"/> after every step and fail if the replicas differ.</param>
    public DataParallelTrainer(
        nn.Module<Tensor, Tensor> model,
        optim.Optimizer optimizer,
        ICommunicator communicator,
        Func<Tensor, Tensor, Tensor>? summedLoss = null,
        bool checkReplicas = true
    )
    {
        this.model = model ?? throw new ArgumentNullException(nameof(model));
        this.optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        this.communicator = communicator ?? throw new ArgumentNullException(nameof(communicator));
        this.summedLoss = summedLoss ?? ((outputs, targets) => nn.functional.cross_entropy(outputs, targets, reduction: nn.Reduction.Sum));
        CheckReplicas = checkReplicas;
        ParameterSync.BroadcastFromRoot(model, communicator);
        bucket = new GradientBucket(model, extraValues: 1);
    }

    /// <summary>Whether each step ends with the exact replica check.</summary>
    public bool CheckReplicas { get; }

    /// <summary>Steps taken so far.</summary>
    public int StepsTaken => step;

    /// <summary>
    /// One synchronous step on a global batch. Every rank passes the same <paramref name="globalFeatures"/> and
    /// <paramref name="globalTargets"/> (e.g. from the same seeded sampler) and trains on its shard of the rows.
    /// </summary>
    /// <exception cref="ArgumentException">Features and targets disagree in rows, or the batch is empty.</exception>
    /// <exception cref="InvalidOperationException">After the step the replicas differ (only with <see cref="CheckReplicas"/>), or the loss
    /// is not finite.</exception>
    public DataParallelStep Step(Tensor globalFeatures, Tensor globalTargets)
    {
        ArgumentNullException.ThrowIfNull(globalFeatures);
        ArgumentNullException.ThrowIfNull(globalTargets);
        if (globalFeatures.dim() < 1 || globalTargets.dim() < 1 || globalFeatures.shape[0] != globalTargets.shape[0])
            throw new ArgumentException(
                $"Features [{string.Join(", ", globalFeatures.shape)}] and targets [{string.Join(", ", globalTargets.shape)}] must "
                    + "have the same number of rows.",
                nameof(globalTargets)
            );
        var globalBatch = (int)globalFeatures.shape[0];
        if (globalBatch == 0)
            throw new ArgumentException("The global batch is empty.", nameof(globalFeatures));

        using var scope = NewDisposeScope();
        var shard = BatchShard.Of(globalBatch, communicator.Rank, communicator.Size);
        var clock = Stopwatch.StartNew();
        model.train();
        optimizer.zero_grad();
        var features = globalFeatures.narrow(0, shard.Start, shard.Count);
        var targets = globalTargets.narrow(0, shard.Start, shard.Count);
        var lossSum = summedLoss(model.call(features), targets);
        if (lossSum.numel() != 1)
            throw new InvalidOperationException(
                $"The loss function returned shape [{string.Join(", ", lossSum.shape)}]; "
                    + "it must return one number, the sum of per-row losses."
            );
        (lossSum / globalBatch).backward();
        var localSum = lossSum.to(ScalarType.Float64).item<double>();
        var globalSum = bucket.AllReduceSum(communicator, localSum)[0];
        optimizer.step();
        clock.Stop();

        var loss = globalSum / globalBatch;
        if (!double.IsFinite(loss))
            throw new InvalidOperationException($"Step {step + 1}: the loss is {loss}; lower the learning rate.");
        step++;
        var seconds = clock.Elapsed.TotalSeconds;
        double checksum = double.NaN,
            spread = double.NaN;
        if (CheckReplicas)
        {
            var agreement = ReplicaAgreement.Check(model, communicator);
            if (!agreement.IsIdentical)
                throw new InvalidOperationException(
                    $"Step {step}: parameters differ between ranks by up to {agreement.MaxSpread:G6} on rank {communicator.Rank}; "
                        + "the replicas diverged (a rank trained on different data or skipped a collective)."
                );
            checksum = agreement.Checksum;
            spread = agreement.MaxSpread;
        }
        return new DataParallelStep(
            step,
            loss,
            shard.Count > 0 ? localSum / shard.Count : double.NaN,
            shard.Count,
            seconds,
            globalBatch / seconds,
            checksum,
            spread
        );
    }

    /// <summary>Frees the gradient bucket (the model and optimizer belong to the caller).</summary>
    public void Dispose() => bucket.Dispose();
}

/// <summary>What one data-parallel training step did on one rank. Introduced with chapter 17.</summary>
/// <param name="Step">Step number, from 1.</param>
/// <param name="Loss">Mean loss over the whole global batch (all ranks' shards): the same on every rank, and the number single-process
/// training reports.</param>
/// <param name="ShardLoss">Mean loss over this rank's shard only (NaN for an empty shard).</param>
/// <param name="ShardRows">Rows of the global batch this rank trained on.</param>
/// <param name="Seconds">Wall time of the step on this rank, forward to optimizer step (the replica check excluded).</param>
/// <param name="SamplesPerSecond">Global batch rows per second of <see cref="Seconds"/>: the job's throughput as this rank saw it.</param>
/// <param name="Checksum">Sum of this rank's parameters after the step (float64); NaN when the replica check did not run.</param>
/// <param name="MaxSpread">Largest difference of any parameter between ranks after the step (0 = identical); NaN when not checked.</param>
public sealed record DataParallelStep(
    int Step,
    double Loss,
    double ShardLoss,
    int ShardRows,
    double Seconds,
    double SamplesPerSecond,
    double Checksum,
    double MaxSpread
);
