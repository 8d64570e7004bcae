namespace Workbook.Distributed.Worker;

/// <summary>Reads the worker's own options (those that are not <see cref="DataParallelSettings"/>).</summary>
internal static class Options
{
    public static string? Take(List<string> arguments, string name)
    {
        var i = arguments.IndexOf(name);
        if (i < 0)
            return null;
        if (i + 1 >= arguments.Count)
            throw new ArgumentException($"Option {name} needs a value.");
        var value = arguments[i + 1];
        arguments.RemoveRange(i, 2);
        return value;
    }

    public static string Require(List<string> arguments, string name) =>
        Take(arguments, name) ?? throw new ArgumentException($"Option {name} is required.");

    public static void RejectRest(List<string> arguments)
    {
        if (arguments.Count > 0)
            throw new ArgumentException($"Unknown arguments: {string.Join(" ", arguments)}.");
    }
}
