using System.Text.Json.Nodes;
using TorchSharp;
using Workbook.Safetensors;
using Workbook.Wav2Vec2;
using static TorchSharp.torch;

namespace Workbook.Tests.Wav2Vec2;

/// <summary>Hostile or careless config.json files: each is a clear error naming the file and the field, raised before anything is
/// allocated.</summary>
public class Wav2Vec2ConfigTests
{
    static Wav2Vec2ConfigTests() => InitializeDeviceType(DeviceType.CPU);

    /// <summary>The tiny-base config with one field replaced (its JSON text given), in a folder beside the tiny checkpoint.</summary>
    private static TempFolder TinyWith(string field, string json)
    {
        var folder = new TempFolder();
        var config = JsonNode.Parse(File.ReadAllText(Repository.Fixture("wav2vec2/tiny-base/config.json")))!.AsObject();
        config[field] = JsonNode.Parse(json);
        File.WriteAllText(folder.File("config.json"), config.ToJsonString());
        File.Copy(Repository.Fixture("wav2vec2/tiny-base/model.safetensors"), folder.File("model.safetensors"));
        return folder;
    }

    public static TheoryData<string, string, string> WrongTypes =>
        new()
        {
            { "hidden_size", "\"24\"", "field 'hidden_size' must be an integer, found \"24\"" },
            { "layer_norm_eps", "\"small\"", "field 'layer_norm_eps' must be a number" },
            { "conv_bias", "1", "field 'conv_bias' must be true or false, found 1" },
            { "feat_extract_norm", "7", "field 'feat_extract_norm' must be a string, found 7" },
            { "conv_dim", "[16, null, 16]", "field 'conv_dim' entry 1 must be an integer, found null" },
            { "conv_kernel", "\"10,3,3\"", "field 'conv_kernel' must be an array of integers" },
            { "conv_stride", "[5, 2.5, 2]", "field 'conv_stride' entry 1 must be an integer, found 2.5" },
        };

    [Theory]
    [MemberData(nameof(WrongTypes))]
    public void A_field_of_the_wrong_type_is_named(string field, string json, string message)
    {
        using var folder = TinyWith(field, json);
        var e = Assert.Throws<InvalidDataException>(() => Wav2Vec2Config.FromFile(folder.Path));
        Assert.Contains(message, e.Message);
        Assert.Contains(folder.File("config.json"), e.Message);
    }

    [Fact]
    public void Strides_whose_product_overflows_the_samples_per_frame_are_refused()
    {
        using var folder = TinyWith("conv_stride", "[65536, 65536, 1]");
        var e = Assert.Throws<ArgumentException>(() => Wav2Vec2Config.FromFile(folder.Path));
        Assert.Contains("conv_stride [65536, 65536, 1] multiply to 4294967296 samples per frame", e.Message);
        Assert.Throws<OverflowException>(() => (Wav2Vec2Config.Base960h with { ConvStrides = [65536, 65536, 1] }).SamplesPerFrame);
    }

    [Fact]
    public void A_model_too_large_for_memory_is_refused_naming_the_field_and_the_bytes_it_needs()
    {
        using var folder = TinyWith("intermediate_size", "1073741824");
        var e = Assert.Throws<ArgumentException>(() => Wav2Vec2ForCtc.FromPretrained(folder.Path));
        Assert.Contains(folder.File("config.json"), e.Message);
        Assert.Contains("of it from intermediate_size); this machine has", e.Message);
        Assert.Contains("would need 384.0 GiB as float32", e.Message); // 2 layers × 2 × 24 × 2^30 × 4 bytes
        Assert.Throws<ArgumentException>(() => new Wav2Vec2ForCtc(Wav2Vec2Config.Base960h with { IntermediateSize = 1 << 30 }, META));
    }

    [Fact]
    public void Config_sizes_are_checked_against_the_checkpoint_header_before_the_model_is_allocated()
    {
        // Half the machine's memory in feed-forward weights: building (and randomly initialising) that model before
        // reading the header used to take gigabytes and many seconds, or get the process killed, before the mismatch.
        var perLayer = (long)(Workbook.Models.ParameterMemory.AvailableBytes / 2 / 4 / 2 / 2 / 24);
        using var folder = TinyWith("intermediate_size", Math.Min(perLayer, int.MaxValue).ToString());
        var e = Assert.Throws<CheckpointMismatchException>(() => Wav2Vec2ForCtc.FromPretrained(folder.Path));
        Assert.Equal(6, e.Misshaped.Count); // intermediate_dense weight and bias, output_dense weight, in both layers
        Assert.All(e.Misshaped, m => Assert.Contains("feed_forward", m.Name));
        Assert.Empty(e.Missing);
        Assert.Empty(e.Unexpected);
    }
}
