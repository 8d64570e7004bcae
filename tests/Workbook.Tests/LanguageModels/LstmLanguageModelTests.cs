using Workbook.LanguageModels;
using static TorchSharp.torch;

namespace Workbook.Tests.LanguageModels;

[Collection(SerialCollection.Name)] // seeds TorchSharp's global generator
public sealed class LstmLanguageModelTests
{
    private static long Count(LstmLanguageModel model) => model.parameters().Sum(p => p.numel());

    [Fact]
    public void Logits_have_one_row_per_position_and_tying_saves_the_head_matrix()
    {
        manual_seed(0);
        using var untied = new LstmLanguageModel(vocabularySize: 50, embeddingSize: 16, hiddenSize: 16);
        using var tied = new LstmLanguageModel(50, 16, 16, tieWeights: true);
        using var logits = tied.forward(tensor(new long[] { 1, 2, 3, 4, 5, 6 }, [2, 3]));
        Assert.Equal([2L, 3, 50], logits.shape);
        Assert.Equal(50 * 16, Count(untied) - Count(tied)); // the head's weight; both keep a bias of 50
        // LSTM parameters: 4 gates × (input + hidden + 2 biases) per unit, as PyTorch counts them.
        Assert.Equal(50 * 16 + 4 * 16 * (16 + 16 + 2) + 50 * 16 + 50, Count(untied));
    }

    [Fact]
    public void It_learns_a_repeating_sequence()
    {
        manual_seed(1);
        using var model = new LstmLanguageModel(12, 24, 24, tieWeights: true);
        int[] pattern = [.. Enumerable.Range(0, 3000).Select(i => i * 5 % 12)];
        var trainer = new LanguageModelTrainer(
            model,
            new LanguageModelTrainingOptions
            {
                Steps = 80,
                ContextLength = 16,
                BatchSize = 8,
                PeakLearningRate = 2e-2,
                MinimumLearningRate = 2e-3,
                WarmupSteps = 5,
                EvaluateEvery = 80,
            }
        );
        trainer.Train(pattern, pattern[..400]);
        Assert.True(trainer.Evaluations[^1].ValidationLoss < 0.5, $"validation loss {trainer.Evaluations[^1].ValidationLoss}");
    }

    [Fact]
    public void Bad_sizes_and_ids_are_refused_by_name()
    {
        Assert.Contains(
            "embedding size (8) to equal the hidden size (16)",
            Assert.Throws<ArgumentException>(() => new LstmLanguageModel(10, 8, 16, tieWeights: true)).Message
        );
        using var model = new LstmLanguageModel(10, 8, 8);
        Assert.Contains(
            "[0, 10); found 10",
            Assert.Throws<ArgumentException>(() => model.forward(tensor(new long[] { 10 }, [1, 1]))).Message
        );
        Assert.Contains("int64 [batch, length]", Assert.Throws<ArgumentException>(() => model.forward(tensor(new long[] { 1 }))).Message);
    }
}
