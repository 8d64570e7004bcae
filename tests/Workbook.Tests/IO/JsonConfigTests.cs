using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Workbook.IO;

namespace Workbook.Tests.IO;

/// <summary>The one config reader: what it reports for careless files, independent of any model's config.</summary>
public class JsonConfigTests
{
    private sealed record Sample : IJsonConfig<Sample>
    {
        [JsonPropertyName("width"), JsonRequired]
        public int Width { get; init; }

        [JsonPropertyName("rate")]
        public double Rate { get; init; } = 0.5;

        [JsonPropertyName("sizes")]
        public IReadOnlyList<int> Sizes { get; init; } = [1, 2];

        [JsonPropertyName("name")]
        public string? Name { get; init; }

        [JsonPropertyName("kind")]
        public string Kind => "sample";

        static string IJsonConfig<Sample>.FileName => "sample_config.json";

        static void IJsonConfig<Sample>.Prepare(JsonObject root, string source)
        {
            if (root["kind"] is { } kind && kind.ToJsonString() != "\"sample\"")
                throw new InvalidDataException($"{source}: field 'kind' is {kind.ToJsonString()}.");
            root.Remove("kind");
        }

        public Sample Validate(string source) =>
            Width > 0 ? this : throw new ArgumentException($"{source}: width must be positive, found {Width}.");
    }

    public static TheoryData<string, string> Careless =>
        new()
        {
            { """{"rate": 1}""", "field 'width' is missing" },
            { """{"width": "wide"}""", "field 'width' must be an integer, found \"wide\"" },
            { """{"width": 2.5}""", "field 'width' must be an integer, found 2.5" },
            { """{"width": 3, "rate": true}""", "field 'rate' must be a number, found true" },
            { """{"width": 3, "sizes": [4, null]}""", "field 'sizes' entry 1 must be an integer, found null" },
            { """{"width": 3, "sizes": "4,5"}""", "field 'sizes' must be an array of integers, found \"4,5\"" },
            { """{"width": 3, "name": 7}""", "field 'name' must be a string, found 7" },
            { """{"width": 3, "kind": "other"}""", "field 'kind' is \"other\"" },
            { """{"width": 0}""", "width must be positive, found 0" },
            { """[3]""", "expected a JSON object" },
            { """{"width": """, "not valid JSON" },
        };

    [Theory]
    [MemberData(nameof(Careless))]
    public void Careless_files_name_the_file_and_the_field(string json, string message)
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("sample_config.json"), json);
        var e = Assert.ThrowsAny<Exception>(() => JsonConfig.FromFile<Sample>(folder.Path));
        Assert.True(e is InvalidDataException or ArgumentException, e.GetType().Name);
        Assert.Contains(folder.File("sample_config.json"), e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Saved_configs_read_back_with_the_computed_fields_written()
    {
        using var folder = new TempFolder();
        var config = new Sample
        {
            Width = 7,
            Rate = 1e-5,
            Sizes = [3, 4, 5],
        };
        JsonConfig.Save(config, folder.File("sample_config.json"));
        var text = File.ReadAllText(folder.File("sample_config.json"));
        Assert.Contains("\"kind\": \"sample\"", text);
        var back = JsonConfig.FromFile<Sample>(folder.Path);
        Assert.Equal((7, 1e-5), (back.Width, back.Rate));
        Assert.Equal([3, 4, 5], back.Sizes);
        Assert.Single(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void A_file_over_a_mebibyte_is_refused_before_it_is_read()
    {
        using var folder = new TempFolder();
        File.WriteAllText(
            folder.File("sample_config.json"),
            "{\"width\": 1, \"name\": \"" + new string('x', (int)JsonConfig.MaxBytes) + "\"}"
        );
        var e = Assert.Throws<InvalidDataException>(() => JsonConfig.FromFile<Sample>(folder.Path));
        Assert.Contains("too large for a sample_config.json", e.Message);
    }

    [Fact]
    public void A_missing_file_names_the_path()
    {
        using var folder = new TempFolder();
        var e = Assert.Throws<FileNotFoundException>(() => JsonConfig.FromFile<Sample>(folder.Path));
        Assert.Contains(folder.File("sample_config.json"), e.Message);
    }
}
