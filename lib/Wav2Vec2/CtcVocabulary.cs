using System.Text.Json;
using Workbook.IO;

namespace Workbook.Wav2Vec2;

/// <summary>
/// The output symbols of a CTC model, as a checkpoint's <c>vocab.json</c> lists them (symbol → id): the blank
/// (<c>&lt;pad&gt;</c>, id 0 in wav2vec2-base-960h), the word delimiter <c>|</c>, special tokens (<c>&lt;s&gt;</c>,
/// <c>&lt;/s&gt;</c>, <c>&lt;unk&gt;</c>), and the letters.
/// Introduced with chapter 13.
/// </summary>
public sealed class CtcVocabulary
{
    private readonly string[] _symbols;

    /// <summary>A vocabulary from symbols indexed by id.</summary>
    /// <exception cref="ArgumentException">Symbols repeat, or the blank or delimiter is missing.</exception>
    public CtcVocabulary(
        IReadOnlyList<string> symbols,
        string blank = "<pad>",
        string wordDelimiter = "|",
        IReadOnlyCollection<string>? specials = null
    )
    {
        ArgumentNullException.ThrowIfNull(symbols);
        _symbols = [.. symbols];
        if (_symbols.Distinct().Count() != _symbols.Length)
            throw new ArgumentException("A CTC vocabulary cannot list a symbol twice.", nameof(symbols));
        BlankId = Array.IndexOf(_symbols, blank);
        if (BlankId < 0)
            throw new ArgumentException($"The vocabulary has no blank symbol '{blank}'.", nameof(blank));
        WordDelimiterId = Array.IndexOf(_symbols, wordDelimiter);
        Specials = [.. (specials ?? ["<s>", "</s>", "<unk>"]).Where(s => Array.IndexOf(_symbols, s) >= 0)];
    }

    /// <summary>wav2vec2-base-960h's 32 symbols (its published vocab.json), for use without a vocab.json.</summary>
    public static CtcVocabulary English960h { get; } =
        new(["<pad>", "<s>", "</s>", "<unk>", "|", .. "ETAONIHSRDLUMWCFGYPBVK'XJQZ".Select(c => c.ToString())]);

    /// <summary>Reads a Hugging Face <c>vocab.json</c> (an object symbol → id, ids 0..n−1).</summary>
    /// <exception cref="InvalidDataException">Not such an object, or ids with gaps or repeats; the message names the file.</exception>
    public static CtcVocabulary FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (Directory.Exists(path))
            path = Path.Combine(path, "vocab.json");
        if (!File.Exists(path))
            throw new FileNotFoundException($"No CTC vocabulary at '{path}'.", path);
        Dictionary<string, int>? map;
        try
        {
            map = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not a vocab.json (symbol → id): {e.Message}", e);
        }
        if (map is null || map.Count == 0)
            throw new InvalidDataException($"'{path}' lists no symbols.");
        var symbols = new string?[map.Count];
        foreach (var (symbol, id) in map)
        {
            if (id < 0 || id >= symbols.Length || symbols[id] is not null)
                throw new InvalidDataException($"'{path}': id {id} of '{symbol}' is out of 0..{symbols.Length - 1} or repeated.");
            symbols[id] = symbol;
        }
        try
        {
            return new CtcVocabulary(symbols!);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"'{path}': {e.Message}", e);
        }
    }

    /// <summary>Writes the vocabulary as a <c>vocab.json</c> (symbol → id).</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        AtomicFile.WriteAllText(
            path,
            JsonSerializer.Serialize(_symbols.Select((symbol, id) => (symbol, id)).ToDictionary(p => p.symbol, p => p.id))
        );
    }

    /// <summary>Number of symbols.</summary>
    public int Count => _symbols.Length;

    /// <summary>The blank's id.</summary>
    public int BlankId { get; }

    /// <summary>The word delimiter's id, or −1 when there is none.</summary>
    public int WordDelimiterId { get; }

    /// <summary>Special symbols that never appear in text.</summary>
    public IReadOnlyList<string> Specials { get; }

    /// <summary>The symbol of <paramref name="id"/>.</summary>
    public string this[int id] =>
        id >= 0 && id < _symbols.Length
            ? _symbols[id]
            : throw new ArgumentOutOfRangeException(nameof(id), id, $"Symbol ids are 0..{_symbols.Length - 1}.");

    /// <summary>
    /// The ids of a transcript as CTC targets: each character's symbol, a space as the word delimiter (Hugging Face's
    /// <c>Wav2Vec2CTCTokenizer</c> for upper-case text without specials).
    /// </summary>
    /// <exception cref="ArgumentException">The text is empty, or holds a character the vocabulary has no symbol for (named, with its
    /// position).</exception>
    public int[] Encode(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var ids = new int[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            var symbol = text[i] == ' ' ? "|" : text[i].ToString();
            var id = Array.IndexOf(_symbols, symbol);
            if (id < 0 || id == BlankId || Specials.Contains(symbol) || (text[i] == ' ' && WordDelimiterId < 0))
                throw new ArgumentException(
                    $"Character '{text[i]}' at position {i} of \"{text}\" has no symbol in this vocabulary (upper-case "
                        + "letters, the apostrophe and spaces).",
                    nameof(text)
                );
            ids[i] = id;
        }
        return ids;
    }

    /// <summary>True for ids that produce no text: the blank and the specials.</summary>
    public bool IsSilent(int id) => id == BlankId || Specials.Contains(this[id]);
}
