using System.Text.Json;

namespace Workbook.Tests.Data;

/// <summary>scikit-learn's values from tests/fixtures/data/goldens.json (written by make_goldens.py).</summary>
internal static class Goldens
{
    private static readonly Lazy<JsonElement> Root = new(() =>
        JsonDocument.Parse(File.ReadAllText(Repository.Fixture("data/goldens.json"))).RootElement
    );

    public static JsonElement Get(string name) => Root.Value.GetProperty(name);

    public static double[] Doubles(this JsonElement e) => [.. e.EnumerateArray().Select(v => v.GetDouble())];

    public static int[] Ints(this JsonElement e) => [.. e.EnumerateArray().Select(v => v.GetInt32())];

    public static string[] Strings(this JsonElement e) => [.. e.EnumerateArray().Select(v => v.GetString()!)];

    public static double[,] Matrix(this JsonElement e)
    {
        var rows = e.EnumerateArray().Select(Doubles).ToArray();
        var result = new double[rows.Length, rows[0].Length];
        for (var i = 0; i < rows.Length; i++)
        for (var j = 0; j < rows[0].Length; j++)
            result[i, j] = rows[i][j];
        return result;
    }
}
