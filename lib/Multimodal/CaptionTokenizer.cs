using System.Text;
using Microsoft.ML.Tokenizers;
using Workbook.Encoders;
using Workbook.IO;
using static TorchSharp.torch;

namespace Workbook.Multimodal;

/// <summary>
/// Turns captions into the padded token-id batches a BERT text encoder reads (introduced in chapter 12): Microsoft.ML.Tokenizers'
/// WordPiece <see cref="BertTokenizer"/> over a BERT <c>vocab.txt</c> — a shipped model's, or one built from the training
/// captions' own words (<see cref="FromCaptions"/>), where every word is a whole token and a word no training caption
/// used becomes [UNK]. Each caption becomes [CLS] … [SEP], padded with [PAD] to the longest in the batch.
/// </summary>
public sealed class CaptionTokenizer
{
    /// <summary>The special tokens a vocabulary must hold, in the order <see cref="FromCaptions"/> writes them first (ids 0–4).</summary>
    public static IReadOnlyList<string> SpecialTokens { get; } = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

    private readonly BertTokenizer tokenizer;
    private readonly string[] vocabulary;

    private CaptionTokenizer(string[] vocabulary, string source)
    {
        var missing = SpecialTokens.Where(t => !vocabulary.Contains(t)).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException(
                $"{source}: the vocabulary lacks the special token{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)}."
            );
        this.vocabulary = vocabulary;
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(string.Join("\n", vocabulary) + "\n"));
        tokenizer = BertTokenizer.Create(stream, new BertOptions { LowerCaseBeforeTokenization = true });
    }

    /// <summary>The vocabulary, by id (the text encoder's <c>vocab_size</c> must be at least its length).</summary>
    public IReadOnlyList<string> Vocabulary => vocabulary;

    /// <summary>The id of [PAD].</summary>
    public int PadId => tokenizer.PaddingTokenId;

    /// <summary>The id of [UNK], what a word outside the vocabulary becomes.</summary>
    public int UnknownId => Array.IndexOf(vocabulary, "[UNK]");

    /// <summary>A whole-word vocabulary from the words of <paramref name="captions"/>: the special tokens, the words in order of first use,
    /// then the punctuation they use.</summary>
    public static CaptionTokenizer FromCaptions(IEnumerable<Caption> captions)
    {
        ArgumentNullException.ThrowIfNull(captions);
        var list = captions.ToList();
        var words = list.SelectMany(c => CaptionSet.Words(c.Text)).Distinct(StringComparer.Ordinal).ToList();
        if (words.Count == 0)
            throw new ArgumentException("No caption, so no vocabulary: give at least one caption with a word.", nameof(captions));
        // BERT's basic tokenisation splits punctuation into tokens of its own: the commas the captions use get ids too.
        var punctuation = list.SelectMany(c => c.Text)
            .Where(char.IsPunctuation)
            .Distinct()
            .Select(ch => ch.ToString())
            .Where(p => !words.Contains(p));
        return new CaptionTokenizer([.. SpecialTokens, .. words.Where(w => !SpecialTokens.Contains(w)), .. punctuation], "the captions");
    }

    /// <summary>Reads a BERT <c>vocab.txt</c> (one token per line; the line number is the id), such as a shipped model's.</summary>
    /// <exception cref="FileNotFoundException">The file is missing.</exception>
    /// <exception cref="InvalidDataException">It is empty, repeats a token, or lacks a special token; the message names the
    /// file.</exception>
    public static CaptionTokenizer FromVocabularyFile(string path)
    {
        RequiredFile.Check(path, "vocabulary");
        var info = new FileInfo(path);
        if (info.Length > 16 * 1024 * 1024)
            throw new InvalidDataException(
                $"{path}: {info.Length:N0} bytes is not a WordPiece vocabulary (BERT's has 30 522 short lines, about 230 kB)."
            );
        var lines = File.ReadAllLines(path, new UTF8Encoding(false, throwOnInvalidBytes: true));
        if (lines.Length > 0 && lines[^1].Length == 0)
            lines = lines[..^1];
        if (lines.Length == 0)
            throw new InvalidDataException($"{path}: the vocabulary is empty.");
        var repeated = lines.GroupBy(l => l, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null)
            throw new InvalidDataException(
                $"{path}: the token '{repeated.Key}' appears {repeated.Count()} times; each token needs one id."
            );
        return new CaptionTokenizer(lines, path);
    }

    /// <summary>The tokens of <paramref name="text"/>, [CLS] and [SEP] included: what the encoder reads.</summary>
    public IReadOnlyList<string> Tokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return
        [
            .. tokenizer
                .EncodeToIds(text, addSpecialTokens: true, considerPreTokenization: true, considerNormalization: true)
                .Select(id => vocabulary[id]),
        ];
    }

    /// <summary>
    /// Token ids [captions, length] (int64) and the attention mask (1 for tokens, 0 for padding) of <paramref name="texts"/>,
    /// padded to the longest; a caption longer than <paramref name="maxLength"/> tokens keeps its first ones and its [SEP].
    /// </summary>
    /// <exception cref="ArgumentException">No text, or <paramref name="maxLength"/> below 2.</exception>
    public (Tensor Ids, Tensor Mask) Encode(IReadOnlyList<string> texts, int maxLength = 32)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0)
            throw new ArgumentException("Give at least one caption to encode.", nameof(texts));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        if (texts.Any(t => t is null))
            throw new ArgumentException("A caption is null.", nameof(texts));
        return BertInputs.Pad([.. texts.Select(t => BertInputs.Encode(tokenizer, t, maxLength))], PadId);
    }
}
