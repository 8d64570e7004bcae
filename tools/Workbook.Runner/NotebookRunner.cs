using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;

namespace Workbook.Runner;

/// <summary>How a notebook run ended.</summary>
public enum NotebookStatus
{
    /// <summary>Every code cell succeeded.</summary>
    Passed,

    /// <summary>A cell failed; later cells were not run.</summary>
    Failed,

    /// <summary>A cell ran past the time limit.</summary>
    TimedOut,
}

/// <summary>The result of running one notebook.</summary>
/// <param name="Notebook">The source notebook path.</param>
/// <param name="OutputPath">Where the executed copy was written.</param>
/// <param name="Cells">Number of cells, markdown included.</param>
/// <param name="CodeCellsRun">Code cells executed.</param>
/// <param name="Elapsed">Wall-clock time.</param>
/// <param name="Status">How it ended.</param>
/// <param name="FailedCell">The 1-based number (among all cells) of the failed cell, if any.</param>
/// <param name="Error">The failure message, if any.</param>
public sealed record NotebookResult(
    string Notebook,
    string OutputPath,
    int Cells,
    int CodeCellsRun,
    TimeSpan Elapsed,
    NotebookStatus Status,
    int? FailedCell,
    string? Error
)
{
    /// <summary>The one-line failure report, e.g. <c>FAILED 00-environment-setup.ipynb cell 7: ...</c>.</summary>
    public string FailureLine =>
        Status == NotebookStatus.Passed ? "" : $"FAILED {Path.GetFileName(Notebook)} cell {FailedCell}: {FirstLine(Error)}";

    private static string FirstLine(string? text) =>
        (text ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
}

/// <summary>
/// Executes a notebook's code cells in order on a fresh in-process kernel, records their outputs as nbformat
/// outputs, and writes an executed copy. The first failing cell stops the run, as in Jupyter's nbconvert.
/// </summary>
public sealed class NotebookRunner
{
    /// <summary>Per-cell time limit; a cell that runs longer fails the notebook.</summary>
    public TimeSpan CellTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Receives one line per cell as it starts and ends (progress).</summary>
    public Action<string>? Progress { get; init; }

    /// <summary>Runs <paramref name="notebookPath"/> and writes the executed copy into <paramref name="outputDirectory"/>.</summary>
    public async Task<NotebookResult> RunAsync(string notebookPath, string outputDirectory, CancellationToken cancellation = default)
    {
        var document = NotebookDocument.Load(notebookPath);
        var outputPath = Path.Combine(outputDirectory, Path.GetFileName(notebookPath));
        var name = Path.GetFileName(notebookPath);
        var codeCells = document.Cells.Count(c => c.IsCode);
        var watch = Stopwatch.StartNew();
        var executed = 0;
        var previousDirectory = Environment.CurrentDirectory;
        // Relative paths in a notebook (#r "../lib/bin/Workbook.dll", data files) are relative to its own folder,
        // as under Jupyter and VS Code.
        Environment.CurrentDirectory = Path.GetDirectoryName(Path.GetFullPath(notebookPath))!;
        using var kernel = InProcessKernel.Create();
        try
        {
            foreach (var cell in document.Cells.Where(c => c.IsCode))
            {
                executed++;
                Progress?.Invoke($"  {name} cell {cell.Number} ({executed}/{codeCells}) ...");
                var cellWatch = Stopwatch.StartNew();
                var (outputs, failure, timedOut) = await ExecuteAsync(kernel, cell, executed, cancellation);
                cell.SetExecution(executed, outputs);
                Progress?.Invoke(
                    $"  {name} cell {cell.Number} ({executed}/{codeCells}) "
                        + $"{(failure is null ? "ok" : "FAILED")} in {cellWatch.Elapsed.TotalSeconds:F1} s"
                );
                if (failure is not null)
                {
                    document.Save(outputPath);
                    return new(
                        notebookPath,
                        outputPath,
                        document.Cells.Count,
                        executed,
                        watch.Elapsed,
                        timedOut ? NotebookStatus.TimedOut : NotebookStatus.Failed,
                        cell.Number,
                        failure
                    );
                }
            }
            RecordExecution(document, watch.Elapsed);
            document.Save(outputPath);
            return new(notebookPath, outputPath, document.Cells.Count, executed, watch.Elapsed, NotebookStatus.Passed, null, null);
        }
        finally
        {
            Environment.CurrentDirectory = previousDirectory;
        }
    }

    /// <summary>
    /// Writes how long the run took into the executed copy's metadata (<c>workbook.execution</c>), where the book
    /// reads each chapter's measured runtime; the Jupyter route writes the same fields.
    /// </summary>
    internal static void RecordExecution(NotebookDocument document, TimeSpan elapsed)
    {
        var workbook = document.Metadata["workbook"] as JsonObject ?? [];
        workbook["execution"] = new JsonObject
        {
            ["seconds"] = Math.Round(elapsed.TotalSeconds, 1),
            ["host"] = "in-process runner",
            ["finished"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            ["processors"] = Environment.ProcessorCount,
        };
        document.Metadata["workbook"] = workbook;
    }

    private async Task<(JsonArray Outputs, string? Failure, bool TimedOut)> ExecuteAsync(
        CompositeKernel kernel,
        NotebookCell cell,
        int executionCount,
        CancellationToken cancellation
    )
    {
        var outputs = new NotebookOutputs(executionCount);
        using var subscription = kernel.KernelEvents.Subscribe(outputs.Add);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(CellTimeout);
        var run = kernel.SendAsync(new SubmitCode(cell.Source, cell.KernelName), timeout.Token);
        var finished = await Task.WhenAny(run, Task.Delay(Timeout.Infinite, timeout.Token).ContinueWith(_ => { }, TaskScheduler.Default));
        if (finished != run || !run.IsCompletedSuccessfully)
        {
            var message = run.IsFaulted
                ? run.Exception!.GetBaseException().Message
                : $"the cell did not finish within {CellTimeout.TotalSeconds:F0} s";
            outputs.AddError("TimeoutError", message);
            return (outputs.ToJson(), message, !run.IsFaulted);
        }
        var result = await run;
        var failed =
            result.Events.OfType<CommandFailed>().FirstOrDefault(f => f.Command == result.Command)
            ?? result.Events.OfType<CommandFailed>().FirstOrDefault();
        return (outputs.ToJson(), failed?.Message, false);
    }
}

/// <summary>Turns kernel events into nbformat 4 outputs, the way a notebook front end shows them.</summary>
internal sealed class NotebookOutputs(int executionCount)
{
    private readonly List<JsonObject> _outputs = [];
    private readonly Dictionary<string, int> _displayIndex = [];
    private readonly HashSet<int> _updated = []; // outputs an update has replaced
    private readonly Lock _gate = new();

    public void Add(KernelEvent e)
    {
        lock (_gate)
        {
            switch (e)
            {
                case StandardOutputValueProduced o:
                    AppendStream("stdout", Text(o));
                    break;
                case StandardErrorValueProduced o:
                    AppendStream("stderr", Text(o));
                    break;
                case ErrorProduced o:
                    AppendStream("stderr", o.Message + "\n");
                    break;
                // Compiler warnings go to stderr as the Jupyter kernel sends them, so both routes' copies show the same
                // (errors already arrive as the command's failure).
                case DiagnosticsProduced d when d.Diagnostics.Any(x => x.Severity == DiagnosticSeverity.Warning):
                    AppendStream(
                        "stderr",
                        "\n"
                            + string.Join(
                                "\n\n",
                                d.Diagnostics.Zip(d.FormattedDiagnostics)
                                    .Where(p => p.First.Severity == DiagnosticSeverity.Warning)
                                    .Select(p => p.Second.Value)
                            )
                            + "\n\n"
                    );
                    break;
                case ReturnValueProduced o:
                    _outputs.Add(Display("execute_result", o));
                    break;
                case DisplayedValueUpdated o when UpdatedOutput(o) is var index and >= 0:
                    _outputs[index] = Display("display_data", o); // a live display updates in place
                    break;
                case DisplayEvent o:
                    if (o.ValueId is not null)
                        _displayIndex[o.ValueId] = _outputs.Count;
                    _outputs.Add(Display("display_data", o));
                    break;
                case CommandFailed f:
                    AddErrorUnlocked(f.Exception?.GetType().Name ?? "Error", f.Message);
                    break;
            }
        }
    }

    // The output a display update replaces. The kernel (1.0.0-beta.26120.1, and the dotnet-interactive tool of the
    // Jupyter route alike) gives a display's updates another value id than the display itself, so an update whose id
    // is unknown takes the latest display of this cell with the same MIME types that no other update has taken;
    // later updates with its id then find it directly. -1: none (the update is shown as a new display).
    private int UpdatedOutput(DisplayedValueUpdated update)
    {
        if (update.ValueId is not null && _displayIndex.TryGetValue(update.ValueId, out var known))
            return known;
        var mimeTypes = update.FormattedValues.Select(v => v.MimeType).Order(StringComparer.Ordinal).ToArray();
        for (var i = _outputs.Count - 1; i >= 0; i--)
        {
            if (_outputs[i]["output_type"]?.GetValue<string>() != "display_data" || _updated.Contains(i))
                continue;
            var keys = (_outputs[i]["data"] as JsonObject)?.Select(p => p.Key).Order(StringComparer.Ordinal).ToArray() ?? [];
            if (!keys.SequenceEqual(mimeTypes))
                continue;
            _updated.Add(i);
            if (update.ValueId is not null)
                _displayIndex[update.ValueId] = i;
            return i;
        }
        return -1;
    }

    public void AddError(string name, string message)
    {
        lock (_gate)
            AddErrorUnlocked(name, message);
    }

    public JsonArray ToJson()
    {
        lock (_gate)
            return [.. _outputs.Select(o => (JsonNode)o.DeepClone())];
    }

    private void AddErrorUnlocked(string name, string message)
    {
        // Nested commands (a cell that submits code) report their own failure; keep one error output per message.
        if (_outputs.Any(o => o["output_type"]?.GetValue<string>() == "error" && o["evalue"]?.GetValue<string>() == message))
            return;
        _outputs.Add(
            new JsonObject
            {
                ["output_type"] = "error",
                ["ename"] = name,
                ["evalue"] = message,
                ["traceback"] = new JsonArray([.. message.Split('\n').Select(l => (JsonNode)l)]),
            }
        );
    }

    private void AppendStream(string stream, string text)
    {
        if (
            _outputs.Count > 0
            && _outputs[^1]["output_type"]?.GetValue<string>() == "stream"
            && _outputs[^1]["name"]?.GetValue<string>() == stream
        )
        {
            _outputs[^1]["text"] = _outputs[^1]["text"]!.GetValue<string>() + text;
            return;
        }
        _outputs.Add(
            new JsonObject
            {
                ["output_type"] = "stream",
                ["name"] = stream,
                ["text"] = text,
            }
        );
    }

    private static string Text(DisplayEvent e) =>
        e.FormattedValues.FirstOrDefault(v => v.MimeType == "text/plain")?.Value ?? e.FormattedValues.FirstOrDefault()?.Value ?? "";

    private JsonObject Display(string outputType, DisplayEvent e)
    {
        var data = new JsonObject();
        foreach (var value in e.FormattedValues)
        {
            data[value.MimeType] =
                value.MimeType.EndsWith("json", StringComparison.Ordinal) && TryParse(value.Value) is { } json ? json : value.Value;
        }
        var output = new JsonObject
        {
            ["output_type"] = outputType,
            ["data"] = data,
            ["metadata"] = new JsonObject(),
        };
        if (outputType == "execute_result")
            output["execution_count"] = executionCount;
        return output;
    }

    private static JsonNode? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
