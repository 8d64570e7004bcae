using System.Text.Json;
using static TorchSharp.torch;

namespace Workbook.Safetensors;

/// <summary>
/// A checkpoint in one safetensors file or sharded over several, as Hugging Face saves them: either
/// <c>model.safetensors</c>, or <c>model.safetensors.index.json</c> whose <c>weight_map</c> names the shard file of
/// every tensor (<c>model-00001-of-00002.safetensors</c>, ...). Tensors are read on demand, as with
/// <see cref="SafetensorsFile"/>.
/// Introduced in chapter 08.
/// </summary>
public sealed class SafetensorsCheckpoint : IDisposable
{
    /// <summary>Hugging Face's name for a single-file checkpoint.</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>Hugging Face's name for the index of a sharded checkpoint.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly Dictionary<string, SafetensorsFile> owner;

    private SafetensorsCheckpoint(string path, IReadOnlyList<SafetensorsFile> files, Dictionary<string, SafetensorsFile> owner)
    {
        Path = path;
        Files = files;
        this.owner = owner;
    }

    /// <summary>The file opened: the single safetensors file or the index.</summary>
    public string Path { get; }

    /// <summary>The safetensors files (one, or every shard).</summary>
    public IReadOnlyList<SafetensorsFile> Files { get; }

    /// <summary>Every tensor name of the checkpoint.</summary>
    public IEnumerable<string> Names => owner.Keys;

    /// <summary>Number of tensors.</summary>
    public int Count => owner.Count;

    /// <summary>
    /// Opens a checkpoint: a <c>.safetensors</c> file, an <c>.index.json</c> file, or a folder holding
    /// <see cref="IndexFileName"/> (preferred when both exist) or <see cref="SingleFileName"/>.
    /// </summary>
    /// <exception cref="FileNotFoundException">Nothing to open, or a shard named by the index is missing; the message names the
    /// paths.</exception>
    /// <exception cref="SafetensorsException">A malformed file or index, or the index maps a tensor to a shard that does not hold
    /// it.</exception>
    public static SafetensorsCheckpoint Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            var index = System.IO.Path.Combine(path, IndexFileName);
            var single = System.IO.Path.Combine(path, SingleFileName);
            if (File.Exists(index))
                return OpenIndex(index);
            if (File.Exists(single))
                return OpenSingle(single);
            throw new FileNotFoundException($"{path} holds neither {SingleFileName} nor {IndexFileName}.", single);
        }
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            return OpenIndex(path);
        return OpenSingle(path);
    }

    /// <summary>True when the checkpoint holds a tensor of that name.</summary>
    public bool Contains(string name) => owner.ContainsKey(name);

    /// <summary>The header entry of a tensor.</summary>
    /// <exception cref="KeyNotFoundException">No such tensor; the message names the checkpoint.</exception>
    public SafetensorsTensorInfo Info(string name) => FileOf(name).Info(name);

    /// <summary>The file that holds a tensor.</summary>
    /// <exception cref="KeyNotFoundException">No such tensor; the message names the checkpoint.</exception>
    public SafetensorsFile FileOf(string name) =>
        owner.TryGetValue(name, out var file) ? file : throw new KeyNotFoundException($"{Path}: no tensor named '{name}'.");

    /// <summary>Reads a tensor into a new CPU tensor (see <see cref="SafetensorsFile.ReadTensor"/>).</summary>
    public Tensor ReadTensor(string name, bool upcastToFloat32 = false) => FileOf(name).ReadTensor(name, upcastToFloat32);

    /// <summary>Reads a tensor into an existing tensor of the same shape (see <see cref="SafetensorsFile.ReadInto"/>).</summary>
    public void ReadInto(string name, Tensor destination) => FileOf(name).ReadInto(name, destination);

    /// <summary>Closes every file.</summary>
    public void Dispose()
    {
        foreach (var file in Files)
            file.Dispose();
    }

    private static SafetensorsCheckpoint OpenSingle(string path)
    {
        var file = SafetensorsFile.Open(path);
        return new SafetensorsCheckpoint(path, [file], file.Tensors.ToDictionary(t => t.Name, _ => file, StringComparer.Ordinal));
    }

    private static SafetensorsCheckpoint OpenIndex(string indexPath)
    {
        if (!File.Exists(indexPath))
            throw new FileNotFoundException($"Checkpoint index not found: {indexPath}", indexPath);
        var weightMap = ReadWeightMap(indexPath);
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(indexPath))!;
        var files = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        var owner = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, shard) in weightMap)
            {
                if (!files.TryGetValue(shard, out var file))
                {
                    var shardPath = System.IO.Path.Combine(folder, shard);
                    if (!File.Exists(shardPath))
                        throw new FileNotFoundException(
                            $"{indexPath}: shard '{shard}' (holding '{name}') is missing from {folder}.",
                            shardPath
                        );
                    files[shard] = file = SafetensorsFile.Open(shardPath);
                }
                if (!file.Contains(name))
                    throw new SafetensorsException(indexPath, $"weight_map puts '{name}' in {shard}, but that shard has no such tensor.");
                owner[name] = file;
            }
        }
        catch
        {
            foreach (var file in files.Values)
                file.Dispose();
            throw;
        }
        return new SafetensorsCheckpoint(indexPath, [.. files.Values], owner);
    }

    private static List<(string Name, string Shard)> ReadWeightMap(string indexPath)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(indexPath));
            if (
                document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("weight_map", out var map)
                || map.ValueKind != JsonValueKind.Object
            )
                throw new SafetensorsException(indexPath, "expected a JSON object with a 'weight_map' object (tensor name → shard file).");
            var result = new List<(string, string)>();
            foreach (var entry in map.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.String)
                    throw new SafetensorsException(
                        indexPath,
                        $"weight_map['{entry.Name}'] must be a shard file name, found {entry.Value.ValueKind}."
                    );
                var shard = entry.Value.GetString()!;
                if (shard.Length == 0 || shard != System.IO.Path.GetFileName(shard))
                    throw new SafetensorsException(
                        indexPath,
                        $"weight_map['{entry.Name}'] = '{shard}' must be a file name in the index's folder."
                    );
                result.Add((entry.Name, shard));
            }
            if (result.Count == 0)
                throw new SafetensorsException(indexPath, "weight_map is empty.");
            return result;
        }
        catch (JsonException e)
        {
            throw new SafetensorsException(indexPath, $"not valid JSON ({e.Message}).", e);
        }
    }
}
