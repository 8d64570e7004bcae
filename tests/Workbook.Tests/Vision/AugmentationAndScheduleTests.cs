using TorchSharp;
using Workbook.Vision;
using static TorchSharp.torch;

namespace Workbook.Tests.Vision;

public sealed class AugmentationAndScheduleTests
{
    static AugmentationAndScheduleTests() => torch.InitializeDeviceType(DeviceType.CPU);

    [Fact]
    public void Padded_crop_is_the_image_shifted_by_at_most_the_padding()
    {
        using var image = arange(1, 26, dtype: ScalarType.Float32).reshape(1, 5, 5);
        var crop = new RandomPaddedCrop(2);
        var offsets = new HashSet<(int, int)>();
        torch.manual_seed(0);
        for (var trial = 0; trial < 60; trial++)
        {
            using var cropped = crop.Apply(image);
            Assert.Equal([1L, 5, 5], cropped.shape);
            // Find the shift: the output is the zero-padded image read from (top, left).
            var found = false;
            using var padded = nn.functional.pad(image, [2, 2, 2, 2]);
            for (var top = 0; top <= 4 && !found; top++)
            for (var left = 0; left <= 4 && !found; left++)
                if (padded[.., top..(top + 5), left..(left + 5)].allclose(cropped, rtol: 0, atol: 0))
                {
                    offsets.Add((top, left));
                    found = true;
                }
            Assert.True(found, "the crop is a 5×5 window of the padded image");
        }
        Assert.True(offsets.Count > 10, $"the offsets vary ({offsets.Count} distinct in 60 crops)");
        using var same = new RandomPaddedCrop(0).Apply(image);
        Assert.True(same.allclose(image, rtol: 0, atol: 0));
    }

    [Fact]
    public void Training_augmentation_changes_batches_in_training_only()
    {
        using var layer = new TrainingAugmentation(image => image.flip(-1));
        using var batch = arange(8, dtype: ScalarType.Float32).reshape(2, 1, 2, 2);
        layer.train();
        using (var augmented = layer.call(batch))
            Assert.True(augmented.allclose(batch.flip(-1), rtol: 0, atol: 0));
        layer.eval();
        using (var passed = layer.call(batch))
            Assert.True(passed.allclose(batch, rtol: 0, atol: 0));
    }

    [Fact]
    public void Torchvision_transforms_compose_into_the_augmentation()
    {
        var flip = torchvision.transforms.RandomHorizontalFlip(1.0);
        var rotate = torchvision.transforms.RandomRotation(10);
        var crop = new RandomPaddedCrop(2);
        using var layer = new TrainingAugmentation(image => rotate.call(flip.call(crop.Apply(image))));
        using var batch = rand(4, 1, 28, 28);
        using var augmented = layer.call(batch);
        Assert.Equal(batch.shape, augmented.shape);
        Assert.False(augmented.allclose(batch, rtol: 0, atol: 0));
    }

    [Fact]
    public void Schedule_traces_match_the_step_and_cosine_formulas()
    {
        var step = LearningRateSchedules.Trace(o => optim.lr_scheduler.StepLR(o, step_size: 3, gamma: 0.5), 9, 0.1);
        Assert.Equal([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025], step.Select(v => Math.Round(v, 12)));
        var cosine = LearningRateSchedules.Trace(o => optim.lr_scheduler.CosineAnnealingLR(o, T_max: 10), 10, 0.1);
        for (var t = 0; t < 10; t++)
            Assert.Equal(0.05 * (1 + Math.Cos(Math.PI * t / 10)), cosine[t], 9);
        var oneCycle = LearningRateSchedules.Trace(
            o => optim.lr_scheduler.OneCycleLR(o, max_lr: 0.1, total_steps: 100, pct_start: 0.3, cycle_momentum: false),
            100,
            0.1
        );
        Assert.Equal(0.1 / 25, oneCycle[0], 9); // starts at max_lr / div_factor
        Assert.Equal(0.1, oneCycle.Max(), 3); // peaks at max_lr after the warm-up
        Assert.InRange(Array.IndexOf(oneCycle, oneCycle.Max()), 28, 31);
        Assert.True(oneCycle[^1] < 1e-5, "anneals far below the start");
    }
}
