using TorchSharp;
using Workbook.Data;
using Workbook.Multimodal;
using static TorchSharp.torch;

namespace Workbook.Tests.Multimodal;

/// <summary>Training leaves the held-out classes out and lowers the loss; zero-shot accuracy and retrieval read embeddings
/// correctly.</summary>
[Collection(SerialCollection.Name)] // seeds TorchSharp's global generator
public class ClipTrainingTests
{
    static ClipTrainingTests() => InitializeDeviceType(DeviceType.CPU);

    // Ten classes of 28×28 images, each class a bright horizontal band at its own height, so a few steps can learn them.
    private static ImageDataset Bands(int perClass)
    {
        var labels = Enumerable.Range(0, 10 * perClass).Select(i => i % 10).ToArray();
        var pixels = new byte[labels.Length * 784];
        var random = new Random(4);
        for (var i = 0; i < labels.Length; i++)
        for (var p = 0; p < 784; p++)
            pixels[i * 784 + p] = (byte)(p / 28 / 3 == labels[i] ? 200 + random.Next(56) : random.Next(40));
        return new ImageDataset("bands", pixels, labels, 1, 28, 28, FashionMnist.ClassNames);
    }

    [Fact]
    public void Training_uses_only_the_trained_classes_and_lowers_the_loss()
    {
        torch.manual_seed(5);
        var captions = CaptionSet.Load();
        var model = ClipModelTests.Tiny();
        var options = new ClipTrainingOptions(Steps: 60, BatchSize: 24, LearningRate: 3e-3);
        var tokenizer = CaptionTokenizer.FromCaptions(captions.Captions);
        var steps = 0;
        var result = ClipTraining.Train(model, Bands(20), captions, tokenizer, options, (_, _) => steps++);
        Assert.Equal(60, steps);
        Assert.Equal(60, result.Losses.Count);
        Assert.Equal(ClipTrainingOptions.DefaultHeldOutClasses, result.HeldOutClasses);
        Assert.Equal([0, 1, 3, 4, 5, 6, 7, 8], result.TrainedClasses);
        Assert.Equal(8 * 20, result.TrainingImages); // no image of a held-out class in the pool
        var early = result.Losses.Take(10).Average();
        var late = result.Losses.TakeLast(10).Average();
        Assert.True(late < early * 0.7, $"the loss should fall on images this easy: {early:F3} → {late:F3}");
        Assert.False(model.training);

        var embeddings = ClipEmbeddings.Compute(model, Bands(5), captions, tokenizer, batchSize: 16);
        Assert.Equal([50L, 16], embeddings.Images.shape);
        Assert.Equal([60L, 16], embeddings.Captions.shape);
        var report = embeddings.ZeroShot(result.HeldOutClasses.ToArray());
        Assert.True(report.TrainedAccuracy > 0.5, $"trained-class accuracy {report.TrainedAccuracy:P0} on learnable bands");
        Assert.Equal(50, report.Confusion.Cast<int>().Sum());
    }

    [Fact]
    public void Plain_infonce_and_grouped_positives_score_the_same_first_batch_differently()
    {
        // Same weights, same batch, so the same logits: only the targets differ (the image's own caption, or every caption of its class).
        var captions = CaptionSet.Load();
        var tokenizer = CaptionTokenizer.FromCaptions(captions.Captions);
        double FirstLoss(bool grouped)
        {
            torch.manual_seed(6);
            var model = ClipModelTests.Tiny();
            return ClipTraining
                .Train(model, Bands(10), captions, tokenizer, new ClipTrainingOptions(Steps: 1, BatchSize: 32, SameClassPositives: grouped))
                .Losses[0];
        }
        var (plain, grouped) = (FirstLoss(false), FirstLoss(true));
        Assert.True(
            Math.Abs(plain - grouped) > 1e-4,
            $"plain InfoNCE {plain:F6} and the grouped loss {grouped:F6} should differ on a batch with repeated classes"
        );
    }

    [Fact]
    public void Zero_shot_and_retrieval_read_hand_made_embeddings()
    {
        // Two classes' worth of captions on three axes: class 0's captions point along x, class 1's along y, the others along z.
        var captions = CaptionSet.Load();
        var rows = captions
            .Labels.Select(k =>
                k == 0 ? new[] { 1f, 0, 0 }
                : k == 1 ? new[] { 0f, 1, 0 }
                : new[] { 0f, 0, 1 }
            )
            .SelectMany(r => r)
            .ToArray();
        var captionEmbeddings = tensor(rows, [captions.Captions.Count, 3]);
        // Images: a class-0 image near x, a class-1 image near y (held out), a class-1 image near x (wrong), a class-2 image near z.
        var images = nn.functional.normalize(tensor(new[] { 1f, 0.1f, 0, 0.1f, 1, 0, 1, 0.2f, 0.1f, 0, 0.1f, 1 }, [4, 3]), p: 2, dim: 1);
        var embeddings = ClipEmbeddings.FromTensors(images, [0, 1, 1, 2], captionEmbeddings, captions);
        var report = embeddings.ZeroShot([1]);
        Assert.Equal(1.0, report.TrainedAccuracy); // images 0 and 3
        Assert.Equal(0.5, report.HeldOutAccuracy); // image 1 right, image 2 taken for class 0
        Assert.Equal(1.0, report.HeldOutAmongHeldOutAccuracy); // among class 1's captions only, both are class 1
        Assert.Equal((0.1, 1.0), (report.Chance, report.HeldOutChance));
        Assert.Equal(1, report.Confusion[1, 0]);
        Assert.All(embeddings.NearestCaptions(0, 3), c => Assert.Equal(0, c.Caption.Label));
        Assert.Equal(1.0, embeddings.NearestCaptions(3, 1)[0].Similarity, 2);
        Assert.Equal([1, 3], embeddings.NearestImages(tensor(new[] { 0f, 0.6f, 0.8f }), 2).Order());
        Assert.Contains(
            "[60, 3]",
            Assert
                .Throws<ArgumentException>(() => ClipEmbeddings.FromTensors(images, [0, 1, 1, 2], captionEmbeddings[..5], captions))
                .Message
        );
        Assert.Contains(
            "[3, d]",
            Assert.Throws<ArgumentException>(() => ClipEmbeddings.FromTensors(images, [0, 1, 1], captionEmbeddings, captions)).Message
        );
        Assert.Throws<ArgumentException>(() => embeddings.ZeroShot([]));
    }

    [Fact]
    public void Options_out_of_range_and_mismatched_classes_are_refused()
    {
        var captions = CaptionSet.Load();
        var tokenizer = CaptionTokenizer.FromCaptions(captions.Captions);
        Assert.Contains(
            "0..9",
            Assert.Throws<ArgumentOutOfRangeException>(() => new ClipTrainingOptions(HeldOutClasses: [10]).Validate(10)).Message
        );
        Assert.Contains(
            "fewer than two",
            Assert
                .Throws<ArgumentOutOfRangeException>(() =>
                    new ClipTrainingOptions(HeldOutClasses: [0, 1, 2, 3, 4, 5, 6, 7, 8]).Validate(10)
                )
                .Message
        );
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClipTrainingOptions(BatchSize: 1).Validate(10));
        var digits = new ImageDataset("other", new byte[784 * 2], [0, 1], 1, 28, 28, ["a", "b"]);
        Assert.Contains(
            "the captions describe",
            Assert.Throws<ArgumentException>(() => ClipTraining.Train(ClipModelTests.Tiny(), digits, captions, tokenizer)).Message
        );
    }
}
