using TorchSharp;
using Workbook.Gpt2;
using Workbook.Runtime;
using static TorchSharp.torch;

namespace Workbook.Tests.Gpt2;

public class Gpt2TokenGeneratorTests
{
    static Gpt2TokenGeneratorTests() => InitializeDeviceType(DeviceType.CPU);

    private static Gpt2TokenGenerator Generator => new(Gpt2Goldens.Tiny);

    private static (int[] Prompt, int[] Expected)[] Greedy =>
        [
            .. Gpt2Goldens
                .Get("greedy")
                .EnumerateArray()
                .Select(c => (c.GetProperty("prompt").TokenIds(), c.GetProperty("expected").TokenIds())),
        ];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Greedy_continuations_match_the_reference_with_and_without_the_cache(bool useCache)
    {
        foreach (var (prompt, expected) in Greedy)
            Assert.Equal(expected, Generator.Generate(prompt, GenerationOptions.Greedy(12) with { UseCache = useCache }));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_left_padded_batch_gives_each_row_its_own_continuation(bool useCache)
    {
        var cases = Greedy;
        var rows = Generator.Generate([.. cases.Select(c => c.Prompt)], GenerationOptions.Greedy(12) with { UseCache = useCache });
        Assert.Equal(cases.Select(c => c.Expected), rows);
    }

    [Fact]
    public void The_tensor_api_returns_the_padded_batch_as_hf_does()
    {
        var cases = Greedy;
        var (ids, mask) = Gpt2TokenGenerator.LeftPad([.. cases.Select(c => c.Prompt)], padTokenId: 95);
        using (ids)
        using (mask)
        using (var output = Generator.Generate(ids, mask, GenerationOptions.Greedy(12)))
        {
            Assert.Equal([cases.Length, ids.shape[1] + 12], output.shape);
            for (var r = 0; r < cases.Length; r++)
            {
                var row = output[r].data<long>().Select(v => (int)v).ToArray();
                var pad = (int)ids.shape[1] - cases[r].Prompt.Length;
                Assert.All(row[..pad], t => Assert.Equal(95, t));
                Assert.Equal(cases[r].Expected, row[pad..]);
            }
        }
    }

    [Fact]
    public void Repetition_penalty_matches_the_reference()
    {
        var c = Gpt2Goldens.Get("greedy_repetition_penalty");
        var options = GenerationOptions.Greedy(12) with { RepetitionPenalty = c.GetProperty("repetition_penalty").GetDouble() };
        Assert.Equal(c.GetProperty("expected").TokenIds(), Generator.Generate(c.GetProperty("prompt").TokenIds(), options));
    }

    [Fact]
    public void Sampling_with_top_k_1_is_greedy()
    {
        foreach (var (prompt, expected) in Greedy)
            Assert.Equal(expected, Generator.Generate(prompt, GenerationOptions.Sampling(12, seed: 7, temperature: 0.8, topK: 1)));
    }

    [Fact]
    public void Sampling_is_reproducible_with_a_seed()
    {
        var prompts = Greedy.Select(c => c.Prompt).ToArray();
        var options = GenerationOptions.Sampling(16, seed: 1234, temperature: 1.3, topK: 0, topP: 0.95) with { StopAtEos = false };
        var first = Generator.Generate(prompts, options);
        var second = Generator.Generate(prompts, options);
        Assert.Equal(first, second);
        Assert.Equal(first, Generator.Generate(prompts, options with { UseCache = false }));
        var others = Enumerable.Range(1, 3).Select(s => Generator.Generate(prompts, options with { Seed = s })).ToList();
        Assert.Contains(others, o => !o.Zip(first).All(p => p.First.SequenceEqual(p.Second)));
        Assert.All(first, row => Assert.Equal(16, row.Length - prompts[Array.IndexOf(first, row)].Length));
    }

    [Fact]
    public void Rows_stop_at_the_end_of_text_token_and_the_rest_continue()
    {
        var cases = Greedy;
        var (prompt0, expected0) = cases[0];
        var eos = expected0[prompt0.Length + 4]; // the 5th new token of row 0 becomes "end of text"
        var options = GenerationOptions.Greedy(12) with { EosTokenId = eos, PadTokenId = 0 };
        var steps = new List<int[]>();
        var rows = Generator.Generate(
            [.. cases.Select(c => c.Prompt)],
            options,
            (step, ids) =>
            {
                Assert.Equal(steps.Count, step);
                steps.Add(ids);
            }
        );
        for (var r = 0; r < cases.Length; r++)
        {
            var generated = cases[r].Expected[cases[r].Prompt.Length..];
            var stop = Array.IndexOf(generated, eos);
            var expected = stop < 0 ? cases[r].Expected : cases[r].Expected[..(cases[r].Prompt.Length + stop + 1)];
            Assert.Equal(expected, rows[r]);
        }
        Assert.Equal(prompt0.Length + Array.IndexOf(expected0[prompt0.Length..], eos) + 1, rows[0].Length);
        // The callback saw every row's new token each step; a finished row gets the pad token.
        Assert.All(steps, ids => Assert.Equal(cases.Length, ids.Length));
        var stopStep = Array.IndexOf(expected0[prompt0.Length..], eos);
        Assert.Equal(eos, steps[stopStep][0]);
        Assert.All(steps.Skip(stopStep + 1), ids => Assert.Equal(0, ids[0]));
        Assert.Equal(
            cases.Select(c => c.Expected[c.Prompt.Length..]).Max(g => Array.IndexOf(g, eos) < 0 ? 12 : Array.IndexOf(g, eos) + 1),
            steps.Count
        );
    }

    [Fact]
    public void Generation_stops_early_when_every_row_is_done()
    {
        var (prompt, expected) = Greedy[0];
        var eos = expected[prompt.Length];
        var calls = 0;
        var row = Generator.Generate(prompt, GenerationOptions.Greedy(12) with { EosTokenId = eos }, (_, _) => calls++);
        Assert.Equal(1, calls);
        Assert.Equal(expected[..(prompt.Length + 1)], row);
        Assert.Equal(expected, Generator.Generate(prompt, GenerationOptions.Greedy(12) with { EosTokenId = eos, StopAtEos = false }));
    }

    [Fact]
    public void Max_length_counts_the_prompt_and_max_new_tokens_wins()
    {
        var (prompt, expected) = Greedy[0];
        Assert.Equal(expected[..(prompt.Length + 5)], Generator.Generate(prompt, new GenerationOptions { MaxLength = prompt.Length + 5 }));
        Assert.Equal(
            expected[..(prompt.Length + 2)],
            Generator.Generate(prompt, new GenerationOptions { MaxLength = 4, MaxNewTokens = 2 })
        );
        Assert.Equal(
            expected[..Math.Min(20, expected.Length)],
            Generator.Generate(prompt, new GenerationOptions { MaxLength = Math.Min(20, expected.Length) })
        );
        Assert.Contains(
            "MaxLength 3 leaves no room after the prompt of 3 tokens",
            Assert.Throws<ArgumentException>(() => Generator.Generate(prompt, new GenerationOptions { MaxLength = 3 })).Message
        );
    }

    [Fact]
    public void Context_overflow_is_refused_or_truncated_on_the_left_when_asked()
    {
        int[] prompt = [.. Enumerable.Range(0, 30).Select(i => i * 7 % 90)];
        var e = Assert.Throws<ArgumentException>(() => Generator.Generate(prompt, GenerationOptions.Greedy(5)));
        Assert.Contains("The prompt (30 tokens) + 5 new tokens = 35 exceeds the model's context of 32 tokens (n_positions)", e.Message);

        var truncated = Generator.Generate(prompt, GenerationOptions.Greedy(5) with { ContextOverflow = ContextOverflow.TruncateLeft });
        Assert.Equal(32, truncated.Length);
        Assert.Equal(prompt[3..], truncated[..27]);
        Assert.Equal(Generator.Generate(prompt[3..], GenerationOptions.Greedy(5)), truncated);
        Assert.Throws<ArgumentException>(() =>
            Generator.Generate(prompt, GenerationOptions.Greedy(32) with { ContextOverflow = ContextOverflow.TruncateLeft })
        );
    }

    [Fact]
    public void The_largest_token_budget_is_refused_before_generating_instead_of_wrapping_around()
    {
        int[] prompt = [1, 2, 3];
        var streamed = 0;
        var e = Assert.Throws<ArgumentException>(() =>
            Generator.Generate(prompt, GenerationOptions.Greedy(int.MaxValue), (_, _) => streamed++)
        );
        Assert.Contains(
            $"The prompt (3 tokens) + {int.MaxValue} new tokens = {3L + int.MaxValue} exceeds the model's context of 32 tokens",
            e.Message
        );
        Assert.Equal(0, streamed);
        var truncating = GenerationOptions.Greedy(int.MaxValue) with { ContextOverflow = ContextOverflow.TruncateLeft };
        Assert.Contains(
            $"{int.MaxValue} new tokens do not fit the model's context of 32 tokens",
            Assert.Throws<ArgumentException>(() => Generator.Generate(prompt, truncating, (_, _) => streamed++)).Message
        );
        Assert.Equal(0, streamed);
    }

    [Fact]
    public void A_temperature_that_overflows_the_logits_is_a_named_error_not_a_native_one()
    {
        int[] prompt = [1, 2];
        var e = Assert.Throws<ArgumentException>(() => Generator.Generate(prompt, GenerationOptions.Sampling(3, 1, temperature: 1e-300)));
        Assert.Contains("temperature 1E-300", e.Message);
        Assert.Contains("past float32's range", e.Message);
    }

    [Fact]
    public void Bad_options_and_prompts_are_named_errors()
    {
        int[] prompt = [1, 2];
        Assert.Contains(
            "GenerationOptions.TopP must be in (0, 1], found 0",
            Assert.Throws<ArgumentException>(() => Generator.Generate(prompt, GenerationOptions.Sampling(3, 1, topP: 0))).Message
        );
        Assert.Contains(
            "GenerationOptions.Temperature",
            Assert.Throws<ArgumentException>(() => Generator.Generate(prompt, GenerationOptions.Sampling(3, 1, temperature: 0))).Message
        );
        Assert.Contains(
            "GenerationOptions.TopK",
            Assert.Throws<ArgumentException>(() => Generator.Generate(prompt, GenerationOptions.Greedy(3) with { TopK = -1 })).Message
        );
        Assert.Contains(
            "GenerationOptions.MaxNewTokens",
            Assert.Throws<ArgumentException>(() => Generator.Generate(prompt, GenerationOptions.Greedy(0))).Message
        );
        Assert.Contains(
            "EosTokenId 500 is outside the vocabulary [0, 96)",
            Assert
                .Throws<ArgumentException>(() => Generator.Generate(prompt, GenerationOptions.Greedy(3) with { EosTokenId = 500 }))
                .Message
        );
        Assert.Contains(
            "Prompt 1 is empty",
            Assert.Throws<ArgumentException>(() => Generator.Generate([prompt, []], GenerationOptions.Greedy(3))).Message
        );
        Assert.Contains(
            "Token ids must lie in [0, 96)",
            Assert.Throws<ArgumentException>(() => Generator.Generate([1, 200], GenerationOptions.Greedy(3))).Message
        );
    }

    [Fact]
    public void Generation_leaks_no_tensors()
    {
        var (prompt, _) = Greedy[0];
        Generator.Generate(prompt, GenerationOptions.Sampling(4, seed: 3)); // warm up lazy state
        var leaked = LiveTensors.Leaked(() =>
        {
            Generator.Generate([prompt, [1, 2]], GenerationOptions.Sampling(6, seed: 3, topP: 0.9) with { RepetitionPenalty = 1.2 });
            Generator.Generate(prompt, GenerationOptions.Greedy(6) with { UseCache = false });
        });
        Assert.Equal(0, leaked);
    }
}
