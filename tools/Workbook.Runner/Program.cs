using System.Diagnostics;
using Workbook.Native;
using Workbook.Runner;

// The kernel captures Console.Out while a cell runs, so progress goes to the raw stdout stream instead.
var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
var stderr = new StreamWriter(Console.OpenStandardError()) { AutoFlush = true };

try
{
    var options = RunnerOptions.Parse(args);
    if (options.ShowHelp)
    {
        stdout.WriteLine(RunnerOptions.Usage);
        return 0;
    }
    var layout = RepositoryLayout.Find();
    var notebooks = options.Notebooks.Count == 0 ? layout.AllNotebooks() : [.. options.Notebooks.Select(layout.Resolve)];
    if (notebooks.Count == 0)
    {
        stderr.WriteLine($"No notebooks found in {layout.Notebooks}.");
        return 2;
    }
    var outputDirectory = Path.GetFullPath(options.OutputDirectory ?? layout.DefaultOutput);

    // Fix the Debian 12 libstdc++ trap before any notebook loads TorchSharp (one line per file changed).
    foreach (var line in LibTorchSharpGlibcxxFix.EnsureLoadable())
        stdout.WriteLine(line);

    stdout.WriteLine(
        $"Running {notebooks.Count} notebook(s) with the in-process .NET Interactive C# kernel; executed copies go to {outputDirectory}"
    );
    var runner = new NotebookRunner { CellTimeout = options.CellTimeout, Progress = stdout.WriteLine };
    var results = new List<NotebookResult>();
    var total = Stopwatch.StartNew();
    foreach (var notebook in notebooks)
    {
        stdout.WriteLine($"{Path.GetFileName(notebook)}:");
        var result = await runner.RunAsync(notebook, outputDirectory);
        results.Add(result);
        if (result.Status != NotebookStatus.Passed)
            break;
    }

    stdout.WriteLine();
    stdout.WriteLine(ResultTable.Format(results, notebooks));
    stdout.WriteLine($"Total {total.Elapsed.TotalSeconds:F1} s.");
    var failure = results.FirstOrDefault(r => r.Status != NotebookStatus.Passed);
    if (failure is null)
        return 0;
    stderr.WriteLine(failure.FailureLine);
    stderr.WriteLine($"The executed copy with the error output is {failure.OutputPath}");
    return 1;
}
catch (Exception e) when (e is ArgumentException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
{
    stderr.WriteLine($"workbook-run: {e.Message}");
    return 2;
}

namespace Workbook.Runner
{
    /// <summary>Command-line options of <c>workbook-run</c>.</summary>
    internal sealed record RunnerOptions(IReadOnlyList<string> Notebooks, string? OutputDirectory, TimeSpan CellTimeout, bool ShowHelp)
    {
        public const string Usage = """
            Usage: dotnet run --project tools/Workbook.Runner -- [options] [notebook ...]

            Executes workbook notebooks top to bottom with the .NET Interactive C# kernel hosted in this process,
            writes executed copies (with outputs) and prints a table. With no notebook named, runs every
            notebooks/NN-*.ipynb in order. A notebook is a path, a file name, or a chapter number such as 00.

            Options:
              --output-dir DIR     where executed copies go (default: artifacts/notebooks)
              --cell-timeout SEC   fail a cell that runs longer (default: 600)
              -h, --help           show this help

            Exit code: 0 when every notebook passed, 1 when a cell failed (the line FAILED <notebook> cell <N>: <error>
            names it; N counts every cell from 1, markdown included), 2 for bad arguments.
            """;

        public static RunnerOptions Parse(IReadOnlyList<string> args)
        {
            var notebooks = new List<string>();
            string? output = null;
            var timeout = TimeSpan.FromMinutes(10);
            var help = false;
            for (var i = 0; i < args.Count; i++)
            {
                switch (args[i])
                {
                    case "-h" or "--help":
                        help = true;
                        break;
                    case "--output-dir":
                        output = Value(args, ref i);
                        break;
                    case "--cell-timeout":
                        var text = Value(args, ref i);
                        timeout =
                            double.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0
                                ? TimeSpan.FromSeconds(seconds)
                                : throw new ArgumentException($"--cell-timeout needs a positive number of seconds, not '{text}'.");
                        break;
                    case var option when option.StartsWith('-'):
                        throw new ArgumentException($"Unknown option '{option}'. Run with --help for usage.");
                    default:
                        notebooks.Add(args[i]);
                        break;
                }
            }
            return new(notebooks, output, timeout, help);
        }

        private static string Value(IReadOnlyList<string> args, ref int i) =>
            i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    }

    /// <summary>The summary table printed at the end of a run.</summary>
    internal static class ResultTable
    {
        public static string Format(IReadOnlyList<NotebookResult> results, IReadOnlyList<string> planned)
        {
            var rows = planned
                .Select(path =>
                {
                    var r = results.FirstOrDefault(x => x.Notebook == path);
                    return r is null
                        ? new[] { Path.GetFileName(path), "", "", "not run" }
                        :
                        [
                            Path.GetFileName(path),
                            $"{r.CodeCellsRun}/{r.Cells}",
                            $"{r.Elapsed.TotalSeconds:F1}",
                            r.Status == NotebookStatus.Passed
                                ? "passed"
                                : $"{r.Status.ToString().ToLowerInvariant()} at cell {r.FailedCell}",
                        ];
                })
                .ToList();
            string[] headers = ["notebook", "code/all cells", "seconds", "status"];
            var widths = headers.Select((h, c) => Math.Max(h.Length, rows.Max(r => r[c].Length))).ToArray();
            string Line(string[] cells) => string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();
            return string.Join(
                Environment.NewLine,
                [Line(headers), string.Join("  ", widths.Select(w => new string('-', w))), .. rows.Select(Line)]
            );
        }
    }
}
