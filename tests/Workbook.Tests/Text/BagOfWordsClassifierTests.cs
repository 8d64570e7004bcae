using TorchSharp;
using Workbook.Text;
using static TorchSharp.torch;

namespace Workbook.Tests.Text;

public class BagOfWordsClassifierTests
{
    static BagOfWordsClassifierTests() => InitializeDeviceType(DeviceType.CPU);

    [Fact]
    public void It_learns_which_words_mark_a_class_whatever_their_order()
    {
        // Class 0 texts contain word 10, class 1 texts word 11; words 20–29 are noise shared by both; 2 is [CLS] (ignored).
        var random = new Random(3);
        var texts = new List<int[]>();
        var labels = new List<int>();
        for (var i = 0; i < 200; i++)
        {
            var label = i % 2;
            var words = Enumerable
                .Range(0, 6)
                .Select(_ => 20 + random.Next(10))
                .Append(10 + label)
                .OrderBy(_ => random.Next())
                .Prepend(2)
                .ToArray();
            texts.Add(words);
            labels.Add(label);
        }
        using var model = BagOfWordsClassifier.Train(texts, labels, vocabularySize: 30, classCount: 2, ignoredIds: [2]);
        Assert.Equal(labels, model.Predict(texts));
        Assert.Equal(
            [0, 1, 1],
            model.Predict([
                [2, 25, 10, 21],
                [11, 22, 2],
                [23, 11],
            ])
        );
    }

    [Fact]
    public void Bad_inputs_are_refused()
    {
        Assert.Throws<ArgumentException>(() =>
            BagOfWordsClassifier.Train(
                [
                    [1],
                ],
                [0, 1],
                5,
                2
            )
        );
        Assert.Throws<ArgumentException>(() =>
            BagOfWordsClassifier.Train(
                [
                    [1],
                ],
                [2],
                5,
                2
            )
        );
        using var model = BagOfWordsClassifier.Train(
            [
                [1],
                [2],
            ],
            [0, 1],
            5,
            2,
            iterations: 2
        );
        Assert.Contains(
            "outside the vocabulary [0, 5)",
            Assert
                .Throws<ArgumentException>(() =>
                    model.Predict([
                        [7],
                    ])
                )
                .Message
        );
    }
}
