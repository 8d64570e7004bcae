using Workbook.IO;

namespace Workbook.Tests.IO;

/// <summary>The provenance format the shipped small models share: its layout, and what it says about a careless file.</summary>
public class ProvenanceJsonTests
{
    private sealed record Sample(string ModelName, int TrainingSteps, string Machine);

    [Fact]
    public void A_record_is_written_as_indented_snake_case_and_read_back_from_the_file_or_its_folder()
    {
        using var folder = new TempFolder();
        var record = new Sample("kjv-gpt", 2158, "AMD EPYC — 2 cores");

        var json = ProvenanceJson.Serialize(record);
        File.WriteAllText(folder.File("provenance.json"), json);

        Assert.Contains("\n  \"model_name\": \"kjv-gpt\",", json);
        Assert.Contains("\"training_steps\": 2158", json);
        Assert.Contains("AMD EPYC — 2 cores", json); // kept readable, not \u2014
        Assert.EndsWith("}\n", json);
        Assert.Equal(record, ProvenanceJson.Load<Sample>(folder.File("provenance.json")));
        Assert.Equal(record, ProvenanceJson.Load<Sample>(folder.Path));
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        using var folder = new TempFolder();
        var error = Assert.Throws<FileNotFoundException>(() => ProvenanceJson.Load<Sample>(folder.Path));
        Assert.Contains("provenance.json", error.Message);
    }

    [Fact]
    public void A_file_that_is_not_the_record_is_named_in_the_error()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("provenance.json"), "{ \"model_name\": ");
        var error = Assert.Throws<InvalidDataException>(() => ProvenanceJson.Load<Sample>(folder.Path));
        Assert.Contains(folder.File("provenance.json"), error.Message);
        Assert.Contains("is not a provenance record", error.Message);

        File.WriteAllText(folder.File("provenance.json"), "null");
        error = Assert.Throws<InvalidDataException>(() => ProvenanceJson.Load<Sample>(folder.Path));
        Assert.Contains("holds null", error.Message);
    }

    [Fact]
    public void An_oversized_file_is_refused_before_it_is_read()
    {
        using var folder = new TempFolder();
        using (var file = File.Create(folder.File("provenance.json")))
            file.SetLength(JsonConfig.MaxBytes + 1);
        var error = Assert.Throws<InvalidDataException>(() => ProvenanceJson.Load<Sample>(folder.Path));
        Assert.Contains("too large for a provenance.json (limit 1,048,576)", error.Message);
    }
}
