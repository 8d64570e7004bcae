using TorchSharp;
using Workbook.Encoders;
using Workbook.Safetensors;
using static TorchSharp.torch;

namespace Workbook.Tests.Encoders;

public class BertModelTests
{
    static BertModelTests() => InitializeDeviceType(DeviceType.CPU);

    private static readonly BertConfig Tiny = BertConfig.BertBaseUncased with
    {
        VocabSize = 50,
        HiddenSize = 16,
        LayerCount = 2,
        HeadCount = 4,
        IntermediateSize = 32,
        MaxPositionEmbeddings = 12,
    };

    private static Dictionary<string, string> Published() =>
        File.ReadAllLines(Repository.Fixture("bert/bert-base-uncased-tensors.txt"))
            .Where(l => !l.StartsWith('#') && l.Length > 0)
            .Select(l => l.Split('\t'))
            .ToDictionary(p => p[0], p => p[1]);

    private static Dictionary<string, string> Shapes(nn.Module model) =>
        model.named_parameters().ToDictionary(p => p.name, p => $"[{string.Join(", ", p.parameter.shape)}]");

    [Fact]
    public void The_masked_lm_on_meta_has_exactly_the_published_bert_base_uncased_tensors()
    {
        var published = Published();
        Assert.Equal(206, published.Count);
        using var model = new BertForMaskedLM(BertConfig.BertBaseUncased, META);
        Assert.True(model.parameters().All(p => p.device_type == DeviceType.META));
        Assert.Empty(model.named_buffers());
        Assert.Equal(109_514_298, model.parameters().Sum(p => p.numel()));

        // The published file is a BertForPreTraining checkpoint: its pooler and next-sentence head are not the masked LM's.
        var skipped = published.Keys.Where(n => BertForMaskedLM.ParameterName(n) is null).Order(StringComparer.Ordinal);
        Assert.Equal(
            ["bert.pooler.dense.bias", "bert.pooler.dense.weight", "cls.seq_relationship.bias", "cls.seq_relationship.weight"],
            skipped
        );
        var kept = published
            .Where(p => BertForMaskedLM.ParameterName(p.Key) is not null)
            .ToDictionary(p => BertForMaskedLM.ParameterName(p.Key)!, p => p.Value);
        Assert.Equal(kept.OrderBy(p => p.Key, StringComparer.Ordinal), Shapes(model).OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void The_classifier_on_meta_has_the_published_encoder_and_pooler_plus_classifier()
    {
        var published = Published();
        using var model = new BertForSequenceClassification(BertConfig.BertBaseUncased.WithLabels(["a", "b", "c"]), META);
        var expected = published
            .Where(p => BertForSequenceClassification.ParameterName(p.Key) is not null)
            .ToDictionary(p => BertForSequenceClassification.ParameterName(p.Key)!, p => p.Value);
        expected["classifier.weight"] = "[3, 768]";
        expected["classifier.bias"] = "[3]";
        Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), Shapes(model).OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal(109_482_240 + 3 * 768 + 3, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Initialisation_follows_bert()
    {
        using var model = new BertForMaskedLM(Tiny with { PadTokenId = 3 });
        var p = model.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        Assert.Equal(0, p["bert.embeddings.word_embeddings.weight"][3].abs().sum().item<float>());
        Assert.Equal(16, p["bert.embeddings.LayerNorm.weight"].sum().item<float>());
        Assert.Equal(0, p["cls.predictions.bias"].abs().sum().item<float>());
        var std = p["bert.encoder.layer.0.intermediate.dense.weight"].std().item<float>();
        Assert.InRange(std, 0.017, 0.023); // 512 draws of N(0, 0.02²): the sample std is within ±15 % with near certainty
    }

    private static (Tensor Ids, Tensor Mask) PaddedBatch()
    {
        // Row 0: 7 real tokens then 3 padding; row 1: 10 real tokens.
        var ids = tensor(
            new long[,]
            {
                { 2, 11, 12, 13, 14, 15, 3, 0, 0, 0 },
                { 2, 21, 22, 23, 24, 25, 26, 27, 28, 3 },
            }
        );
        var mask = tensor(
            new long[,]
            {
                { 1, 1, 1, 1, 1, 1, 1, 0, 0, 0 },
                { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 },
            }
        );
        return (ids, mask);
    }

    [Fact]
    public void Padding_changes_nothing_for_the_real_tokens_and_gets_no_attention()
    {
        using var model = new BertModel(Tiny);
        model.eval();
        using var noGrad = no_grad();
        var (ids, mask) = PaddedBatch();
        using var batch = model.Encode(ids, mask, outputAttentions: true);
        using var alone = model.Encode(ids[0].narrow(0, 0, 7).unsqueeze(0), outputAttentions: true);
        Assert.True(batch.LastHiddenState[0].narrow(0, 0, 7).allclose(alone.LastHiddenState[0], rtol: 0, atol: 1e-5));
        Assert.True(batch.PooledOutput![0].allclose(alone.PooledOutput![0], rtol: 0, atol: 1e-5));
        Assert.Equal(2, batch.Attentions!.Count);
        foreach (var a in batch.Attentions)
        {
            Assert.Equal([2L, 4, 10, 10], a.shape);
            Assert.True(a.sum(-1).allclose(ones(2, 4, 10), rtol: 0, atol: 1e-5));
            Assert.Equal(0, a[0].narrow(-1, 7, 3).abs().max().item<float>());
        }
    }

    [Fact]
    public void The_fused_and_the_explicit_attention_agree()
    {
        using var model = new BertModel(Tiny);
        model.eval();
        using var noGrad = no_grad();
        var (ids, mask) = PaddedBatch();
        using var fused = model.Encode(ids, mask);
        using var explicitly = model.Encode(ids, mask, outputAttentions: true);
        Assert.True(fused.LastHiddenState.allclose(explicitly.LastHiddenState, rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void Dropout_acts_in_training_mode_only()
    {
        using var model = new BertForMaskedLM(Tiny);
        using var noGrad = no_grad();
        var (ids, mask) = PaddedBatch();
        model.eval();
        Assert.True(model.Forward(ids, mask).allclose(model.Forward(ids, mask), rtol: 0, atol: 0));
        model.train();
        Assert.False(model.Forward(ids, mask).allclose(model.Forward(ids, mask)));
    }

    [Fact]
    public void A_saved_masked_lm_loads_back_identically_and_as_an_encoder_for_classification()
    {
        var folder = Directory.CreateTempSubdirectory("bert-save-").FullName;
        try
        {
            using var model = new BertForMaskedLM(Tiny);
            model.eval();
            model.SavePretrained(folder);
            using var loaded = BertForMaskedLM.FromPretrained(folder);
            var (ids, mask) = PaddedBatch();
            using var noGrad = no_grad();
            Assert.True(model.Forward(ids, mask).allclose(loaded.Forward(ids, mask), rtol: 0, atol: 0));
            Assert.Contains("\"BertForMaskedLM\"", File.ReadAllText(Path.Combine(folder, "config.json")));

            using var classifier = BertForSequenceClassification.FromPretrainedEncoder(folder, ["x", "y", "z"]);
            Assert.Equal([2L, 3], classifier.Forward(ids, mask).shape);
            classifier.eval();
            using var a = model.Bert.Encode(ids, mask);
            using var b = classifier.Bert.Encode(ids, mask);
            Assert.True(a.LastHiddenState.allclose(b.LastHiddenState, rtol: 0, atol: 0));

            var fine = Path.Combine(folder, "fine-tuned");
            classifier.SavePretrained(fine, ScalarType.Float16);
            using var reread = BertForSequenceClassification.FromPretrained(fine);
            Assert.Equal(["x", "y", "z"], reread.Config.Labels());
            Assert.True(reread.Forward(ids, mask).allclose(classifier.Forward(ids, mask), rtol: 0, atol: 5e-2)); // float16 storage
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_checkpoint_with_the_original_gamma_beta_names_and_the_pretraining_heads_loads()
    {
        var folder = Directory.CreateTempSubdirectory("bert-gamma-").FullName;
        try
        {
            using var model = new BertForMaskedLM(Tiny);
            model.eval();
            // The layout of the published bert-base-uncased file: gamma/beta, a pooler, the NSP head, a tied decoder copy.
            var tensors = model
                .named_parameters()
                .ToDictionary(
                    p =>
                        p.name.EndsWith("LayerNorm.weight", StringComparison.Ordinal) ? p.name[..^6] + "gamma"
                        : p.name.EndsWith("LayerNorm.bias", StringComparison.Ordinal) ? p.name[..^4] + "beta"
                        : p.name,
                    p => p.parameter.detach()
                );
            tensors["bert.pooler.dense.weight"] = zeros(16, 16);
            tensors["bert.pooler.dense.bias"] = zeros(16);
            tensors["cls.seq_relationship.weight"] = zeros(2, 16);
            tensors["cls.seq_relationship.bias"] = zeros(2);
            tensors["cls.predictions.decoder.weight"] = model.Bert.WordEmbeddings.detach();
            SafetensorsWriter.Save(Path.Combine(folder, "model.safetensors"), tensors);
            Tiny.Save(Path.Combine(folder, "config.json"));
            using var loaded = BertForMaskedLM.FromPretrained(folder);
            var (ids, mask) = PaddedBatch();
            using var noGrad = no_grad();
            Assert.True(model.Forward(ids, mask).allclose(loaded.Forward(ids, mask), rtol: 0, atol: 0));
            using var encoder = BertModel.FromPretrained(folder);
            Assert.True(encoder.HasPooler);

            tensors["cls.predictions.decoder.weight"] = zeros(49, 16);
            SafetensorsWriter.Save(Path.Combine(folder, "model.safetensors"), tensors);
            var error = Assert.Throws<CheckpointMismatchException>(() => BertForMaskedLM.FromPretrained(folder));
            Assert.Contains("cls.predictions.decoder.weight", error.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_checkpoint_that_does_not_fit_names_the_tensor()
    {
        var folder = Directory.CreateTempSubdirectory("bert-misfit-").FullName;
        try
        {
            using (var model = new BertForMaskedLM(Tiny))
                model.SavePretrained(folder);
            (Tiny with { IntermediateSize = 48 }).Save(Path.Combine(folder, "config.json"));
            var error = Assert.Throws<CheckpointMismatchException>(() => BertForMaskedLM.FromPretrained(folder));
            Assert.Contains("bert.encoder.layer.0.intermediate.dense.weight", error.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Bad_inputs_are_refused_with_the_limit_named()
    {
        using var model = new BertModel(Tiny);
        Assert.Contains(
            "vocab_size",
            Assert
                .Throws<ArgumentException>(() =>
                    model.Encode(
                        tensor(
                            new long[,]
                            {
                                { 1, 50 },
                            }
                        )
                    )
                )
                .Message
        );
        Assert.Contains(
            "max_position_embeddings = 12",
            Assert.Throws<ArgumentException>(() => model.Encode(zeros(1, 13, dtype: ScalarType.Int64))).Message
        );
        Assert.Contains(
            "attentionMask",
            Assert.Throws<ArgumentException>(() => model.Encode(zeros(1, 4, dtype: ScalarType.Int64), ones(1, 5))).Message
        );
        Assert.Contains(
            "type_vocab_size",
            Assert
                .Throws<ArgumentException>(() =>
                    model.Encode(zeros(1, 4, dtype: ScalarType.Int64), tokenTypeIds: full(1, 4, 2, dtype: ScalarType.Int64))
                )
                .Message
        );
        Assert.Contains("int64", Assert.Throws<ArgumentException>(() => model.Encode(zeros(1, 4))).Message);
    }
}
