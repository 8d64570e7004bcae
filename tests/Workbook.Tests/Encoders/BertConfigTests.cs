using Workbook.Encoders;

namespace Workbook.Tests.Encoders;

public class BertConfigTests
{
    [Fact]
    public void The_published_bert_base_uncased_config_reads_as_the_preset()
    {
        // tests/fixtures/bert/bert-base-uncased-config.json is that model's config.json as published, with the fields
        // this library ignores (gradient_checkpointing, use_cache, transformers_version).
        var config = BertConfig.FromFile(Repository.Fixture("bert/bert-base-uncased-config.json"));
        Assert.Equal(BertConfig.BertBaseUncased with { Architectures = config.Architectures }, config);
        Assert.Equal(["BertForMaskedLM"], config.Architectures);
        Assert.Equal(64, config.HeadSize);
    }

    [Fact]
    public void Save_and_FromFile_round_trip_with_labels()
    {
        var folder = Directory.CreateTempSubdirectory("bert-config-").FullName;
        try
        {
            var config = (BertConfig.BertBaseUncased with { HiddenSize = 128, HeadCount = 4, LayerCount = 2, VocabSize = 500 }).WithLabels([
                "law",
                "poetry",
                "letters",
            ]);
            config.Save(Path.Combine(folder, "config.json"));
            var read = BertConfig.FromFile(folder);
            Assert.Equal(config.ToJson(), read.ToJson());
            Assert.Equal(3, read.LabelCount);
            Assert.Equal(["law", "poetry", "letters"], read.Labels());
            Assert.Equal([Path.Combine(folder, "config.json")], Directory.GetFiles(folder)); // atomic: no temporary left
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("{\"hidden_size\": \"wide\"}", "field 'hidden_size'")]
    [InlineData("{\"num_attention_heads\": 5}", "num_attention_heads 5 must be positive and divide hidden_size 768")]
    [InlineData("{\"model_type\": \"gpt2\"}", "field 'model_type' is 'gpt2', not 'bert'")]
    [InlineData("{\"hidden_act\": \"relu\"}", "hidden_act 'relu' is not supported")]
    [InlineData("{\"pad_token_id\": 40000}", "pad_token_id 40000 is outside the vocabulary [0, 30522)")]
    [InlineData("{\"hidden_dropout_prob\": 1.5}", "hidden_dropout_prob must lie in [0, 1)")]
    [InlineData("{\"position_embedding_type\": \"relative_key\"}", "position_embedding_type 'relative_key' is not supported")]
    [InlineData("{\"id2label\": {\"1\": \"b\"}}", "id2label must map every id")]
    [InlineData("[1, 2]", "expected a JSON object")]
    public void Bad_configs_are_refused_naming_the_file_and_field(string json, string expected)
    {
        var error = Assert.ThrowsAny<Exception>(() => BertConfig.FromJson(json, "some/config.json"));
        Assert.True(error is InvalidDataException or ArgumentException, error.GetType().Name);
        Assert.Contains("some/config.json", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_model_too_large_for_memory_is_refused_before_allocating()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            (BertConfig.BertBaseUncased with { VocabSize = int.MaxValue, HiddenSize = 1 << 16, HeadCount = 1 }).Validate("huge")
        );
        Assert.Contains("vocab_size/hidden_size", error.Message);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var error = Assert.Throws<FileNotFoundException>(() => BertConfig.FromFile("/nonexistent/bert"));
        Assert.Contains("No config.json at '/nonexistent/bert'", error.Message);
    }
}
