using Workbook.Data;
using Workbook.Hub;
using static TorchSharp.torch;

namespace Workbook.Gpt2;

/// <summary>
/// Which GPT-2 a chapter runs: OpenAI's <c>gpt2</c> (124 M parameters) when it is in the Hugging Face cache or the hub
/// answers, else the small GPT shipped with the workbook in <c>data/models/kjv-gpt</c> (same architecture, its own
/// byte-level BPE vocabulary, trained on the King James Bible by chapter 09's recipe), with one line saying which.
/// Introduced in chapter 10; chapters 11, 14 and 15 use it too.
/// </summary>
/// <param name="Folder">The checkpoint folder: config.json, model.safetensors, vocab.json, merges.txt.</param>
/// <param name="IsRealGpt2">True for OpenAI's gpt2, false for the shipped small model.</param>
/// <param name="Name">A short name for tables and adapter configs: <c>gpt2</c> or <c>data/models/kjv-gpt</c>.</param>
/// <param name="Message">One line: where the model came from and, for the small one, what it is.</param>
public sealed record Gpt2ModelChoice(string Folder, bool IsRealGpt2, string Name, string Message)
{
    /// <summary>The hub repository of OpenAI's GPT-2 small (the hub's current name for <c>gpt2</c>).</summary>
    public const string RealRepoId = "openai-community/gpt2";

    /// <summary>The shipped model's folder under <c>data/</c>.</summary>
    public const string ShippedModel = "models/kjv-gpt";

    /// <summary>The shipped small model's folder (found from the current directory upward, as <see cref="DataDirectory.Find"/>).</summary>
    /// <exception cref="FileNotFoundException">No <c>data/models/kjv-gpt/config.json</c> above the current directory.</exception>
    public static string ShippedFolder() => Path.GetDirectoryName(DataDirectory.Find(ShippedModel + "/config.json"))!;

    /// <summary>The real GPT-2 from the cache, else from the hub, else the shipped small model.</summary>
    public static async Task<Gpt2ModelChoice> FindAsync(
        HubClient hub,
        IProgress<DownloadProgress>? progress = null,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(hub);
        var snapshot = await hub.FindOrDownloadAsync(
                RealRepoId,
                Gpt2TextGenerator.CheckpointFiles,
                progress: progress,
                cancellationToken: cancellationToken
            )
            .ConfigureAwait(false);
        return snapshot.IsAvailable ? new Gpt2ModelChoice(snapshot.Folder!, true, "gpt2", snapshot.Message) : Shipped(snapshot.Message);
    }

    /// <summary>The real GPT-2 if the cache holds it (no request is made), else the shipped small model.</summary>
    public static Gpt2ModelChoice FromCache(HubClient hub)
    {
        ArgumentNullException.ThrowIfNull(hub);
        return hub.TryGetCachedFolder(RealRepoId, Gpt2TextGenerator.CheckpointFiles) is { } folder
            ? new Gpt2ModelChoice(folder, true, "gpt2", $"Using {RealRepoId} from the Hugging Face cache ({folder}).")
            : Shipped($"{RealRepoId} is not in the Hugging Face cache.");
    }

    /// <summary>The shipped small model, with <paramref name="why"/> the real one is not used.</summary>
    public static Gpt2ModelChoice Shipped(string why) =>
        new(
            ShippedFolder(),
            false,
            "data/" + ShippedModel,
            $"{why} Using the small GPT shipped in data/{ShippedModel} instead: GPT-2's architecture at a small size, trained here "
                + "on the King James Bible, so it writes Bible-like English, not GPT-2's."
        );

    /// <summary>Loads the model and its tokenizer.</summary>
    public Gpt2TextGenerator Load(Device? device = null) => Gpt2TextGenerator.FromFolder(Folder, device);

    /// <inheritdoc />
    public override string ToString() => Message;
}
