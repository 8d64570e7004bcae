using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Workbook.IO;

namespace Workbook.Text;

/// <summary>
/// A byte-level BPE vocabulary learned by <see cref="BpeTrainer"/> (introduced in chapter 09): the tokens by id (256
/// bytes, then one per merge, then <c>&lt;|endoftext|&gt;</c>) and the merges in the order they were learned, which is
/// the priority a tokenizer applies them in.
/// </summary>
public sealed class BpeVocabulary
{
    private readonly IReadOnlyDictionary<string, int[]> _segmentation;

    internal BpeVocabulary(
        IReadOnlyList<string> tokens,
        IReadOnlyList<(string Left, string Right)> merges,
        IReadOnlyDictionary<string, int[]> segmentation
    )
    {
        Tokens = tokens;
        Merges = merges;
        _segmentation = segmentation;
    }

    /// <summary>Token strings in GPT-2's byte alphabet (<c>Ġ</c> is a space), indexed by id.</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>The merges, first learned first: each joins two tokens into the next id.</summary>
    public IReadOnlyList<(string Left, string Right)> Merges { get; }

    /// <summary>Number of tokens, <c>&lt;|endoftext|&gt;</c> included.</summary>
    public int Count => Tokens.Count;

    /// <summary>The id of <c>&lt;|endoftext|&gt;</c>: the last one.</summary>
    public int EndOfTextId => Tokens.Count - 1;

    /// <summary>The ids the trainer itself ended with for one piece of the corpus (a word with its leading space, …), or null for a piece
    /// it never saw.</summary>
    internal int[]? TrainingSegmentation(string piece) => _segmentation.TryGetValue(piece, out var ids) ? ids : null;

    /// <summary>
    /// Writes <c>vocab.json</c> (token → id, in id order) and <c>merges.txt</c> (a <c>#version: 0.2</c> line, then one
    /// "left right" merge a line) into <paramref name="folder"/>, each atomically: the two files GPT-2 ships.
    /// </summary>
    public void Save(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        Directory.CreateDirectory(folder);
        AtomicFile.Write(
            Path.Combine(folder, "vocab.json"),
            stream =>
            {
                // Non-ASCII token characters (Ġ, Ċ, …) written as themselves, as GPT-2's own vocab.json has them.
                using var json = new Utf8JsonWriter(
                    stream,
                    new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }
                );
                json.WriteStartObject();
                for (var id = 0; id < Tokens.Count; id++)
                    json.WriteNumber(Tokens[id], id);
                json.WriteEndObject();
            }
        );
        var merges = new StringBuilder("#version: 0.2\n");
        foreach (var (left, right) in Merges)
            merges.Append(left).Append(' ').Append(right).Append('\n');
        AtomicFile.WriteAllText(Path.Combine(folder, "merges.txt"), merges.ToString());
    }
}
