using TorchSharp;
using Workbook.Gpt2;
using Workbook.LanguageModels;
using static TorchSharp.torch;

namespace Workbook.Tests.LanguageModels;

[Collection(SerialCollection.Name)] // seeds TorchSharp's global generator
public sealed class LanguageModelTrainerTests
{
    /// <summary>A repeating 12-token pattern: a model that learns it predicts almost every next token.</summary>
    private static readonly int[] Pattern = [.. Enumerable.Range(0, 4000).Select(i => i * 7 % 12)];

    private static Gpt2LMHeadModel TinyGpt(int seed = 0)
    {
        manual_seed(seed);
        return new Gpt2LMHeadModel(
            new Gpt2Config
            {
                VocabSize = 16,
                ContextLength = 32,
                EmbeddingSize = 32,
                LayerCount = 1,
                HeadCount = 2,
                BosTokenId = 15,
                EosTokenId = 15,
            }
        );
    }

    private static LanguageModelTrainingOptions Options =>
        new()
        {
            Steps = 60,
            ContextLength = 16,
            BatchSize = 8,
            PeakLearningRate = 1e-2,
            MinimumLearningRate = 1e-3,
            WarmupSteps = 5,
            EvaluateEvery = 20,
        };

    [Fact]
    public void A_learnable_sequence_is_learned_and_every_step_and_evaluation_is_recorded()
    {
        using var model = TinyGpt();
        var trainer = new LanguageModelTrainer(model, Options);
        var samples = new List<int>();
        trainer.Sample = step =>
        {
            samples.Add(step);
            Assert.False(model.training);
            return $"at {step}";
        };
        trainer.Train(Pattern, Pattern[..500]);
        Assert.Equal(60, trainer.Steps.Count);
        Assert.Equal([1, 20, 40, 60], trainer.Evaluations.Select(e => e.Step));
        Assert.Equal([1, 20, 40, 60], samples);
        Assert.Equal("at 60", trainer.Evaluations[^1].Sample);
        Assert.True(
            trainer.Evaluations[1].ValidationLoss > 3 * trainer.Evaluations[^1].ValidationLoss,
            $"validation loss {trainer.Evaluations[1].ValidationLoss} → {trainer.Evaluations[^1].ValidationLoss}"
        );
        Assert.Equal(60L * 8 * 16, trainer.Evaluations[^1].TokensSeen);
        Assert.True(trainer.Evaluations[^1].TokensPerSecond > 0);
        Assert.Equal(Options.Schedule.LearningRate(3), trainer.Steps[2].LearningRate, 12);
        Assert.False(model.training);
    }

    [Fact]
    public void The_same_seeds_give_the_same_losses()
    {
        double[] Run()
        {
            using var model = TinyGpt(seed: 5);
            var trainer = new LanguageModelTrainer(model, Options with { Steps = 10 });
            trainer.Train(Pattern, Pattern[..200]);
            return [.. trainer.Steps.Select(s => s.Loss)];
        }
        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void Clipping_scales_large_gradients_down_and_reports_the_norm_before_clipping()
    {
        using var model = TinyGpt();
        var trainer = new LanguageModelTrainer(
            model,
            Options with
            {
                Steps = 3,
                WarmupSteps = 1,
                GradientClipNorm = 1e-3,
                EvaluateEvery = 3,
            }
        );
        trainer.Train(Pattern, Pattern[..200]);
        Assert.All(trainer.Steps, s => Assert.True(s.Clipped && s.GradientNorm > 1e-3));

        using var unclipped = TinyGpt();
        var plain = new LanguageModelTrainer(
            unclipped,
            Options with
            {
                Steps = 3,
                WarmupSteps = 1,
                GradientClipNorm = null,
                EvaluateEvery = 3,
            }
        );
        plain.Train(Pattern, Pattern[..200]);
        Assert.All(plain.Steps, s => Assert.False(s.Clipped));
        Assert.Equal(trainer.Steps[0].GradientNorm, plain.Steps[0].GradientNorm, 4); // same weights, same batch: same norm either way
    }

    [Fact]
    public void A_time_budget_ends_the_run_and_evaluates_at_the_end()
    {
        using var model = TinyGpt();
        var trainer = new LanguageModelTrainer(model, Options with { Steps = 100_000, TimeBudgetSeconds = 1e-6, WarmupSteps = 0 });
        trainer.Train(Pattern, Pattern[..200]);
        Assert.Single(trainer.Steps);
        Assert.Equal(1, Assert.Single(trainer.Evaluations).Step);
    }

    [Fact]
    public void Validation_loss_of_a_uniform_model_is_log_of_the_vocabulary_size()
    {
        using var uniform = new UniformModel(vocabulary: 16);
        Assert.Equal(Math.Log(16), LanguageModelTrainer.ValidationLoss(uniform, Pattern, contextLength: 16), 5);
    }

    [Fact]
    public void Validation_loss_is_the_mean_over_consecutive_windows_computed_by_hand()
    {
        using var model = TinyGpt(seed: 2);
        var tokens = Pattern[..101]; // 101 tokens → 6 windows of 16 + 1 (the last 4 tokens are not a full window)
        double total = 0;
        using (no_grad())
            for (var w = 0; w < 6; w++)
            {
                using var scope = NewDisposeScope();
                var input = tensor(tokens[(w * 16)..(w * 16 + 16)].Select(t => (long)t).ToArray(), [1, 16]);
                var logProbabilities = nn.functional.log_softmax(model.forward(input), -1);
                for (var t = 0; t < 16; t++)
                    total -= logProbabilities[0, t, tokens[w * 16 + t + 1]].item<float>();
            }
        Assert.Equal(total / 96, LanguageModelTrainer.ValidationLoss(model, tokens, contextLength: 16, batchSize: 4), 4);
        // A cap on windows spreads them: 2 of 6 windows = windows 0 and 3.
        Assert.NotEqual(
            LanguageModelTrainer.ValidationLoss(model, tokens, 16),
            LanguageModelTrainer.ValidationLoss(model, tokens, 16, maxWindows: 2)
        );
    }

    [Fact]
    public void Too_short_validation_text_and_bad_options_are_refused_by_name()
    {
        using var model = TinyGpt();
        var error = Assert.Throws<ArgumentException>(() => new LanguageModelTrainer(model, Options).Train(Pattern, Pattern[..10]));
        Assert.Contains("validation text has 10 tokens", error.Message);
        Assert.Contains(
            "BatchSize",
            Assert.Throws<ArgumentException>(() => new LanguageModelTrainer(model, Options with { BatchSize = 0 })).Message
        );
        Assert.Contains(
            "GradientClipNorm",
            Assert.Throws<ArgumentException>(() => new LanguageModelTrainer(model, Options with { GradientClipNorm = -1 })).Message
        );
    }

    /// <summary>Logits of zero everywhere: every token equally likely.</summary>
    private sealed class UniformModel : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Parameter unused = new(zeros(1));
        private readonly int _vocabulary;

        public UniformModel(int vocabulary)
            : base(nameof(UniformModel))
        {
            _vocabulary = vocabulary;
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => zeros(input.shape[0], input.shape[1], _vocabulary);
    }
}
