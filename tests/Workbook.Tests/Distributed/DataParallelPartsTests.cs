using TorchSharp;
using Workbook.Distributed;
using Workbook.Models;
using static TorchSharp.torch;

namespace Workbook.Tests.Distributed;

/// <summary>
/// The pieces of data-parallel training that need no second process: sharding, the gradient bucket, the parameter
/// broadcast and replica check over one rank, the sampler, and the trainer reproducing plain SGD exactly. These run in
/// the test host, which therefore never initializes MPI (MPI_Init may run once per process; jobs run in children).
/// </summary>
[Collection(SerialCollection.Name)] // seeds TorchSharp's global generator
public class DataParallelPartsTests
{
    static DataParallelPartsTests() => torch.InitializeDeviceType(DeviceType.CPU);

    [Theory]
    [InlineData(64, 2)]
    [InlineData(63, 2)]
    [InlineData(10, 4)]
    [InlineData(3, 4)]
    [InlineData(1000, 7)]
    public void Shards_are_contiguous_disjoint_cover_the_batch_and_differ_by_at_most_one_row(int batch, int size)
    {
        var shards = Enumerable.Range(0, size).Select(r => BatchShard.Of(batch, r, size)).ToArray();
        Assert.Equal(0, shards[0].Start);
        for (var r = 1; r < size; r++)
            Assert.Equal(shards[r - 1].Start + shards[r - 1].Count, shards[r].Start);
        Assert.Equal(batch, shards.Sum(s => s.Count));
        Assert.True(shards.Max(s => s.Count) - shards.Min(s => s.Count) <= 1);
    }

