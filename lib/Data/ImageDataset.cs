using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Data;

/// <summary>
/// Labelled images of one size, kept as 8-bit pixels in managed memory (Fashion-MNIST's 70 000 images are 55 MB), with
/// subsets, class filters and shuffled mini-batches that an augmentation function can change image by image
/// (introduced in chapter 07). Tensors come out as float32 [N, C, H, W] in 0..1 and int64 labels.
/// </summary>
public sealed class ImageDataset
{
    private readonly byte[] pixels;
    private readonly int[] labels;

    /// <summary>A dataset of <paramref name="labels"/>.Length images stored row-major, image after image, in
    /// <paramref name="pixels"/>.</summary>
    /// <exception cref="ArgumentException">The sizes do not agree, or a label is not a class index.</exception>
    public ImageDataset(string name, byte[] pixels, int[] labels, int channels, int height, int width, IReadOnlyList<string> classNames)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        if (channels < 1 || height < 1 || width < 1)
            throw new ArgumentException(
                $"{name}: an image needs at least one channel, row and column (got {channels} × {height} × {width})."
            );
        if (classNames.Count < 2)
            throw new ArgumentException($"{name}: a classification dataset needs at least 2 classes.", nameof(classNames));
        var pixelsPerImage = (long)channels * height * width;
        if (pixels.LongLength != pixelsPerImage * labels.Length)
            throw new ArgumentException(
                $"{name}: {labels.Length} labels need {labels.Length} × {channels} × {height} × {width} = "
                    + $"{pixelsPerImage * labels.Length} pixels, got {pixels.LongLength}.",
                nameof(pixels)
            );
        var bad = Array.FindIndex(labels, l => l < 0 || l >= classNames.Count);
        if (bad >= 0)
            throw new ArgumentException(
                $"{name}: label {labels[bad]} of image {bad} is not one of the {classNames.Count} classes (0..{classNames.Count - 1}).",
                nameof(labels)
            );
        (Name, this.pixels, this.labels, Channels, Height, Width, ClassNames) = (
            name,
            pixels,
            labels,
            channels,
            height,
            width,
            [.. classNames]
        );
    }

    /// <summary>What the images are (shown in captions).</summary>
    public string Name { get; }

    /// <summary>Number of images.</summary>
    public int Count => labels.Length;

    /// <summary>Channels per image (1 for grey scale).</summary>
    public int Channels { get; }

    /// <summary>Rows per image.</summary>
    public int Height { get; }

    /// <summary>Columns per image.</summary>
    public int Width { get; }

    /// <summary>Class names, by label.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The label of every image.</summary>
    public IReadOnlyList<int> Labels => labels;
    private int PixelsPerImage => Channels * Height * Width;

    /// <summary>
    /// Reads an IDX image file ([N, H, W] unsigned bytes) and its IDX label file ([N] unsigned bytes), as MNIST and
    /// Fashion-MNIST ship them, checking that they pair up.
    /// </summary>
    /// <exception cref="InvalidDataException">A file is not valid IDX, has the wrong layout, or the counts differ; the message names the
    /// file.</exception>
    public static ImageDataset FromIdx(string name, string imagesPath, string labelsPath, IReadOnlyList<string> classNames)
    {
        var images = IdxFile.Read(imagesPath);
        var labelFile = IdxFile.Read(labelsPath);
        if (images.DataType != IdxDataType.UnsignedByte || images.Dimensions.Count != 3)
            throw new InvalidDataException(
                $"{images.Path}: expected images as [count, rows, columns] unsigned bytes, "
                    + $"found {images.DataType} [{string.Join(", ", images.Dimensions)}]."
            );
        if (labelFile.DataType != IdxDataType.UnsignedByte || labelFile.Dimensions.Count != 1)
            throw new InvalidDataException(
                $"{labelFile.Path}: expected labels as [count] unsigned bytes, "
                    + $"found {labelFile.DataType} [{string.Join(", ", labelFile.Dimensions)}]."
            );
        if (images.Dimensions[0] != labelFile.Dimensions[0])
            throw new InvalidDataException(
                $"{images.Path} holds {images.Dimensions[0]} images but {labelFile.Path} holds {labelFile.Dimensions[0]} labels."
            );
        var labels = labelFile.ToBytes().Select(b => (int)b).ToArray();
        var bad = Array.FindIndex(labels, l => l >= classNames.Count);
        if (bad >= 0)
            throw new InvalidDataException(
                $"{labelFile.Path}: label {labels[bad]} at index {bad} is not one of the {classNames.Count} classes."
            );
        return new ImageDataset(name, images.ToBytes(), labels, 1, images.Dimensions[1], images.Dimensions[2], classNames);
    }

    /// <summary>The 8×8 digits of <see cref="Datasets.LoadDigits"/> as images, pixel values 0..16 scaled to 0..255.</summary>
    public static ImageDataset FromDigits(TabularDataset digits)
    {
        ArgumentNullException.ThrowIfNull(digits);
        if (digits.FeatureCount != 64)
            throw new ArgumentException($"{digits.Name}: expected 64 pixels per row (8 × 8), found {digits.FeatureCount}.", nameof(digits));
        var pixels = new byte[digits.SampleCount * 64];
        for (var i = 0; i < digits.SampleCount; i++)
        for (var p = 0; p < 64; p++)
            pixels[i * 64 + p] = (byte)Math.Round(Math.Clamp(digits.Features[i, p], 0, 16) * 255 / 16);
        return new ImageDataset(digits.Name, pixels, [.. digits.Labels], 1, 8, 8, digits.ClassNames);
    }

    /// <summary>Images per class, by label.</summary>
    public int[] ClassCounts()
    {
        var counts = new int[ClassNames.Count];
        foreach (var label in labels)
            counts[label]++;
        return counts;
    }

    /// <summary>The images at <paramref name="indices"/>, in that order.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the dataset.</exception>
    public ImageDataset Subset(IReadOnlyList<int> indices, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var size = PixelsPerImage;
        var subset = new byte[(long)indices.Count * size];
        var subsetLabels = new int[indices.Count];
        for (var i = 0; i < indices.Count; i++)
        {
            var index = indices[i];
            if ((uint)index >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), index, $"{Name} has {Count} images (indices 0..{Count - 1}).");
            Array.Copy(pixels, (long)index * size, subset, (long)i * size, size);
            subsetLabels[i] = labels[index];
        }
        return new ImageDataset(name ?? Name, subset, subsetLabels, Channels, Height, Width, ClassNames);
    }

    /// <summary>The first <paramref name="count"/> images (all when fewer).</summary>
    public ImageDataset Take(int count) => Subset([.. Enumerable.Range(0, Math.Clamp(count, 0, Count))]);

    /// <summary>
    /// <paramref name="perClass"/> images of every class, drawn at random with <paramref name="seed"/> (a balanced small
    /// training set); the result is shuffled.
    /// </summary>
    /// <exception cref="ArgumentException">A class has fewer images than asked for.</exception>
    public ImageDataset SamplePerClass(int perClass, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perClass);
        var order = new SeededRandom(seed).Permutation(Count);
        var chosen = new List<int>();
        var taken = new int[ClassNames.Count];
        foreach (var index in order)
            if (taken[labels[index]] < perClass)
            {
                taken[labels[index]]++;
                chosen.Add(index);
            }
        var short_ = Array.FindIndex(taken, t => t < perClass);
        if (short_ >= 0)
            throw new ArgumentException(
                $"{Name}: class '{ClassNames[short_]}' has {taken[short_]} images, fewer than the {perClass} asked for.",
                nameof(perClass)
            );
        var shuffled = chosen.ToArray();
        new SeededRandom(seed + 1).Shuffle(shuffled);
        return Subset(shuffled);
    }

    /// <summary>
    /// Only the images of <paramref name="classes"/>, relabelled 0, 1, … in the order given (e.g. classes 5–9 become a
    /// five-class task with labels 0–4).
    /// </summary>
    /// <exception cref="ArgumentException">A class is unknown or repeated, or fewer than two are given.</exception>
    public ImageDataset OnlyClasses(IReadOnlyList<int> classes)
    {
        ArgumentNullException.ThrowIfNull(classes);
        if (classes.Count < 2)
            throw new ArgumentException("Keep at least two classes.", nameof(classes));
        if (classes.Distinct().Count() != classes.Count)
            throw new ArgumentException($"Classes repeat: {string.Join(", ", classes)}.", nameof(classes));
        if (classes.Any(c => c < 0 || c >= ClassNames.Count))
            throw new ArgumentException(
                $"{Name} has classes 0..{ClassNames.Count - 1}; {string.Join(", ", classes)} is out of range.",
                nameof(classes)
            );
        var newLabel = new Dictionary<int, int>();
        for (var i = 0; i < classes.Count; i++)
            newLabel[classes[i]] = i;
        var indices = Enumerable.Range(0, Count).Where(i => newLabel.ContainsKey(labels[i])).ToArray();
        var kept = Subset(indices);
        var relabelled = kept.labels.Select(l => newLabel[l]).ToArray();
        var name = $"{Name}, classes {string.Join(", ", classes.Select(c => c.ToString(CultureInfo.InvariantCulture)))}";
        return new ImageDataset(name, kept.pixels, relabelled, Channels, Height, Width, [.. classes.Select(c => ClassNames[c])]);
    }

    /// <summary>Image <paramref name="index"/> as a float32 [C, H, W] tensor in 0..1.</summary>
    public Tensor Image(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        using var batch = ToFloat(pixels.AsSpan(index * PixelsPerImage, PixelsPerImage).ToArray(), 1, null);
        return batch.squeeze(0);
    }

    /// <summary>All images as float32 [N, C, H, W] in 0..1 and the labels as int64 [N], on <paramref name="device"/>.</summary>
    public (Tensor Images, Tensor Labels) ToTensors(Device? device = null) =>
        (ToFloat(pixels, Count, device), tensor(labels.Select(l => (long)l).ToArray(), device: device));

    /// <summary>
    /// Mini-batches of (images [B, C, H, W] float32, labels [B] int64) covering the dataset once: in order, or shuffled
    /// with <paramref name="shuffleSeed"/>. <paramref name="augment"/>, when given, maps each image [C, H, W] to an image
    /// of the same shape (a random crop, a flip) before it joins its batch. The caller owns the tensors.
    /// </summary>
    public IEnumerable<(Tensor Images, Tensor Labels)> Batches(
        int batchSize,
        int? shuffleSeed = null,
        Func<Tensor, Tensor>? augment = null,
        Device? device = null
    )
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var order = shuffleSeed is { } seed ? new SeededRandom(seed).Permutation(Count) : [.. Enumerable.Range(0, Count)];
        for (var start = 0; start < Count; start += batchSize)
        {
            var batch = Subset(order[start..Math.Min(start + batchSize, Count)]);
            var (images, batchLabels) = batch.ToTensors();
            if (augment is not null)
                images = AugmentEach(images, augment);
            yield return (device is null ? images : images.to(device), device is null ? batchLabels : batchLabels.to(device));
        }
    }

    /// <summary>Applies <paramref name="augment"/> to each image of a [B, C, H, W] batch, checking it keeps the shape.</summary>
    public static Tensor AugmentEach(Tensor images, Func<Tensor, Tensor> augment)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(augment);
        if (images.dim() != 4)
            throw new ArgumentException(
                $"Expected a batch of images [B, C, H, W], got [{string.Join(", ", images.shape)}].",
                nameof(images)
            );
        using var scope = NewDisposeScope();
        var changed = new Tensor[images.shape[0]];
        for (var i = 0; i < changed.Length; i++)
        {
            var image = images[i];
            changed[i] = augment(image);
            if (!changed[i].shape.SequenceEqual(image.shape))
                throw new InvalidOperationException(
                    $"The augmentation turned an image [{string.Join(", ", image.shape)}] into "
                        + $"[{string.Join(", ", changed[i].shape)}]; it must keep the shape."
                );
        }
        return stack(changed).MoveToOuterDisposeScope();
    }

    private Tensor ToFloat(byte[] source, long count, Device? device)
    {
        using var bytes = tensor(source, [count, Channels, Height, Width], dtype: ScalarType.Byte);
        using var scale = (1f / 255).ToScalar(); // held: an implicit Scalar can be collected mid-call
        var images = bytes.to(ScalarType.Float32).mul_(scale);
        return device is null ? images : images.to(device);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Name}: {Count} images of {Channels} × {Height} × {Width}, "
        + $"{ClassNames.Count} classes ({string.Join(", ", ClassCounts().Select((c, i) => $"{ClassNames[i]} {c}"))})";
}
