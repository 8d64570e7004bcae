using System.Text;
using System.Text.Json.Nodes;
using Microsoft.ML.Tokenizers;
using Workbook.IO;

namespace Workbook.Text;

/// <summary>
/// A WordPiece vocabulary: BERT's <c>vocab.txt</c>, one token per line, the line number being the id (introduced in
/// chapter 12). Made by <see cref="WordPieceTrainer"/> or read from a checkpoint folder; <see cref="Save"/> writes the
/// tokenizer files of a Hugging Face BERT folder and <see cref="CreateTokenizer"/> gives Microsoft.ML.Tokenizers'
/// <c>BertTokenizer</c> over it.
/// </summary>
public sealed class WordPieceVocabulary
{
    /// <summary>The longest vocab.txt read (bert-base-uncased's is 232 KB).</summary>
    public const long MaximumFileBytes = 64L << 20;

    private readonly Dictionary<string, int> ids;

    /// <summary>Wraps <paramref name="tokens"/> (id = position); they must be distinct and hold BERT's five special tokens.</summary>
    /// <exception cref="ArgumentException">A token is repeated, empty or spans lines, or a special token is missing.</exception>
    public WordPieceVocabulary(IReadOnlyList<string> tokens, bool lowerCase = true)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ids = new Dictionary<string, int>(tokens.Count, StringComparer.Ordinal);
        for (var i = 0; i < tokens.Count; i++)
        {
            if (string.IsNullOrEmpty(tokens[i]) || tokens[i].AsSpan().IndexOfAny('\n', '\r') >= 0)
                throw new ArgumentException($"Token {i} is empty or contains a line break.", nameof(tokens));
            if (!ids.TryAdd(tokens[i], i))
                throw new ArgumentException($"Token '{tokens[i]}' appears twice (ids {ids[tokens[i]]} and {i}).", nameof(tokens));
        }
        foreach (var special in WordPieceTrainer.SpecialTokens)
            if (!ids.ContainsKey(special))
                throw new ArgumentException($"The vocabulary lacks the special token {special}.", nameof(tokens));
        Tokens = tokens;
        LowerCase = lowerCase;
    }

    /// <summary>Every token, in id order.</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>Whether text is lower-cased before tokenization (<c>do_lower_case</c>; true for "uncased" models).</summary>
    public bool LowerCase { get; }

    /// <summary>Number of tokens (the model's <c>vocab_size</c>).</summary>
    public int Count => Tokens.Count;

    /// <summary>The id of [PAD].</summary>
    public int PadId => ids["[PAD]"];

    /// <summary>The id of [UNK].</summary>
    public int UnknownId => ids["[UNK]"];

    /// <summary>The id of [CLS], the first token of every input.</summary>
    public int ClsId => ids["[CLS]"];

    /// <summary>The id of [SEP], which ends every input.</summary>
    public int SepId => ids["[SEP]"];

    /// <summary>The id of [MASK].</summary>
    public int MaskId => ids["[MASK]"];

    /// <summary>The ids of the five special tokens.</summary>
    public IReadOnlyList<int> SpecialIds => [PadId, UnknownId, ClsId, SepId, MaskId];

    /// <summary>The id of <paramref name="token"/>, or null.</summary>
    public int? IdOf(string token) => ids.TryGetValue(token, out var id) ? id : null;

    /// <summary>Reads <c>vocab.txt</c> (the file or its folder; <c>do_lower_case</c> from a <c>tokenizer_config.json</c> beside it, default
    /// true).</summary>
    /// <exception cref="FileNotFoundException">No vocab.txt.</exception>
    /// <exception cref="InvalidDataException">The file is too large, not UTF-8 text, repeats a token or lacks a special token; the message
    /// names the file and line.</exception>
    public static WordPieceVocabulary Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (Directory.Exists(path))
            path = Path.Combine(path, "vocab.txt");
        if (!File.Exists(path))
            throw new FileNotFoundException($"No WordPiece vocab.txt at '{path}'.", path);
        var length = new FileInfo(path).Length;
        if (length > MaximumFileBytes)
            throw new InvalidDataException($"'{path}' is {length:N0} bytes; a vocab.txt over {MaximumFileBytes:N0} bytes is refused.");
        string[] lines;
        try
        {
            lines = File.ReadAllText(path, new UTF8Encoding(false, throwOnInvalidBytes: true)).Split('\n');
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException($"'{path}' is not UTF-8 text: {e.Message}", e);
        }
        var tokens = lines.Select(l => l.TrimEnd('\r')).ToList();
        if (tokens.Count > 0 && tokens[^1].Length == 0)
            tokens.RemoveAt(tokens.Count - 1);
        var lowerCase = true;
        var config = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "tokenizer_config.json");
        if (
            File.Exists(config)
            && new FileInfo(config).Length < 1 << 20
            && JsonNode.Parse(File.ReadAllText(config)) is JsonObject o
            && o["do_lower_case"] is JsonValue v
            && v.TryGetValue<bool>(out var lower)
        )
            lowerCase = lower;
        try
        {
            return new WordPieceVocabulary(tokens, lowerCase);
        }
        catch (ArgumentException e)
        {
            var line = e.Message.StartsWith("Token ", StringComparison.Ordinal) ? " (line numbers are ids + 1)" : "";
            throw new InvalidDataException($"'{path}': {e.Message}{line}", e);
        }
    }

    /// <summary>Writes <c>vocab.txt</c>, <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c> into <paramref name="folder"/>,
    /// each atomically.</summary>
    /// <param name="folder">Where to write (created when missing).</param>
    /// <param name="maxLength">The model's longest input in tokens (<c>model_max_length</c>).</param>
    public void Save(string folder, int maxLength)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        Directory.CreateDirectory(folder);
        AtomicFile.WriteAllText(Path.Combine(folder, "vocab.txt"), string.Join("\n", Tokens) + "\n");
        var specials = new JsonObject
        {
            ["unk_token"] = "[UNK]",
            ["sep_token"] = "[SEP]",
            ["pad_token"] = "[PAD]",
            ["cls_token"] = "[CLS]",
            ["mask_token"] = "[MASK]",
        };
        var options = new System.Text.Json.JsonSerializerOptions { WriteIndented = true };
        AtomicFile.WriteAllText(Path.Combine(folder, "special_tokens_map.json"), specials.ToJsonString(options) + "\n");
        var config = new JsonObject
        {
            ["tokenizer_class"] = "BertTokenizer",
            ["do_lower_case"] = LowerCase,
            ["strip_accents"] = null,
            ["tokenize_chinese_chars"] = true,
            ["model_max_length"] = maxLength,
        };
        foreach (var (key, value) in specials)
            config[key] = value?.DeepClone();
        AtomicFile.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), config.ToJsonString(options) + "\n");
    }

    /// <summary>Microsoft.ML.Tokenizers' BertTokenizer over this vocabulary (lower-casing as <see cref="LowerCase"/> says).</summary>
    public BertTokenizer CreateTokenizer()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(string.Join("\n", Tokens) + "\n"));
        return BertTokenizer.Create(stream, new BertOptions { LowerCaseBeforeTokenization = LowerCase });
    }
}