    [Fact]
    public void Shard_rejects_a_rank_outside_the_job()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => BatchShard.Of(64, 2, 2));
        Assert.Contains("0 … 1", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchShard.Of(64, 0, 0));
    }

    [Fact]
    public void Communicator_rejects_tensors_MPI_cannot_read_in_place_and_says_how_to_fix_them()
    {
        var single = new SingleProcessCommunicator();
        Assert.Contains("dtype Int64", Assert.Throws<ArgumentException>(() => single.AllReduce(tensor(new long[] { 1, 2 }))).Message);
        Assert.Contains(".cpu()", Assert.Throws<ArgumentException>(() => single.AllReduce(empty(3, device: META))).Message);
        var strided = Assert.Throws<ArgumentException>(() => single.Broadcast(ones(3, 4).t()));
        Assert.Contains("not contiguous", strided.Message);
        Assert.Contains("[4, 3]", strided.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => single.Broadcast(ones(2), root: 1));
        using var t = tensor(new[] { 1.5f, -2f });
        single.AllReduce(t, ReduceOperation.Max); // one rank: the identity
        Assert.Equal(new[] { 1.5f, -2f }, t.data<float>().ToArray());
    }

    [Fact]
    public void Gradient_bucket_round_trips_every_gradient_and_carries_the_extras()
    {
        manual_seed(1);
        using var model = new SimpleModel(new SimpleModelOptions(Inputs: 4, HiddenWidths: [3]));
        nn.functional.cross_entropy(model.call(randn(5, 4)), tensor(new long[] { 0, 1, 1, 0, 1 })).backward();
        var before = model.parameters().Select(p => p.grad!.clone()).ToArray();
        using var bucket = new GradientBucket(model, extraValues: 2);
        Assert.Equal(4 * 3 + 3 + 3 * 2 + 2, bucket.GradientElements);

        var extras = bucket.AllReduceSum(new SingleProcessCommunicator(), 2.5, -1);

        Assert.Equal(new[] { 2.5, -1.0 }, extras);
        foreach (var (p, g) in model.parameters().Zip(before))
            Assert.True(p.grad!.allclose(g, rtol: 0, atol: 0));
        Assert.Equal(before[0].reshape(-1).data<float>().ToArray(), bucket.Buffer.narrow(0, 0, 12).data<float>().ToArray());
    }

    [Fact]
    public void Gradient_bucket_names_a_parameter_without_gradient()
    {
        using var model = new SimpleModel(new SimpleModelOptions(Inputs: 4, HiddenWidths: [3]));
        using var bucket = new GradientBucket(model);
        var e = Assert.Throws<InvalidOperationException>(() => bucket.AllReduceSum(new SingleProcessCommunicator()));
        Assert.Contains("layers.fc1.weight", e.Message);
    }

    [Fact]
    public void Trainer_over_one_process_equals_plain_SGD_on_the_mean_loss()
    {
        manual_seed(3);
        var x = randn(32, 6);
        var y = randint(0, 2, 32);
        manual_seed(7);
        using var reference = new SimpleModel(new SimpleModelOptions(Inputs: 6, HiddenWidths: [8]));
        manual_seed(7);
        using var model = new SimpleModel(new SimpleModelOptions(Inputs: 6, HiddenWidths: [8]));
        using var plainSgd = optim.SGD(reference.parameters(), 0.1);
        using var sgd = optim.SGD(model.parameters(), 0.1);
        using var trainer = new DataParallelTrainer(model, sgd, new SingleProcessCommunicator());

        for (var step = 0; step < 5; step++)
        {
            plainSgd.zero_grad();
            var loss = nn.functional.cross_entropy(reference.call(x), y);
            loss.backward();
            plainSgd.step();
            var result = trainer.Step(x, y);
            Assert.Equal(loss.item<float>(), result.Loss, 5e-7);
            Assert.Equal(0, result.MaxSpread);
            Assert.Equal(32, result.ShardRows);
        }
        var difference = ReplicaAgreement.Parameters(reference).Zip(ReplicaAgreement.Parameters(model), (a, b) => Math.Abs(a - b)).Max();
        Assert.True(difference < 1e-6, $"parameters differ by {difference}");
    }

    [Fact]
    public void Trainer_rejects_mismatched_rows()
    {
        using var model = new SimpleModel(new SimpleModelOptions(Inputs: 2, HiddenWidths: [2]));
        using var sgd = optim.SGD(model.parameters(), 0.1);
        using var trainer = new DataParallelTrainer(model, sgd, new SingleProcessCommunicator());
        var e = Assert.Throws<ArgumentException>(() => trainer.Step(randn(4, 2), randint(0, 2, 3)));
        Assert.Contains("same number of rows", e.Message);
    }

    [Fact]
    public void Sampler_gives_every_rank_the_same_batches_and_a_new_order_each_epoch()
    {
        var a = new GlobalBatchSampler(100, 10, seed: 5);
        var b = new GlobalBatchSampler(100, 10, seed: 5);
        Assert.Equal(a.Batch(3), b.Batch(3));
        var epoch0 = Enumerable.Range(0, 10).SelectMany(a.Batch).ToArray();
        var epoch1 = Enumerable.Range(10, 10).SelectMany(a.Batch).ToArray();
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), epoch0.Order()); // each row once per epoch
        Assert.NotEqual(epoch0, epoch1); // set_epoch: a new order
        Assert.NotEqual(a.Batch(0), new GlobalBatchSampler(100, 10, seed: 6).Batch(0));
    }

    [Fact]
    public void Settings_travel_as_arguments_and_reject_bad_values_by_name()
    {
        var settings = new DataParallelSettings(
            Steps: 7,
            GlobalBatch: 63,
            HiddenWidths: [5, 4],
            LearningRate: 0.05,
            CheckReplicas: false,
            WarmupSteps: 2
        );
        var parsed = DataParallelSettings.Parse([.. settings.ToArguments(), "--out", "x"], out var rest);
        Assert.Equal(["--out", "x"], rest);
        Assert.Equal(settings with { HiddenWidths = null }, parsed with { HiddenWidths = null });
        Assert.Equal([5, 4], parsed.Widths);
        Assert.Contains("--lr", Assert.Throws<ArgumentException>(() => DataParallelSettings.Parse(["--lr", "fast"], out _)).Message);
        Assert.Equal(
            "Samples",
            Assert.Throws<ArgumentOutOfRangeException>(() => new DataParallelSettings(GlobalBatch: 64, Samples: 10).Validate()).ParamName
        );
    }

    [Fact]
    public void Rank_results_round_trip_and_missing_or_stale_ranks_are_named()
    {
        using var folder = new TempFolder();
        var step = new DataParallelStep(1, 0.5, 0.4, 32, 0.01, 6400, 12.5, 0);
        var result = new RankResult(0, 2, "host", 1, "mpi", 1, new DataParallelSettings(), [step], 6400, 1.0, [1.0, 2.0]);
        result.Write(folder.Path);
        var missing = Assert.Throws<FileNotFoundException>(() => RankResult.ReadAll(folder.Path, 2));
        Assert.Contains("rank-1.json", missing.Message);
        (result with { Rank = 1, FinalParameters = null, Size = 3 }).Write(folder.Path);
        Assert.Contains("rank 1 of 3", Assert.Throws<InvalidDataException>(() => RankResult.ReadAll(folder.Path, 2)).Message);
        (result with { Rank = 1 }).Write(folder.Path);
        var back = RankResult.ReadAll(folder.Path, 2);
        Assert.Equal(step, back[0].Steps[0]);
        Assert.Equal([1.0, 2.0], back[0].FinalParameters!);
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp"));
    }
}
