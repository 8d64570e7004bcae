using System.Globalization;
using System.IO.Compression;
using Workbook.IO;

namespace Workbook.Data;

/// <summary>
/// Loaders for the real datasets shipped in the repository's <c>data/</c> folder (see <c>data/README.md</c> for
/// source and licence). Each checks the file's shape and values and, on a malformed file, throws
/// <see cref="InvalidDataException"/> naming the file, the line and what was expected.
/// Introduced in chapter 03.
/// </summary>
public static class Datasets
{
    /// <summary>Rows in the Wisconsin diagnostic breast-cancer table.</summary>
    public const int BreastCancerSamples = 569;

    /// <summary>Features per row of the breast-cancer table.</summary>
    public const int BreastCancerFeatures = 30;

    /// <summary>Images in the digits set.</summary>
    public const int DigitsSamples = 1797;

    /// <summary>Pixels per digit image (8 × 8).</summary>
    public const int DigitsFeatures = 64;

    /// <summary>The breast-cancer feature names, as scikit-learn gives them (the CSV has none).</summary>
    public static IReadOnlyList<string> BreastCancerFeatureNames { get; } =
    [
        .. new[] { "mean", "error", "worst" }.SelectMany(kind =>
            new[]
            {
                "radius",
                "texture",
                "perimeter",
                "area",
                "smoothness",
                "compactness",
                "concavity",
                "concave points",
                "symmetry",
                "fractal dimension",
            }.Select(measure => kind == "error" ? $"{measure} error" : $"{kind} {measure}")
        ),
    ];

    /// <summary>
    /// The Wisconsin diagnostic breast-cancer table: 569 samples × 30 features, labels 0 = malignant (212) and
    /// 1 = benign (357). Reads scikit-learn's CSV layout: a first line <c>569,30,malignant,benign</c>, then one line per
    /// sample with the 30 features and the label.
    /// </summary>
    /// <param name="path">The CSV file; null looks for <c>data/breast-cancer/breast_cancer.csv</c> from the current directory
    /// upward.</param>
    /// <exception cref="InvalidDataException">The file is malformed; the message names the file and line.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist, or a directory is there; the message says which.</exception>
    public static TabularDataset LoadBreastCancer(string? path = null)
    {
        path ??= DataDirectory.Find(Path.Combine("breast-cancer", "breast_cancer.csv"));
        string[] expectedHeader =
        [
            BreastCancerSamples.ToString(CultureInfo.InvariantCulture),
            BreastCancerFeatures.ToString(CultureInfo.InvariantCulture),
            "malignant",
            "benign",
        ];
        var (features, labels) = ReadNumericTable(
            path,
            expectedHeader,
            BreastCancerSamples,
            BreastCancerFeatures,
            classes: 2,
            pixelMaximum: null
        );
        return new TabularDataset(
            "breast cancer (Wisconsin diagnostic)",
            features,
            labels,
            BreastCancerFeatureNames,
            ["malignant", "benign"]
        );
    }

    /// <summary>
    /// The 8×8 handwritten digits: 1797 images as 64 pixel values (integers 0..16, row by row) and labels 0–9.
    /// Reads scikit-learn's <c>digits.csv.gz</c> (gzip; a plain .csv also works): no header, 65 values per line.
    /// Feature names are <c>pixel_r_c</c>; reshape a row to [8, 8] for the image.
    /// </summary>
    /// <param name="path">The file; null looks for <c>data/digits/digits.csv.gz</c> from the current directory upward.</param>
    /// <exception cref="InvalidDataException">The file is malformed; the message names the file and line.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist, or a directory is there; the message says which.</exception>
    public static TabularDataset LoadDigits(string? path = null)
    {
        path ??= DataDirectory.Find(Path.Combine("digits", "digits.csv.gz"));
        var (features, labels) = ReadNumericTable(path, expectedHeader: null, DigitsSamples, DigitsFeatures, classes: 10, pixelMaximum: 16);
        var names = Enumerable.Range(0, DigitsFeatures).Select(i => $"pixel_{i / 8}_{i % 8}").ToArray();
        var classNames = Enumerable.Range(0, 10).Select(d => d.ToString(CultureInfo.InvariantCulture)).ToArray();
        return new TabularDataset("digits (8x8)", features, labels, names, classNames);
    }

    /// <summary>
    /// Reads a comma-separated table of <paramref name="rows"/> lines, each with <paramref name="columns"/> numbers and an
    /// integer label in 0 .. classes − 1, after an optional header that must equal <paramref name="expectedHeader"/>.
    /// With <paramref name="pixelMaximum"/>, features must be integers in 0 .. pixelMaximum.
    /// </summary>
    private static (double[,] Features, int[] Labels) ReadNumericTable(
        string path,
        string[]? expectedHeader,
        int rows,
        int columns,
        int classes,
        int? pixelMaximum
    )
    {
        path = Path.GetFullPath(path);
        RequiredFile.Check(path, "dataset");
        InvalidDataException Error(int line, string what) => new($"{path}, line {line}: {what}");

        var features = new double[rows, columns];
        var labels = new int[rows];
        using var file = File.OpenRead(path);
        using Stream content = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(file, CompressionMode.Decompress)
            : file;
        using var reader = new StreamReader(content);
        var lineNumber = 0;
        var row = 0;
        try
        {
            if (expectedHeader is not null)
            {
                var header = reader.ReadLine();
                lineNumber++;
                if (header is null)
                    throw Error(lineNumber, "the file is empty; expected a header line " + string.Join(",", expectedHeader) + ".");
                var fields = header.Split(',').Select(f => f.Trim()).ToArray();
                if (!fields.SequenceEqual(expectedHeader))
                    throw Error(
                        lineNumber,
                        $"expected the header \"{string.Join(",", expectedHeader)}\" (rows, features, class names), found \"{header}\"."
                    );
            }
            while (reader.ReadLine() is { } line)
            {
                lineNumber++;
                if (line.Length == 0 && reader.Peek() < 0)
                    break; // one trailing empty line is harmless
                if (row == rows)
                    throw Error(lineNumber, $"more data rows than the expected {rows}.");
                var fields = line.Split(',');
                if (fields.Length != columns + 1)
                    throw Error(
                        lineNumber,
                        $"expected {columns + 1} comma-separated values ({columns} features and the label), found {fields.Length}."
                    );
                for (var c = 0; c < columns; c++)
                {
                    if (
                        !double.TryParse(fields[c], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                        || !double.IsFinite(value)
                    )
                        throw Error(lineNumber, $"column {c + 1} is \"{fields[c]}\", not a finite number.");
                    if (pixelMaximum is int max && (value != Math.Floor(value) || value < 0 || value > max))
                        throw Error(lineNumber, $"column {c + 1} is {fields[c]}; pixel values must be integers from 0 to {max}.");
                    features[row, c] = value;
                }
                var labelText = fields[columns].Trim();
                if (
                    !int.TryParse(labelText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var label)
                    || label < 0
                    || label >= classes
                )
                    throw Error(
                        lineNumber,
                        $"the label (column {columns + 1}) is \"{labelText}\"; expected an integer from 0 to {classes - 1}."
                    );
                labels[row++] = label;
            }
        }
        catch (InvalidDataException error) when (!error.Message.StartsWith(path, StringComparison.Ordinal))
        {
            // GZipStream reports a corrupt archive without naming the file.
            throw new InvalidDataException($"{path}: not a readable gzip file after line {lineNumber} ({error.Message}).", error);
        }
        if (row != rows)
            throw Error(lineNumber, $"the file ends after {row} data rows; expected {rows}.");
        return (features, labels);
    }
}
