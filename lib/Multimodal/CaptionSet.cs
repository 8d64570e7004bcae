using System.Text;
using System.Text.RegularExpressions;
using Workbook.Data;
using Workbook.IO;

namespace Workbook.Multimodal;

/// <summary>
/// Short captions for the classes of an image dataset, several per class, written from what the things look like and
/// how they are worn ("worn on the feet", "long sleeves", "carried") so classes share words: the text side of the
/// CLIP-style model of chapter 12. Read from a TSV file with the header <c>label	class	caption</c>; the repository's
/// <c>data/captions/fashion-mnist-captions.tsv</c> has six captions for each Fashion-MNIST class.
/// </summary>
public sealed partial class CaptionSet
{
    /// <summary>The header line the file must start with.</summary>
    public const string Header = "label\tclass\tcaption";

    /// <summary>The longest caption accepted, in characters: a caption is a phrase, and the text encoder's context is short.</summary>
    public const int MaxCaptionLength = 200;

    /// <summary>The most lines the loader reads, so a wrong or damaged file cannot make it read unbounded input.</summary>
    public const int MaxLines = 100_000;

    private CaptionSet(IReadOnlyList<Caption> captions, IReadOnlyList<string> classNames) =>
        (Captions, ClassNames) = (captions, classNames);

    /// <summary>The captions, in file order.</summary>
    public IReadOnlyList<Caption> Captions { get; }

    /// <summary>The class names, by label.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The caption texts, in file order.</summary>
    public IReadOnlyList<string> Texts => [.. Captions.Select(c => c.Text)];

    /// <summary>The label of each caption, in file order.</summary>
    public IReadOnlyList<int> Labels => [.. Captions.Select(c => c.Label)];

    /// <summary>
    /// Reads captions from <paramref name="path"/> (default: the repository's <c>data/captions/fashion-mnist-captions.tsv</c>)
    /// for the classes <paramref name="classNames"/> (default: Fashion-MNIST's), and checks them.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file is missing.</exception>
    /// <exception cref="InvalidDataException">The header is wrong, a line does not have three fields, a label is not a
    /// class index, a class name does not match its label, a caption is empty, too long or repeated, or a class has no
    /// caption; the message names the file and line.</exception>
    public static CaptionSet Load(string? path = null, IReadOnlyList<string>? classNames = null)
    {
        path ??= DataDirectory.Find(Path.Combine("captions", "fashion-mnist-captions.tsv"));
        classNames ??= FashionMnist.ClassNames;
        RequiredFile.Check(path, "caption file");
        var captions = new List<Caption>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        using var reader = new StreamReader(path, new UTF8Encoding(false, throwOnInvalidBytes: true));
        var lineNumber = 0;
        while (true)
        {
            string? line;
            try
            {
                line = reader.ReadLine();
            }
            catch (DecoderFallbackException e)
            {
                throw new InvalidDataException($"{path}, after line {lineNumber}: not valid UTF-8 ({e.Message}).", e);
            }
            if (line is null)
                break;
            lineNumber++;
            if (lineNumber > MaxLines)
                throw new InvalidDataException($"{path}: more than {MaxLines:N0} lines; a caption file is small.");
            if (lineNumber == 1)
            {
                if (line != Header)
                    throw new InvalidDataException(
                        $"{path}, line 1: expected the header '{Header.Replace("\t", "<TAB>")}', found '{Shorten(line)}'."
                    );
                continue;
            }
            if (line.Length == 0)
                continue;
            var fields = line.Split('\t');
            if (fields.Length != 3)
                throw new InvalidDataException(
                    $"{path}, line {lineNumber}: expected 3 tab-separated fields (label, class, caption), found {fields.Length}."
                );
            if (
                !int.TryParse(
                    fields[0],
                    System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture,
                    out var label
                )
                || label >= classNames.Count
            )
                throw new InvalidDataException(
                    $"{path}, line {lineNumber}: the label '{Shorten(fields[0])}' is not a class index 0..{classNames.Count - 1}."
                );
            if (fields[1] != classNames[label])
                throw new InvalidDataException(
                    $"{path}, line {lineNumber}: label {label} is the class '{classNames[label]}', "
                        + $"but the line names '{Shorten(fields[1])}'."
                );
            var text = fields[2].Trim();
            if (text.Length == 0)
                throw new InvalidDataException($"{path}, line {lineNumber}: the caption is empty.");
            if (text.Length > MaxCaptionLength)
                throw new InvalidDataException(
                    $"{path}, line {lineNumber}: the caption has {text.Length} characters; at most {MaxCaptionLength}."
                );
            if (!seen.TryAdd(text, lineNumber))
                throw new InvalidDataException($"{path}, line {lineNumber}: the caption '{text}' repeats line {seen[text]}.");
            captions.Add(new Caption(label, classNames[label], text));
        }
        if (lineNumber == 0)
            throw new InvalidDataException($"{path}: the file is empty; expected the header '{Header.Replace("\t", "<TAB>")}'.");
        var missing = Enumerable.Range(0, classNames.Count).Where(k => captions.All(c => c.Label != k)).Select(k => classNames[k]).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException(
                $"{path}: no caption for the class{(missing.Count > 1 ? "es" : "")} {string.Join(", ", missing.Select(n => $"'{n}'"))}; "
                    + "every class needs at least one."
            );
        return new CaptionSet(captions, [.. classNames]);
    }

