using TorchSharp;
using Workbook.Data;
using Workbook.Encoders;
using Workbook.Multimodal;
using static TorchSharp.torch;

namespace Workbook.Tests.Multimodal;

/// <summary>The CLIP-style model: shapes, unit-length embeddings, names, its loss falling on a tiny batch, and clear errors.</summary>
[Collection(SerialCollection.Name)] // seeds TorchSharp's global generator
public class ClipModelTests
{
    static ClipModelTests() => InitializeDeviceType(DeviceType.CPU);

    private static readonly CaptionSet Captions = CaptionSet.Load();
    private static readonly CaptionTokenizer Tokenizer = CaptionTokenizer.FromCaptions(Captions.Captions);

    internal static ClipModel Tiny(TextPooling pooling = TextPooling.Mean) =>
        new(
            new ClipModelOptions(
                new BertConfig
                {
                    VocabSize = Tokenizer.Vocabulary.Count,
                    HiddenSize = 32,
                    LayerCount = 1,
                    HeadCount = 2,
                    IntermediateSize = 64,
                    MaxPositionEmbeddings = 32,
                },
                Image: new Workbook.Vision.SmallCnnOptions(Channels: [4, 8]),
                EmbeddingSize: 16,
                Pooling: pooling
            )
        );

    [Theory]
    [InlineData(TextPooling.Mean)]
    [InlineData(TextPooling.Cls)]
    public void Embeddings_have_the_shared_width_and_unit_length(TextPooling pooling)
    {
        torch.manual_seed(1);
        var model = Tiny(pooling);
        model.eval();
        var images = model.EncodeImages(rand(5, 1, 28, 28));
        var (ids, mask) = Tokenizer.Encode(Captions.Texts.Take(3).ToList());
        var texts = model.EncodeTexts(ids, mask);
        Assert.Equal([5L, 16], images.shape);
        Assert.Equal([3L, 16], texts.shape);
        Assert.True(images.norm(1).allclose(ones(5), rtol: 1e-5, atol: 1e-6));
        Assert.True(texts.norm(1).allclose(ones(3), rtol: 1e-5, atol: 1e-6));
        Assert.Equal([5L, 3], model.Logits(images, texts).shape);
        Assert.Equal(0.07, model.Temperature, 5);
        Assert.Equal(Math.Log(1 / 0.07), model.LogitScale.item<float>(), 5);
    }

