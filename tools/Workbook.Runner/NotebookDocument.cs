using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Workbook.Runner;

/// <summary>
/// An nbformat 4 notebook kept as JSON, so everything the runner does not touch (metadata, attachments, ids)
/// survives unchanged in the executed copy.
/// </summary>
public sealed class NotebookDocument
{
    private readonly JsonObject _root;

    private NotebookDocument(string path, JsonObject root, IReadOnlyList<NotebookCell> cells)
    {
        Path = path;
        _root = root;
        Cells = cells;
    }

    /// <summary>Where the notebook was read from.</summary>
    public string Path { get; }

    /// <summary>All cells, in order.</summary>
    public IReadOnlyList<NotebookCell> Cells { get; }

    /// <summary>The notebook-level metadata object (never null).</summary>
    public JsonObject Metadata =>
        _root["metadata"] as JsonObject ?? throw new InvalidDataException($"{Path}: notebook has no metadata object.");

    /// <summary>Reads and validates a notebook file.</summary>
    /// <exception cref="InvalidDataException">The file is not an nbformat 4 notebook; the message says what is wrong.</exception>
    public static NotebookDocument Load(string path)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { AllowTrailingCommas = false });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not valid JSON: {e.Message}", e);
        }
        if (node is not JsonObject root)
            throw new InvalidDataException($"{path}: the top level is not a JSON object.");
        if (root["nbformat"]?.GetValueKind() != JsonValueKind.Number || root["nbformat"]!.GetValue<int>() != 4)
            throw new InvalidDataException($"{path}: nbformat must be 4 (found {root["nbformat"]?.ToJsonString() ?? "nothing"}).");
        if (root["metadata"] is not JsonObject)
            throw new InvalidDataException($"{path}: the notebook has no \"metadata\" object.");
        if (root["cells"] is not JsonArray cells)
            throw new InvalidDataException($"{path}: the notebook has no \"cells\" array.");
        var list = new List<NotebookCell>();
        for (var i = 0; i < cells.Count; i++)
        {
            if (cells[i] is not JsonObject cell)
                throw new InvalidDataException($"{path}: cell {i + 1} is not a JSON object.");
            list.Add(new NotebookCell(i + 1, cell, path));
        }
        return new NotebookDocument(path, root, list);
    }

    /// <summary>The notebook as nbformat JSON (one-space indentation, as Jupyter writes it).</summary>
    public string ToJson()
    {
        var json = _root.ToJsonString(
            new JsonSerializerOptions
            {
                WriteIndented = true,
                IndentSize = 1,
                Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            }
        );
        return json + "\n";
    }

    /// <summary>Writes the notebook atomically: a temporary file in the same folder, then a rename, so a reader never sees half a
    /// file.</summary>
    public void Save(string path)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temporary, ToJson(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
                File.Delete(temporary);
        }
    }
}

/// <summary>One notebook cell.</summary>
public sealed class NotebookCell
{
    private readonly JsonObject _cell;

    internal NotebookCell(int number, JsonObject cell, string notebookPath)
    {
        Number = number;
        _cell = cell;
        CellType =
            cell["cell_type"]?.GetValue<string>() ?? throw new InvalidDataException($"{notebookPath}: cell {number} has no cell_type.");
        Source = cell["source"] switch
        {
            JsonArray lines => string.Concat(lines.Select(l => l?.GetValue<string>() ?? "")),
            JsonValue text when text.GetValueKind() == JsonValueKind.String => text.GetValue<string>(),
            null => throw new InvalidDataException($"{notebookPath}: cell {number} has no source."),
            _ => throw new InvalidDataException($"{notebookPath}: cell {number} source is neither a string nor a list of strings."),
        };
    }

    /// <summary>1-based position among all cells, markdown included — the number every message uses.</summary>
    public int Number { get; }

    /// <summary>code, markdown or raw.</summary>
    public string CellType { get; }

    /// <summary>The cell's text.</summary>
    public string Source { get; }

    /// <summary>The cell's metadata (empty object when absent).</summary>
    public JsonObject Metadata => _cell["metadata"] as JsonObject ?? [];

    /// <summary>The raw JSON of the cell.</summary>
    public JsonObject Json => _cell;

    /// <summary>True for a code cell.</summary>
    public bool IsCode => CellType == "code";

    /// <summary>The kernel that should run this code cell (csharp unless the cell says otherwise).</summary>
    public string KernelName =>
        Metadata["polyglot_notebook"]?["kernelName"]?.GetValue<string>()
        ?? Metadata["dotnet_interactive"]?["language"]?.GetValue<string>()
        ?? "csharp";

    /// <summary>Stored outputs (empty for markdown).</summary>
    public JsonArray Outputs => _cell["outputs"] as JsonArray ?? [];

    /// <summary>Replaces the cell's outputs and execution count with those of a run.</summary>
    internal void SetExecution(int executionCount, JsonArray outputs)
    {
        _cell["execution_count"] = executionCount;
        _cell["outputs"] = outputs;
    }
}
