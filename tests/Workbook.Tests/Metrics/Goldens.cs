using System.Text.Json;

namespace Workbook.Tests.Metrics;

/// <summary>scikit-learn 1.2.1 reference values from tests/fixtures/metrics/goldens.json (see make_goldens.py beside it).</summary>
internal static class Goldens
{
    /// <summary>
    /// Largest allowed difference from scikit-learn. The C# code follows the same formulas, so results differ only by
    /// summation order (NumPy sums pairwise); 1e-9 is far above that rounding and far below any real discrepancy.
    /// </summary>
    public const double Tolerance = 1e-9;

    private static readonly Lazy<JsonElement> Root = new(() =>
    {
        var path = Repository.Fixture("metrics/goldens.json");
        Assert.True(
            File.Exists(path),
            $"Golden file missing: {path}; regenerate it with /usr/bin/python3 tests/fixtures/metrics/make_goldens.py"
        );
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.Clone();
    });

    public static JsonElement Section(string name) => Root.Value.GetProperty(name);

    public static JsonElement Case(string section, string name) =>
        Section(section).EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    public static TheoryData<string> CaseNames(string section)
    {
        var data = new TheoryData<string>();
        foreach (var c in Section(section).EnumerateArray())
            data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    public static int[] Ints(this JsonElement e) => [.. e.EnumerateArray().Select(x => x.GetInt32())];

    public static double[] Doubles(this JsonElement e) => [.. e.EnumerateArray().Select(x => x.GetDouble())];

    public static double Double(this JsonElement e, string property) => e.GetProperty(property).GetDouble();

    public static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= Tolerance, $"{what}: expected {expected:R} (scikit-learn), got {actual:R}");

    public static void Close(IReadOnlyList<double> expected, IReadOnlyList<double> actual, string what)
    {
        Assert.True(
            expected.Count == actual.Count,
            $"{what}: expected {expected.Count} values (scikit-learn), got {actual.Count}: [{string.Join(", ", actual)}]"
        );
        for (var i = 0; i < expected.Count; i++)
            Close(expected[i], actual[i], $"{what}[{i}]");
    }
}
