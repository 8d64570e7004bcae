using System.Text.Json;
using TorchSharp;
using Workbook.Gpt2;
using static TorchSharp.torch;

namespace Workbook.Tests.Gpt2;

/// <summary>The tiny checkpoints and reference values of tests/fixtures/gpt2 (written by make_goldens.py).</summary>
internal static class Gpt2Goldens
{
    public const double Tolerance = 1e-4;

    private static readonly Lazy<JsonElement> Root = new(() =>
        JsonDocument.Parse(File.ReadAllText(Repository.Fixture("gpt2/goldens.json"))).RootElement
    );

    private static readonly Lazy<Gpt2LMHeadModel> TinyModel = new(() => Gpt2LMHeadModel.FromPretrained(Folder("tiny")));

    static Gpt2Goldens() => InitializeDeviceType(DeviceType.CPU);

    public static JsonElement Get(string name) => Root.Value.GetProperty(name);

    public static string Folder(string checkpoint) => Repository.Fixture("gpt2/" + checkpoint);

    /// <summary>The float32 "tiny" model, loaded once and shared (tests only read it).</summary>
    public static Gpt2LMHeadModel Tiny => TinyModel.Value;

    public static Gpt2Config TinyConfig => Gpt2Config.FromFile(Folder("tiny"));

    public static long[] Longs(this JsonElement e) => [.. e.EnumerateArray().Select(v => v.GetInt64())];

    public static int[] TokenIds(this JsonElement e) => [.. e.EnumerateArray().Select(v => v.GetInt32())];

    public static long[][] LongRows(this JsonElement e) => [.. e.EnumerateArray().Select(Longs)];

    public static Tensor Ids(long[][] rows) => tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length]);

    public static Tensor Logits(JsonElement c) =>
        tensor(c.GetProperty("values").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray(), c.GetProperty("shape").Longs());

    public static JsonElement LogitsCase(string name, string set = "logits") =>
        Get(set).EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    public static double MaxAbsDifference(Tensor a, Tensor b)
    {
        Assert.Equal(b.shape, a.shape);
        using var d = (a.to(ScalarType.Float64) - b.to(ScalarType.Float64)).abs().max();
        return d.item<double>();
    }

    public static void AssertClose(Tensor expected, Tensor actual, string what, double tolerance = Tolerance)
    {
        var error = MaxAbsDifference(actual, expected);
        Assert.True(error <= tolerance, $"{what}: max |difference| {error:E3} > {tolerance:E0}");
    }
}
