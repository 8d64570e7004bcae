using System.Diagnostics;
using System.Text.Json;

namespace Workbook.Benchmarks;

/// <summary>Runs a reference script from benchmarks/reference with Debian's Python and reads the JSON it prints; null when
/// unavailable.</summary>
internal static class PythonReference
{
    private const string Python = "/usr/bin/python3";

    public static T? Run<T>(string scriptName, IEnumerable<string> arguments, TimeSpan timeout, JsonSerializerOptions? options = null)
        where T : class
    {
        var script = Path.Combine(AppContext.BaseDirectory, "reference", scriptName);
        if (!File.Exists(Python) || !File.Exists(script))
            return null;
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(timeout) || process.ExitCode != 0)
        {
            Console.Error.WriteLine($"reference {scriptName} unavailable: {error.Result.Trim().Split('\n').LastOrDefault()}");
            return null;
        }
        return JsonSerializer.Deserialize<T>(output, options ?? new JsonSerializerOptions { PropertyNameCaseInsensitive = true });
    }
}
