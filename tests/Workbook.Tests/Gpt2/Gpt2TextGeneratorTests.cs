using TorchSharp;
using Workbook.Gpt2;
using Workbook.Tests.Text;
using Workbook.Text;
using static TorchSharp.torch;

namespace Workbook.Tests.Gpt2;

/// <summary>Text in, text out, and streaming, on a small random GPT-2 with the real GPT-2 vocabulary.</summary>
[Collection(SerialCollection.Name)] // seeds TorchSharp's global generator before building each model
public sealed class Gpt2TextGeneratorTests : IDisposable
{
    static Gpt2TextGeneratorTests() => InitializeDeviceType(DeviceType.CPU);

    private static readonly Gpt2Config Small = Gpt2Config.Gpt2 with
    {
        EmbeddingSize = 32,
        LayerCount = 2,
        HeadCount = 4,
        ContextLength = 64,
    };
    private readonly string _folder = Directory.CreateTempSubdirectory("wb-gpt2-text-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static Gpt2TextGenerator NewGenerator()
    {
        torch.manual_seed(1);
        return new Gpt2TextGenerator(new Gpt2LMHeadModel(Small), Gpt2Tokenizer.Default);
    }

    [Fact]
    public void Generate_decodes_the_token_generator_output()
    {
        var text = NewGenerator();
        var options = GenerationOptions.Greedy(12) with { StopAtEos = false };
        var ids = text.Generator.Generate(text.Tokenizer.Encode("I love"), options);
        Assert.Equal(text.Tokenizer.Decode(ids, skipSpecialTokens: true), text.Generate("I love", options));
        Assert.StartsWith("I love", text.Generate("I love", options));
    }

    [Fact]
    public async Task Streamed_pieces_add_up_to_the_continuation_and_never_split_a_character()
    {
        var text = NewGenerator();
        var options = GenerationOptions.Sampling(30, seed: 3, temperature: 2.0) with { StopAtEos = false };
        var full = text.Generate("Café ☕ and", options);
        var pieces = text.Stream("Café ☕ and", options).ToList();
        Assert.Equal(full, "Café ☕ and" + string.Concat(pieces));
        Assert.DoesNotContain(pieces, p => p.Contains('\uFFFD') && !full.Contains('\uFFFD'));
        var asyncPieces = new List<string>();
        await foreach (var piece in text.StreamAsync("Café ☕ and", options))
            asyncPieces.Add(piece);
        Assert.Equal(pieces, asyncPieces);
    }

    // A long generation (1000 tokens in a 1024-token context), so the worker is usually still busy when the reader
    // leaves. How far it got by then depends on scheduling (under parallel tests the reader can wait seconds for a
    // thread), so the tests assert what does not: once the loop has ended the worker has stopped, and a token cancelled
    // up front generates nothing. Sampled, not greedy: greedy decoding of a random model can repeat one byte-fragment
    // token whose pieces stay empty until the end.
    private static Gpt2TextGenerator NewLongContextGenerator()
    {
        torch.manual_seed(1);
        return new Gpt2TextGenerator(new Gpt2LMHeadModel(Small with { ContextLength = 1024 }), Gpt2Tokenizer.Default);
    }

    private static readonly GenerationOptions LongGeneration = GenerationOptions.Sampling(1000, seed: 7) with { StopAtEos = false };

    [Fact]
    public async Task Cancelling_a_stream_stops_generation()
    {
        var text = NewLongContextGenerator();
        using var cancel = new CancellationTokenSource();
        var received = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in text.StreamAsync("Hello", LongGeneration, cancel.Token))
                if (++received == 3)
                    cancel.Cancel();
        });
        Assert.Equal(3, received);
        var afterCancel = text.TokensGenerated;
        await Task.Delay(200);
        Assert.Equal(afterCancel, text.TokensGenerated); // the worker had stopped when the loop ended
    }

    [Fact]
    public async Task A_stream_cancelled_before_it_starts_generates_nothing()
    {
        var text = NewLongContextGenerator();
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in text.StreamAsync("Hello", LongGeneration, cancel.Token)) { }
        });
        Assert.Equal(0, text.TokensGenerated); // the worker checks the token before every token
    }

    [Fact]
    public async Task Leaving_a_stream_early_leaves_no_generation_running()
    {
        var text = NewLongContextGenerator();
        var received = 0;
        await foreach (var _ in text.StreamAsync("Hello", LongGeneration))
            if (++received == 2)
                break;
        var afterBreak = text.TokensGenerated;
        await Task.Delay(200);
        Assert.Equal(afterBreak, text.TokensGenerated); // the worker had stopped when the loop ended
        text.Stream("Hello", GenerationOptions.Greedy(5) with { StopAtEos = false }).ToList();
        Assert.Equal(afterBreak + 5, text.TokensGenerated);
    }

    [Fact]
    public void Saved_checkpoints_load_back_with_identical_logits()
    {
        var text = NewGenerator();
        text.Model.SavePretrained(_folder);
        Assert.Equal(["config.json", "model.safetensors"], Directory.GetFiles(_folder).Select(Path.GetFileName).Order());
        using var loaded = Gpt2LMHeadModel.FromPretrained(_folder);
        var ids = tensor(
            new long[,]
            {
                { 40, 1842, 262 },
            }
        );
        text.Model.eval();
        Assert.True(text.Model.call(ids).allclose(loaded.call(ids), rtol: 0, atol: 0));
        File.Copy(Path.Combine(Gpt2Files.Folder, "vocab.json"), Path.Combine(_folder, "vocab.json"));
        File.Copy(Path.Combine(Gpt2Files.Folder, "merges.txt"), Path.Combine(_folder, "merges.txt"));
        var fromFolder = Gpt2TextGenerator.FromFolder(_folder);
        Assert.Equal(text.Generate("The dog"), fromFolder.Generate("The dog"));
    }

    [Fact]
    public void Bad_input_is_explained()
    {
        var text = NewGenerator();
        Assert.Contains("The prompt is empty", Assert.Throws<ArgumentException>(() => text.Generate("")).Message);
        Assert.Contains(
            "temperature",
            Assert.ThrowsAny<ArgumentException>(() => text.Generate("Hi", GenerationOptions.Sampling(5, seed: 1, temperature: 0))).Message,
            StringComparison.OrdinalIgnoreCase
        );
        Assert.Contains(
            "top",
            Assert.ThrowsAny<ArgumentException>(() => text.Generate("Hi", GenerationOptions.Sampling(5, seed: 1, topP: 1.5))).Message,
            StringComparison.OrdinalIgnoreCase
        );
        Assert.ThrowsAny<ArgumentException>(() => text.Generate("Hi", GenerationOptions.Greedy(0)));
        var longPrompt = string.Join(" ", Enumerable.Repeat("word", 100));
        Assert.Contains("64", Assert.ThrowsAny<ArgumentException>(() => text.Generate(longPrompt)).Message);

        text.Model.SavePretrained(_folder);
        File.Copy(Path.Combine(Gpt2Files.Folder, "vocab.json"), Path.Combine(_folder, "vocab.json"));
        Assert.Contains("merges.txt", Assert.Throws<FileNotFoundException>(() => Gpt2TextGenerator.FromFolder(_folder)).Message);

        torch.manual_seed(0);
        var tooSmall = new Gpt2LMHeadModel(Small with { VocabSize = 1000, BosTokenId = 999, EosTokenId = 999 });
        Assert.Contains(
            "do not belong together",
            Assert.Throws<ArgumentException>(() => new Gpt2TextGenerator(tooSmall, Gpt2Tokenizer.Default)).Message
        );
    }
}
