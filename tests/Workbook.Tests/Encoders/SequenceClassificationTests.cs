using TorchSharp;
using Workbook.Data;
using Workbook.Encoders;
using Workbook.Text;
using static TorchSharp.torch;

namespace Workbook.Tests.Encoders;

public class SequenceClassificationTests
{
    static SequenceClassificationTests() => InitializeDeviceType(DeviceType.CPU);

    private static readonly BertConfig Tiny = BertConfig.BertBaseUncased with
    {
        VocabSize = 40,
        HiddenSize = 32,
        LayerCount = 1,
        HeadCount = 2,
        IntermediateSize = 64,
        MaxPositionEmbeddings = 16,
        HiddenDropoutProb = 0,
        AttentionProbsDropoutProb = 0,
    };

    [Fact]
    public void Fine_tuning_learns_a_task_that_depends_on_word_order()
    {
        // Every text holds tokens 10 and 11 once; the class is which comes first: no bag of words can tell.
        var random = new Random(4);
        var texts = new List<int[]>();
        var labels = new List<int>();
        for (var i = 0; i < 64; i++)
        {
            var label = i % 2;
            var filler = Enumerable.Range(0, 4).Select(_ => 20 + random.Next(10)).ToList();
            filler.Insert(random.Next(0, 3), label == 0 ? 10 : 11);
            filler.Insert(random.Next(3, 6), label == 0 ? 11 : 10);
            texts.Add([2, .. filler, 3]);
            labels.Add(label);
        }
        manual_seed(1);
        using var model = new BertForSequenceClassification(Tiny.WithLabels(["10 first", "11 first"]));
        var losses = SequenceClassifierTraining.FineTune(
            model,
            texts,
            labels,
            new SequenceClassifierTrainingOptions
            {
                Steps = 150,
                BatchSize = 32,
                LearningRate = 3e-3,
                WarmupSteps = 10,
            }
        );
        Assert.Equal(150, losses.Count);
        Assert.True(
            losses.TakeLast(10).Average() < 0.3 * losses.Take(10).Average(),
            $"loss {losses.Take(10).Average():F3} → {losses.TakeLast(10).Average():F3}"
        );
        var accuracy = SequenceClassifierTraining.Predict(model, texts).Zip(labels).Count(p => p.First == p.Second) / 64.0;
        Assert.True(accuracy >= 0.9, $"training accuracy {accuracy:P0}");
        Assert.False(model.training);

        using var bag = BagOfWordsClassifier.Train(texts, labels, 40, 2, ignoredIds: [2, 3]);
        var bagAccuracy = bag.Predict(texts).Zip(labels).Count(p => p.First == p.Second) / 64.0;
        Assert.True(bagAccuracy < 0.8, $"the bag of words should not separate word order; got {bagAccuracy:P0}");
    }

    [Fact]
    public void Labels_outside_the_classes_are_refused()
    {
        using var model = new BertForSequenceClassification(Tiny.WithLabels(["a", "b"]));
        Assert.Contains(
            "[0, 2)",
            Assert
                .Throws<ArgumentException>(() =>
                    SequenceClassifierTraining.FineTune(
                        model,
                        [
                            [2, 3],
                        ],
                        [2]
                    )
                )
                .Message
        );
    }

    [Fact]
    public void Inputs_are_cls_pieces_sep_cut_to_length_and_padded_on_the_right()
    {
        var vocabulary = WordPieceTrainer.Train(["and god said let there be light and there was light"], 60);
        var tokenizer = vocabulary.CreateTokenizer();
        var ids = BertInputs.Encode(tokenizer, "And God said, Let there be light", maxLength: 5);
        Assert.Equal(["[CLS]", "and", "god", "said", "[SEP]"], ids.Select(i => vocabulary.Tokens[i]));
        var (input, mask) = BertInputs.Pad([ids, [vocabulary.ClsId, vocabulary.SepId]], vocabulary.PadId);
        Assert.Equal([2L, 5], input.shape);
        Assert.Equal(new long[] { 1, 1, 1, 1, 1, 1, 1, 0, 0, 0 }, mask.data<long>().ToArray());
        Assert.Equal(vocabulary.PadId, input[1, 4].item<long>());
    }

    [Fact]
    public void Packing_keeps_chapters_apart_and_sequences_within_the_context()
    {
        var bible = KingJamesBible.Load();
        var verses = bible.VersesOf(["Ruth"]);
        var vocabulary = WordPieceTrainer.Train(verses.Select(v => v.Text), 800);
        var tokenizer = vocabulary.CreateTokenizer();
        var packed = SmallBertPretraining.Pack(verses, tokenizer, 128);
        Assert.All(packed, s => Assert.InRange(s.Length, 3, 128));
        Assert.All(packed, s => Assert.True(s[0] == vocabulary.ClsId && s[^1] == vocabulary.SepId));
        // Every piece of every verse is in exactly one sequence (no verse of Ruth has over 126 pieces).
        var pieces = verses.Sum(v => tokenizer.EncodeToIds(v.Text, addSpecialTokens: false).Count);
        Assert.Equal(pieces, packed.Sum(s => s.Length - 2));
        // Chapter 1 ends with verse 22; chapter 2 must start a new sequence.
        var chapterOne = verses.Where(v => v.Chapter == 1).Sum(v => tokenizer.EncodeToIds(v.Text, addSpecialTokens: false).Count);
        var running = 0;
        Assert.Contains(packed, s => (running += s.Length - 2) == chapterOne);
    }
}
