using Workbook.Gpt2;

namespace Workbook.Tests.Gpt2;

public class Gpt2ConfigTests
{
    [Fact]
    public void Reads_an_hf_config_json()
    {
        var config = Gpt2Goldens.TinyConfig;
        Assert.Equal(96, config.VocabSize);
        Assert.Equal(32, config.ContextLength);
        Assert.Equal(32, config.EmbeddingSize);
        Assert.Equal(2, config.LayerCount);
        Assert.Equal(4, config.HeadCount);
        Assert.Null(config.InnerSize);
        Assert.Equal(128, config.MlpSize);
        Assert.Equal(8, config.HeadSize);
        Assert.Equal(1e-5, config.LayerNormEpsilon);
        Assert.Equal("gelu_new", config.ActivationFunction);
        Assert.Equal(95, config.EosTokenId);
    }

    [Fact]
    public void Presets_have_the_published_sizes()
    {
        Assert.Equal(
            (768, 12, 12, 1024, 50257, 3072),
            (
                Gpt2Config.Gpt2.EmbeddingSize,
                Gpt2Config.Gpt2.LayerCount,
                Gpt2Config.Gpt2.HeadCount,
                Gpt2Config.Gpt2.ContextLength,
                Gpt2Config.Gpt2.VocabSize,
                Gpt2Config.Gpt2.MlpSize
            )
        );
        Assert.Equal(6, Gpt2Config.DistilGpt2.LayerCount);
        Assert.Equal(
            (1024, 24, 16),
            (Gpt2Config.Gpt2Medium.EmbeddingSize, Gpt2Config.Gpt2Medium.LayerCount, Gpt2Config.Gpt2Medium.HeadCount)
        );
        Assert.Equal((1280, 36, 20), (Gpt2Config.Gpt2Large.EmbeddingSize, Gpt2Config.Gpt2Large.LayerCount, Gpt2Config.Gpt2Large.HeadCount));
        Assert.Equal((1600, 48, 25), (Gpt2Config.Gpt2Xl.EmbeddingSize, Gpt2Config.Gpt2Xl.LayerCount, Gpt2Config.Gpt2Xl.HeadCount));
        Assert.Equal(50256, Gpt2Config.Gpt2.EosTokenId);
        foreach (
            var preset in new[] { Gpt2Config.Gpt2, Gpt2Config.DistilGpt2, Gpt2Config.Gpt2Medium, Gpt2Config.Gpt2Large, Gpt2Config.Gpt2Xl }
        )
            preset.Validate();
    }

    [Fact]
    public void Saved_json_reads_back_equal()
    {
        using var folder = new TempFolder();
        var config = Gpt2Config.Gpt2Medium with { InnerSize = 1000, LayerNormEpsilon = 1e-6 };
        config.Save(folder.File("config.json"));
        Assert.Equal(config, Gpt2Config.FromFile(folder.Path));
        Assert.Single(Directory.GetFiles(folder.Path));
    }

    public static TheoryData<string, string> BadConfigs =>
        new()
        {
            {
                """{"vocab_size": 96, "n_positions": 32, "n_embd": 30, "n_layer": 2, "n_head": 4}""",
                "n_embd 30 is not divisible by n_head 4"
            },
            { """{"vocab_size": 96, "n_positions": 32, "n_layer": 2, "n_head": 4}""", "field 'n_embd' is missing" },
            {
                """{"vocab_size": 96, "n_positions": 32, "n_embd": "big", "n_layer": 2, "n_head": 4}""",
                "field 'n_embd' must be an integer, found \"big\""
            },
            {
                """{"vocab_size": 96, "n_positions": 0, "n_embd": 32, "n_layer": 2, "n_head": 4}""",
                "n_positions must be positive, found 0"
            },
            {
                """{"vocab_size": 96, "n_positions": 32, "n_embd": 32, "n_layer": 2, "n_head": 4, "activation_function": "relu"}""",
                "activation_function 'relu' is not supported"
            },
            {
                """{"vocab_size": 96, "n_positions": 32, "n_embd": 32, "n_layer": 2, "n_head": 4, "bos_token_id": 0, "eos_token_id": 96}""",
                "eos_token_id 96 is outside the vocabulary [0, 96)"
            },
            { """{"model_type": "llama", "vocab_size": 96}""", "field 'model_type' is \"llama\", not \"gpt2\"" },
            {
                """{"vocab_size": 96, "n_positions": 32, "n_embd": 32, "n_layer": 2, "n_head": 4, "tie_word_embeddings": false}""",
                "field 'tie_word_embeddings' is false"
            },
            { """[1]""", "expected a JSON object" },
            { """{"n_embd": """, "not valid JSON" },
            // Sizes whose parameters cannot fit in memory are refused before anything is allocated (libtorch used to fail with C++ frames).
            {
                """{"vocab_size": 50257, "n_positions": 1024, "n_embd": 65536, "n_layer": 12, "n_head": 16}""",
                "n_embd/n_layer (MLP of 4 × n_embd) describe a model of"
            },
            {
                """{"vocab_size": 50257, "n_positions": 1024, "n_embd": 768, "n_layer": 12, "n_head": 12, "n_inner": 1073741824}""",
                "TiB of it from n_inner); this machine has"
            },
        };

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public void Bad_configs_name_the_file_and_the_field(string json, string message)
    {
        using var folder = new TempFolder();
        var path = folder.File("config.json");
        File.WriteAllText(path, json);
        var e = Assert.ThrowsAny<Exception>(() => Gpt2Config.FromFile(path));
        Assert.True(e is InvalidDataException or ArgumentException, e.GetType().Name);
        Assert.Contains(path, e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Old_configs_with_n_ctx_only_still_read()
    {
        var config = Gpt2Config.FromJson(
            """
            {"vocab_size": 96, "n_ctx": 64, "n_embd": 32, "n_layer": 1, "n_head": 4, "n_inner": 50, "bos_token_id": 0, "eos_token_id": 0}
            """
        );
        Assert.Equal(64, config.ContextLength);
        Assert.Equal(50, config.MlpSize);
    }
}
