namespace Workbook.Data;

/// <summary>
/// Zalando's Fashion-MNIST (introduced in chapter 07): 70 000 grey 28×28 images of clothing in 10 classes, 60 000 for
/// training and 10 000 for testing, as four gzip IDX files. MIT licence (Zalando Research). Not shipped in <c>data/</c>
/// (30 MB): Debian's <c>dataset-fashion-mnist</c> package installs it under <see cref="DebianFolder"/>, and
/// <c>tools/setup.sh</c> installs that package when it is missing.
/// </summary>
public static class FashionMnist
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> puts the files.</summary>
    public const string DebianFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>Set this environment variable to a folder holding the four files to use another copy.</summary>
    public const string FolderVariable = "WORKBOOK_FASHION_MNIST";

    /// <summary>The class names, by label, as Zalando publishes them.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
    ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The four file names (train images, train labels, test images, test labels).</summary>
    public static IReadOnlyList<string> FileNames { get; } =
    ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];

    /// <summary>
    /// The folder holding all four files: <paramref name="folder"/> when given, else <see cref="FolderVariable"/>, else
    /// <see cref="DebianFolder"/>; null when it lacks any of them.
    /// </summary>
    public static string? Find(string? folder = null)
    {
        folder = FolderToSearch(folder);
        return FileNames.All(name => File.Exists(Path.Combine(folder, name))) ? Path.GetFullPath(folder) : null;
    }

    private static string FolderToSearch(string? folder) =>
        folder ?? (Environment.GetEnvironmentVariable(FolderVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : DebianFolder);

    /// <summary>Loads the training and test sets from <paramref name="folder"/> (see <see cref="Find"/>).</summary>
    /// <exception cref="FileNotFoundException">The files are not there; the message says how to install them.</exception>
    /// <exception cref="InvalidDataException">A file is damaged; the message names it.</exception>
    public static (ImageDataset Train, ImageDataset Test) Load(string? folder = null)
    {
        var found =
            Find(folder)
            ?? throw new FileNotFoundException(
                $"Fashion-MNIST is not in {FolderToSearch(folder)} (files {string.Join(", ", FileNames)}). On "
                    + "Debian or Ubuntu install it with "
                    + "`apt-get install dataset-fashion-mnist` (tools/setup.sh does), "
                    + $"or set {FolderVariable} to a folder with the four files."
            );
        string At(int i) => Path.Combine(found, FileNames[i]);
        return (
            ImageDataset.FromIdx("Fashion-MNIST train", At(0), At(1), ClassNames),
            ImageDataset.FromIdx("Fashion-MNIST test", At(2), At(3), ClassNames)
        );
    }

    /// <summary>
    /// Fashion-MNIST when it is installed; otherwise the 8×8 digits shipped in <c>data/</c>, split 1 347 / 450 (seeded,
    /// stratified), so a chapter still runs. <paramref name="note"/> says in one line which one you got and why.
    /// </summary>
    public static (ImageDataset Train, ImageDataset Test) LoadOrDigits(out string note, string? folder = null)
    {
        if (Find(folder) is { } found)
        {
            note = $"Fashion-MNIST from {found}.";
            return Load(found);
        }
        note =
            $"Fashion-MNIST is not installed ({FolderToSearch(folder)}; `apt-get install dataset-fashion-mnist`): "
            + "using the 8×8 digits from data/ instead, so the numbers below will differ from the text.";
        var digits = Datasets.LoadDigits();
        var split = TrainTestSplit.Indices(digits.SampleCount, testSize: SplitSize.OfFraction(0.25), seed: 0, stratify: digits.Labels);
        var images = ImageDataset.FromDigits(digits);
        return (images.Subset(split.Train, "digits train"), images.Subset(split.Test, "digits test"));
    }
}