    [Fact]
    public void Padding_does_not_change_a_caption_embedding()
    {
        torch.manual_seed(2);
        var model = Tiny();
        model.eval();
        var shortCaption = Captions.Texts.MinBy(t => t.Length)!;
        var longCaption = Captions.Texts.MaxBy(t => t.Length)!;
        var (alone, aloneMask) = Tokenizer.Encode([shortCaption]);
        var (padded, paddedMask) = Tokenizer.Encode([shortCaption, longCaption]);
        Assert.True(padded.shape[1] > alone.shape[1]);
        Assert.True(model.EncodeTexts(alone, aloneMask)[0].allclose(model.EncodeTexts(padded, paddedMask)[0], rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void Parameters_carry_hugging_face_clip_names()
    {
        var names = Tiny().named_parameters().Select(p => p.name).ToList();
        Assert.Contains("logit_scale", names);
        Assert.Contains("visual_projection.weight", names);
        Assert.Contains("text_projection.weight", names);
        Assert.Contains("vision_model.conv1.weight", names);
        Assert.Contains("text_model.embeddings.word_embeddings.weight", names);
        Assert.DoesNotContain("visual_projection.bias", names);
        Assert.DoesNotContain(names, n => n.StartsWith("text_model.pooler", StringComparison.Ordinal));
    }

    [Fact]
    public void The_loss_falls_when_a_tiny_batch_is_trained_on()
    {
        torch.manual_seed(3);
        var model = Tiny();
        model.train();
        var images = rand(8, 1, 28, 28);
        var (ids, mask) = Tokenizer.Encode(Captions.Texts.Where((_, i) => i % 6 == 0).Take(8).ToList());
        var optimizer = Workbook.Training.Optimizers.AdamW(model.parameters(), lr: 3e-3);
        var first = 0.0;
        var last = 0.0;
        for (var step = 0; step < 40; step++)
        {
            using var scope = NewDisposeScope();
            var loss = model.Loss(images, ids, mask);
            if (step == 0)
                first = loss.item<float>();
            last = loss.item<float>();
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }
        Assert.True(first > 1.5, $"8 random pairs start near ln 8 ≈ 2.08; got {first}");
        Assert.True(last < first / 4, $"40 steps on one batch should memorise it: {first} → {last}");
        Assert.NotEqual(Math.Log(1 / 0.07), model.LogitScale.item<float>(), 3); // the temperature is learned
    }

    [Fact]
    public void Bad_input_is_refused_naming_the_tensor_and_shape()
    {
        var model = Tiny();
        var (ids, mask) = Tokenizer.Encode(["long sleeves"]);
        Assert.Contains(
            "[batch, 1, 28, 28]; got [2, 3, 28, 28]",
            Assert.Throws<ArgumentException>(() => model.EncodeImages(zeros(2, 3, 28, 28))).Message
        );
        Assert.Contains(
            "attentionMask [1, 2] must have the shape of inputIds [1, 4]",
            Assert.Throws<ArgumentException>(() => model.EncodeTexts(ids, ones(1, 2, ScalarType.Int64))).Message
        );
        Assert.Contains(
            "inputIds must be int64",
            Assert.Throws<ArgumentException>(() => model.EncodeTexts(ids.to(ScalarType.Float32), mask)).Message
        );
        Assert.Contains("vocab_size", Assert.Throws<ArgumentException>(() => model.EncodeTexts(full_like(ids, 10_000), mask)).Message);
        Assert.Contains(
            "3 image embeddings but 1 text embeddings",
            Assert.Throws<ArgumentException>(() => model.Loss(rand(3, 1, 28, 28), ids, mask)).Message
        );
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClipModelOptions(model.Options.Text, InitialTemperature: 0).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClipModelOptions(model.Options.Text, EmbeddingSize: 1).Validate());
    }

    [Fact]
    public void The_tokenizer_pads_marks_specials_and_maps_unseen_words_to_unk()
    {
        var tokenizer = CaptionTokenizer.FromCaptions(Captions.OfClasses([0, 1]));
        Assert.Equal(CaptionTokenizer.SpecialTokens, tokenizer.Vocabulary.Take(5));
        // "heavy" describes only coats, and "!" is in no caption: neither is in a vocabulary made from classes 0 and 1.
        Assert.Equal(["[CLS]", "short", "sleeves", ",", "[UNK]", "[UNK]", "[SEP]"], tokenizer.Tokens("Short sleeves, HEAVY!"));
        Assert.Equal(tokenizer.UnknownId, tokenizer.Vocabulary.ToList().IndexOf("[UNK]"));
        var (ids, mask) = tokenizer.Encode(["short sleeves", "worn on the legs"]);
        Assert.Equal([2L, 6], ids.shape);
        Assert.Equal(new long[] { 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1 }, mask.flatten().data<long>().ToArray());
        Assert.Equal(tokenizer.PadId, ids[0, 5].item<long>());
        var (cut, _) = tokenizer.Encode(["worn on the legs"], maxLength: 4);
        Assert.Equal(["[CLS]", "worn", "on", "[SEP]"], cut[0].data<long>().ToArray().Select(i => tokenizer.Vocabulary[(int)i]));
    }

    [Fact]
    public void A_vocabulary_file_is_read_and_a_bad_one_refused_naming_it()
    {
        using var folder = new TempFolder();
        var path = folder.File("vocab.txt");
        File.WriteAllLines(path, [.. CaptionTokenizer.SpecialTokens, "short", "sleeve", "##s"]);
        Assert.Equal(["[CLS]", "short", "sleeve", "##s", "[SEP]"], CaptionTokenizer.FromVocabularyFile(path).Tokens("short sleeves"));
        File.WriteAllLines(path, ["[PAD]", "[UNK]", "short"]);
        var error = Assert.Throws<InvalidDataException>(() => CaptionTokenizer.FromVocabularyFile(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("[CLS]", error.Message);
        File.WriteAllLines(path, [.. CaptionTokenizer.SpecialTokens, "short", "short"]);
        Assert.Contains(
            "'short' appears 2 times",
            Assert.Throws<InvalidDataException>(() => CaptionTokenizer.FromVocabularyFile(path)).Message
        );
    }
}
