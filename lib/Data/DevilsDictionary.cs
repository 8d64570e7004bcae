using System.Text;
using System.Text.Json;
using Workbook.IO;

namespace Workbook.Data;

/// <summary>
/// One entry of <i>The Devil's Dictionary</i>: the headword as printed, in lower case ("babe or baby"; a word with two
/// senses, like "reason", has two entries), and the entry's text, headword first. Introduced with chapter 01.
/// </summary>
public sealed record DictionaryEntry(string Headword, string Text);

/// <summary>
/// Ambrose Bierce's <i>The Devil's Dictionary</i> (1911, public domain): about a thousand satirical definitions, read
/// from the repository's <c>data/text/devils-dictionary.jsonl</c> (one JSON object per line with <c>headword</c> and
/// <c>text</c>; made by <c>data/text/make_text.sh</c>). A second style for fine-tuning a language model trained on the
/// King James Bible (introduced in chapter 11). Splits are by entry, never by line.
/// </summary>
public static class DevilsDictionary
{
    /// <summary>The longest line the loader accepts, so a damaged file cannot make it read unbounded input into one string.</summary>
    public const int MaxLineLength = 64 * 1024;

    /// <summary>Reads every entry from <paramref name="path"/> (default: the repository's
    /// <c>data/text/devils-dictionary.jsonl</c>).</summary>
    /// <exception cref="InvalidDataException">A line is not an object with a non-empty string <c>headword</c> and <c>text</c>, or an entry
    /// repeats; the message names the file and line.</exception>
    /// <exception cref="FileNotFoundException">The file is missing, or a directory is there.</exception>
    public static IReadOnlyList<DictionaryEntry> Load(string? path = null)
    {
        path ??= DataDirectory.Find(Path.Combine("text", "devils-dictionary.jsonl"));
        RequiredFile.Check(path, "Devil's Dictionary");
        var entries = new List<DictionaryEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
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
            if (line.Length == 0)
                continue;
            if (line.Length > MaxLineLength)
                throw new InvalidDataException($"{path}, line {lineNumber}: longer than {MaxLineLength:N0} characters.");
            string? headword,
                text;
            try
            {
                using var json = JsonDocument.Parse(line);
                if (json.RootElement.ValueKind != JsonValueKind.Object)
                    throw new InvalidDataException(
                        $"{path}, line {lineNumber}: expected a JSON object, found {json.RootElement.ValueKind}."
                    );
                headword = StringField(json.RootElement, "headword", path, lineNumber);
                text = StringField(json.RootElement, "text", path, lineNumber);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}, line {lineNumber}: not valid JSON ({e.Message}).", e);
            }
            if (!seen.Add(text))
                throw new InvalidDataException(
                    $"{path}, line {lineNumber}: the entry '{headword}' repeats an earlier entry word for word."
                );
            entries.Add(new DictionaryEntry(headword, text));
        }
        if (entries.Count == 0)
            throw new InvalidDataException($"{path}: no entries.");
        return entries;
    }

    /// <summary>
    /// Every <paramref name="validationEvery"/>-th entry (in the file's alphabetical order) for validation, the rest for
    /// training: whole entries, spread across the alphabet.
    /// </summary>
    public static (IReadOnlyList<DictionaryEntry> Training, IReadOnlyList<DictionaryEntry> Validation) Split(
        IReadOnlyList<DictionaryEntry> entries,
        int validationEvery = 10
    )
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentOutOfRangeException.ThrowIfLessThan(validationEvery, 2);
        var sorted = entries.ToArray();
        return (
            [.. sorted.Where((_, i) => i % validationEvery != validationEvery - 1)],
            [.. sorted.Where((_, i) => i % validationEvery == validationEvery - 1)]
        );
    }

    /// <summary>The entries' text separated by blank lines: what a language model trains on.</summary>
    public static string Text(IEnumerable<DictionaryEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return string.Join("\n\n", entries.Select(e => e.Text)) + "\n";
    }

    private static string StringField(JsonElement element, string name, string path, int lineNumber) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s
            ? s
            : throw new InvalidDataException($"{path}, line {lineNumber}: '{name}' must be a non-empty string.");
}