    /// <summary>The captions of the classes in <paramref name="labels"/> only (training on some classes, holding the others out).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A label is not a class index.</exception>
    public IReadOnlyList<Caption> OfClasses(IEnumerable<int> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var wanted = labels.ToHashSet();
        foreach (var k in wanted)
            RequireClass(k, nameof(labels));
        return [.. Captions.Where(c => wanted.Contains(c.Label))];
    }

    /// <summary>The captions of class <paramref name="label"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The label is not a class index.</exception>
    public IReadOnlyList<Caption> OfClass(int label) => OfClasses([label]);

    /// <summary>
    /// The words of the <paramref name="heldOut"/> classes' captions that no other class's caption uses, in order of first
    /// appearance: what a text encoder trained without those classes has never read. Zero-shot classification by
    /// attributes needs this to be empty.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A label is not a class index.</exception>
    public IReadOnlyList<string> UnseenWords(IReadOnlyCollection<int> heldOut)
    {
        ArgumentNullException.ThrowIfNull(heldOut);
        foreach (var k in heldOut)
            RequireClass(k, nameof(heldOut));
        var trained = Captions.Where(c => !heldOut.Contains(c.Label)).SelectMany(c => Words(c.Text)).ToHashSet(StringComparer.Ordinal);
        return
        [
            .. Captions
                .Where(c => heldOut.Contains(c.Label))
                .SelectMany(c => Words(c.Text))
                .Where(w => !trained.Contains(w))
                .Distinct(StringComparer.Ordinal),
        ];
    }

    /// <summary>The lower-case words of <paramref name="text"/> (letters and apostrophes; punctuation dropped).</summary>
    public static IEnumerable<string> Words(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return WordPattern().Matches(text.ToLowerInvariant()).Select(m => m.Value);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Captions.Count} captions for {ClassNames.Count} classes";

    private void RequireClass(int label, string parameter)
    {
        if (label < 0 || label >= ClassNames.Count)
            throw new ArgumentOutOfRangeException(parameter, label, $"Class labels run from 0 to {ClassNames.Count - 1}.");
    }

    private static string Shorten(string s) => s.Length <= 60 ? s.Replace("\t", "<TAB>") : s[..60].Replace("\t", "<TAB>") + "…";

    [GeneratedRegex("[a-z']+")]
    private static partial Regex WordPattern();
}
