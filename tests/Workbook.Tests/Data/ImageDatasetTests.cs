using TorchSharp;
using Workbook.Data;
using static TorchSharp.torch;

namespace Workbook.Tests.Data;

public sealed class ImageDatasetTests
{
    static ImageDatasetTests() => torch.InitializeDeviceType(DeviceType.CPU);

    private static readonly string[] Classes = ["a", "b", "c"];

    private static string Fixture(string name) => Repository.Fixture(Path.Combine("data", "idx", name));

    /// <summary>12 images of 2 × 2 pixels; image i has every pixel equal to i and label i % 3.</summary>
    private static ImageDataset Twelve() =>
        new(
            "twelve",
            [.. Enumerable.Range(0, 12).SelectMany(i => Enumerable.Repeat((byte)i, 4))],
            [.. Enumerable.Range(0, 12).Select(i => i % 3)],
            1,
            2,
            2,
            Classes
        );

    [Fact]
    public void Idx_images_and_labels_pair_up_as_float_images_in_0_to_1()
    {
        var data = ImageDataset.FromIdx("fixture", Fixture("images-3x4x5-ubyte.idx.gz"), Fixture("labels-3-ubyte.idx"), Classes);
        Assert.Equal((3, 1, 4, 5), (data.Count, data.Channels, data.Height, data.Width));
        Assert.Equal([2, 0, 1], data.Labels);
        var (images, labels) = data.ToTensors();
        using (images)
        using (labels)
        {
            Assert.Equal([3L, 1, 4, 5], images.shape);
            Assert.Equal((20 + 5 * 2 + 3) / 255f, images[1, 0, 2, 3].item<float>(), 6);
            Assert.Equal([2L, 0, 1], labels.data<long>().ToArray());
        }
    }

    [Fact]
    public void Idx_files_that_do_not_pair_up_are_refused()
    {
        var error = Assert.Throws<InvalidDataException>(() =>
            ImageDataset.FromIdx("fixture", Fixture("images-3x4x5-ubyte.idx.gz"), Fixture("int16-3.idx"), Classes)
        );
        Assert.Contains("int16-3.idx", error.Message);
        var labelsAsImages = Assert.Throws<InvalidDataException>(() =>
            ImageDataset.FromIdx("fixture", Fixture("labels-3-ubyte.idx"), Fixture("labels-3-ubyte.idx"), Classes)
        );
        Assert.Contains("[count, rows, columns]", labelsAsImages.Message);
        var tooFewClasses = Assert.Throws<InvalidDataException>(() =>
            ImageDataset.FromIdx("fixture", Fixture("images-3x4x5-ubyte.idx.gz"), Fixture("labels-3-ubyte.idx"), ["a", "b"])
        );
        Assert.Contains("label 2", tooFewClasses.Message);
    }

    [Fact]
    public void Sizes_that_disagree_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new ImageDataset("x", new byte[7], [0, 1], 1, 2, 2, Classes));
        Assert.Throws<ArgumentException>(() => new ImageDataset("x", new byte[8], [0, 3], 1, 2, 2, Classes));
    }

    [Fact]
    public void Sample_per_class_is_balanced_seeded_and_refuses_too_many()
    {
        var data = Twelve();
        var sample = data.SamplePerClass(2, seed: 5);
        Assert.Equal([2, 2, 2], sample.ClassCounts());
        Assert.Equal(sample.Labels, data.SamplePerClass(2, seed: 5).Labels);
        Assert.Contains("'a'", Assert.Throws<ArgumentException>(() => data.SamplePerClass(5, seed: 0)).Message);
    }

    [Fact]
    public void Only_classes_keeps_those_images_and_relabels_in_the_order_given()
    {
        var two = Twelve().OnlyClasses([2, 0]);
        Assert.Equal(8, two.Count);
        Assert.Equal(["c", "a"], two.ClassNames);
        using var images = two.ToTensors().Images;
        for (var i = 0; i < two.Count; i++)
        {
            var original = (int)Math.Round(images[i, 0, 0, 0].item<float>() * 255);
            Assert.Equal(original % 3 == 2 ? 0 : 1, two.Labels[i]);
        }
        Assert.Throws<ArgumentException>(() => Twelve().OnlyClasses([0, 3]));
        Assert.Throws<ArgumentException>(() => Twelve().OnlyClasses([1, 1]));
    }

    [Fact]
    public void Batches_cover_every_image_once_and_augment_each_image()
    {
        var data = Twelve();
        var seen = new List<int>();
        foreach (var (images, labels) in data.Batches(5, shuffleSeed: 1, augment: image => image.add(1f)))
            using (images)
            using (labels)
            {
                Assert.True(images.shape[0] is 5 or 2);
                seen.AddRange(images[.., 0, 0, 0].data<float>().ToArray().Select(v => (int)Math.Round((v - 1) * 255)));
                Assert.Equal(seen.Skip(seen.Count - (int)labels.shape[0]).Select(i => (long)(i % 3)), labels.data<long>().ToArray());
            }
        Assert.Equal(Enumerable.Range(0, 12), seen.Order());
        Assert.NotEqual(Enumerable.Range(0, 12), seen);
        var shapeChange = Assert.Throws<InvalidOperationException>(() => data.Batches(4, augment: image => image[.., ..1]).First());
        Assert.Contains("keep the shape", shapeChange.Message);
    }

    [Fact]
    public void Digits_become_8_by_8_images_scaled_from_0_16_to_0_255()
    {
        var digits = Datasets.LoadDigits();
        var images = ImageDataset.FromDigits(digits);
        Assert.Equal((1797, 8, 8), (images.Count, images.Height, images.Width));
        using var first = images.Image(0);
        Assert.Equal((float)Math.Round(digits.Features[0, 10] * 255 / 16) / 255f, first[0, 1, 2].item<float>(), 6);
    }

    [Fact]
    public void Fashion_mnist_missing_says_how_to_install_it_and_falls_back_to_digits()
    {
        var empty = Directory.CreateTempSubdirectory("no-fashion-").FullName;
        try
        {
            Assert.Null(FashionMnist.Find(empty));
            Assert.Contains(
                "apt-get install dataset-fashion-mnist",
                Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(empty)).Message
            );
            var (train, test) = FashionMnist.LoadOrDigits(out var note, empty);
            Assert.Contains("8×8 digits", note);
            Assert.Contains(empty, note);
            Assert.Equal(1797, train.Count + test.Count);
            Assert.Equal(450, test.Count);
        }
        finally
        {
            Directory.Delete(empty);
        }
    }

    [Fact]
    public void Fashion_mnist_when_installed_has_60000_and_10000_images_of_28_by_28()
    {
        if (FashionMnist.Find() is null)
            return; // not installed here: the fallback test covers this machine
        var (train, test) = FashionMnist.Load();
        Assert.Equal((60000, 10000, 28, 28), (train.Count, test.Count, train.Height, train.Width));
        Assert.All(train.ClassCounts(), count => Assert.Equal(6000, count));
        Assert.All(test.ClassCounts(), count => Assert.Equal(1000, count));
    }
}
