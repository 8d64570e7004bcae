using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Workbook.Hub;
using Workbook.Text;
using static TorchSharp.torch;

namespace Workbook.Gpt2;

/// <summary>
/// Text in, text out: a GPT-2 model with its tokenizer — what transformers' <c>pipeline("text-generation")</c> is
/// for the classic snippet. <see cref="Stream"/> and <see cref="StreamAsync"/> give the continuation piece by piece as
/// it is generated, never splitting a UTF-8 character. Introduced in chapter 09.
/// </summary>
public sealed class Gpt2TextGenerator
{
    /// <summary>The files a GPT-2 checkpoint folder needs (a sharded checkpoint has an index instead of
    /// <c>model.safetensors</c>).</summary>
    public static IReadOnlyList<string> CheckpointFiles { get; } = ["config.json", "model.safetensors", "vocab.json", "merges.txt"];

    /// <summary>Pairs a model with the tokenizer its vocabulary was built with.</summary>
    /// <exception cref="ArgumentException">The tokenizer has more tokens than the model's vocabulary.</exception>
    public Gpt2TextGenerator(Gpt2LMHeadModel model, Gpt2Tokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (tokenizer.VocabularySize > model.Config.VocabSize)
            throw new ArgumentException(
                $"The tokenizer ({tokenizer.Source}) has {tokenizer.VocabularySize} tokens but the model's vocabulary has "
                    + $"{model.Config.VocabSize}: they do not belong together.",
                nameof(tokenizer)
            );
        Model = model;
        Tokenizer = tokenizer;
        Generator = new Gpt2TokenGenerator(model);
    }

    /// <summary>The language model.</summary>
    public Gpt2LMHeadModel Model { get; }

    /// <summary>The tokenizer.</summary>
    public Gpt2Tokenizer Tokenizer { get; }

    /// <summary>The token-level generator (ids in, ids out).</summary>
    public Gpt2TokenGenerator Generator { get; }

    /// <summary>
    /// Loads a checkpoint folder: <c>config.json</c>, <c>model.safetensors</c> (or a sharded index) and the tokenizer
    /// (<c>tokenizer.json</c>, or <c>vocab.json</c> + <c>merges.txt</c>).
    /// </summary>
    /// <exception cref="FileNotFoundException">A file is missing; the message names it and what the folder holds.</exception>
    public static Gpt2TextGenerator FromFolder(string folder, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var tokenizer = Gpt2Tokenizer.FromFolder(folder); // fails fast, naming the missing tokenizer file
        return new Gpt2TextGenerator(Gpt2LMHeadModel.FromPretrained(folder, device), tokenizer);
    }

    /// <summary>
    /// Downloads (or finds in the shared Hugging Face cache) a GPT-2 checkpoint and loads it, e.g.
    /// <c>openai-community/gpt2</c> or <c>distilbert/distilgpt2</c>.
    /// </summary>
    /// <exception cref="HubException">The hub is unreachable, the repository or a file does not exist, or access is denied.</exception>
    public static async Task<Gpt2TextGenerator> FromHubAsync(
        HubClient hub,
        string repoId = "openai-community/gpt2",
        string? revision = null,
        IProgress<DownloadProgress>? progress = null,
        Device? device = null,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(hub);
        var folder = await hub.DownloadFilesAsync(repoId, CheckpointFiles, revision, progress, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return FromFolder(folder, device);
    }

    /// <summary>The prompt followed by its continuation, as text (the end-of-text token is not shown).</summary>
    /// <exception cref="ArgumentException">The prompt is empty, or an option is out of range.</exception>
    public string Generate(string prompt, GenerationOptions? options = null)
    {
        var ids = Generator.Generate(Encode(prompt), WithEos(options));
        return Tokenizer.Decode(ids.Select(id => (int)id), skipSpecialTokens: true);
    }

    /// <summary>The continuation only, piece by piece as each token is generated (pieces may be empty while a character is
    /// incomplete).</summary>
    public IEnumerable<string> Stream(string prompt, GenerationOptions? options = null) =>
        StreamAsync(prompt, options).ToBlockingEnumerable();

    /// <summary>Tokens this generator has produced so far, over every call (a counter for metrics; thread-safe).</summary>
    public long TokensGenerated => Interlocked.Read(ref tokensGenerated);
    private long tokensGenerated;

    /// <summary>
    /// The continuation only, piece by piece: generation runs on a worker thread and each piece arrives as soon as its
    /// token is chosen. Cancelling stops generation after the current token; so does leaving the loop early. Either way
    /// the enumeration ends only once the worker has stopped, so no generation keeps running in the background.
    /// </summary>
    public async IAsyncEnumerable<string> StreamAsync(
        string prompt,
        GenerationOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default
    )
    {
        var ids = Encode(prompt);
        options = WithEos(options).Validate();
        var decoder = Tokenizer.CreateStreamingDecoder(skipSpecialTokens: true);
        var pieces = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var worker = Task.Run(
            () =>
            {
                try
                {
                    Generator.Generate(
                        ids,
                        options,
                        (_, next) =>
                        {
                            stop.Token.ThrowIfCancellationRequested();
                            Interlocked.Increment(ref tokensGenerated);
                            var piece = decoder.Push((int)next[0]);
                            if (piece.Length > 0)
                                pieces.Writer.TryWrite(piece);
                        }
                    );
                    var rest = decoder.Flush();
                    if (rest.Length > 0)
                        pieces.Writer.TryWrite(rest);
                    pieces.Writer.TryComplete();
                }
                catch (Exception e)
                {
                    pieces.Writer.TryComplete(e); // the reader sees the failure
                }
            },
            CancellationToken.None
        );
        try
        {
            await foreach (var piece in pieces.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                cancellationToken.ThrowIfCancellationRequested(); // pieces already queued are not delivered either
                yield return piece;
            }
        }
        finally
        {
            stop.Cancel(); // a no-op when generation has finished
            await worker.ConfigureAwait(false); // never throws: failures go through the channel
        }
    }

    private int[] Encode(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        if (prompt.Length == 0)
            throw new ArgumentException(
                "The prompt is empty. GPT-2 has no beginning-of-text token to start from: give at least one word, "
                    + "or start with \"<|endoftext|>\".",
                nameof(prompt)
            );
        return Tokenizer.Encode(prompt);
    }

    private GenerationOptions WithEos(GenerationOptions? options)
    {
        options ??= GenerationOptions.Greedy(20);
        return options.EosTokenId is null ? options with { EosTokenId = Model.Config.EosTokenId } : options;
    }
}
