namespace Workbook.Distributed;

/// <summary>What one data-parallel training step did on one rank.</summary>
/// <param name="Step">Step number, from 1.</param>
/// <param name="Loss">Mean loss over the whole global batch (all ranks' shards): the same on every rank, and the number single-process training reports.</param>
/// <param name="ShardLoss">Mean loss over this rank's shard only (NaN for an empty shard).</param>
/// <param name="ShardRows">Rows of the global batch this rank trained on.</param>
/// <param name="Seconds">Wall time of the step on this rank, forward to optimizer step (the replica check excluded).</param>
/// <param name="SamplesPerSecond">Global batch rows per second of <see cref="Seconds"/>: the job's throughput as this rank saw it.</param>
/// <param name="Checksum">Sum of this rank's parameters after the step (float64); NaN when the replica check did not run.</param>
/// <param name="MaxSpread">Largest difference of any parameter between ranks after the step (0 = identical); NaN when not checked.</param>
public sealed record DataParallelStep(int Step, double Loss, double ShardLoss, int ShardRows, double Seconds, double SamplesPerSecond, double Checksum, double MaxSpread);
