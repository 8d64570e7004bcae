using System.Globalization;

namespace Workbook.Serving;

/// <summary>Everything the server can be told on its command line; every limit has a safe default.</summary>
public sealed record ServingOptions
{
    /// <summary>The model package folder (manifest.json + model.safetensors). Required.</summary>
    public required string ModelFolder { get; init; }

    /// <summary>A GPT-2 checkpoint folder (config.json, model.safetensors, and vocab.json + merges.txt or tokenizer.json); null disables
    /// /v1/generate.</summary>
    public string? Gpt2Folder { get; init; }

    /// <summary>Addresses to listen on; port 0 lets the operating system pick a free one.</summary>
    public string Urls { get; init; } = "http://127.0.0.1:5000";

    /// <summary>Collect concurrent predict requests into one forward pass.</summary>
    public bool Batching { get; init; } = true;

    /// <summary>Most rows in one batched forward pass.</summary>
    public int BatchMaxRows { get; init; } = 64;

    /// <summary>
    /// Longest a request waits for others to share its batch. Zero (the default) adds no wait: a batch is whatever
    /// queued while the previous one ran, so an idle server answers at once and a busy one batches by itself (the
    /// default of Triton's dynamic batcher too). A fixed wait only pays when a forward pass is expensive.
    /// </summary>
    public TimeSpan BatchMaxWait { get; init; } = TimeSpan.Zero;

    /// <summary>Largest request body accepted; larger ones get 413.</summary>
    public long MaxBodyBytes { get; init; } = 64 * 1024;

    /// <summary>Most rows in one predict request.</summary>
    public int MaxRowsPerRequest { get; init; } = 256;

    /// <summary>Model requests processed at once; more wait in the queue.</summary>
    public int MaxConcurrentRequests { get; init; } = 32;

    /// <summary>Model requests allowed to wait; beyond it the answer is 429.</summary>
    public int MaxQueuedRequests { get; init; } = 256;

    /// <summary>Longest a request's body may take to arrive; a slower one gets 408. Bodies are read before a request takes a model
    /// slot.</summary>
    public TimeSpan BodyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest a request waits in the queue for a model slot; past it the answer is 503 with Retry-After.</summary>
    public TimeSpan QueueTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A predict request that has no answer after this long gets 504.</summary>
    public TimeSpan PredictTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Generation stops (504, or an error event when streaming) after this long.</summary>
    public TimeSpan GenerateTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Largest <c>maxNewTokens</c> a generate request may ask for.</summary>
    public int MaxNewTokensLimit { get; init; } = 256;

    /// <summary>Longest prompt accepted, in characters.</summary>
    public int MaxPromptCharacters { get; init; } = 4000;

    /// <summary>How long shutdown waits for in-flight requests.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The command-line help.</summary>
    public const string Usage = """
        usage: dotnet Workbook.Serving.dll --model FOLDER [options]
          --model FOLDER            model package folder (manifest.json + model.safetensors), required
          --gpt2 FOLDER             GPT-2 checkpoint folder; without it POST /v1/generate answers 503
          --urls URL[;URL]          listen addresses (default http://127.0.0.1:5000; port 0 picks a free port)
          --batching on|off         micro-batch concurrent predict requests (default on)
          --batch-max-rows N        rows per batched forward pass (default 64)
          --batch-max-wait-ms MS    longest wait for a batch to fill (default 0: batch what queued meanwhile)
          --max-body-bytes N        largest request body (default 65536); larger: 413
          --max-rows N              most rows in one predict request (default 256)
          --max-concurrency N       model requests processed at once (default 32)
          --max-queue N             model requests allowed to wait (default 256); beyond: 429
          --body-timeout-ms MS      time allowed for a request body to arrive (default 10000); past it: 408
          --queue-timeout-ms MS     longest wait for a model slot (default 5000); past it: 503
          --predict-timeout-ms MS   predict deadline (default 10000); past it: 504
          --generate-timeout-ms MS  generation deadline (default 60000)
          --max-new-tokens N        largest maxNewTokens a request may ask for (default 256)
          --shutdown-timeout-ms MS  how long shutdown waits for in-flight requests (default 15000)
        """;

    /// <summary>Parses the command line.</summary>
    /// <exception cref="ArgumentException">An unknown option, a missing or malformed value, or a value out of range; the message names the
    /// option.</exception>
    public static ServingOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (!name.StartsWith("--", StringComparison.Ordinal) || !Known.Contains(name))
                throw new ArgumentException($"Unknown option '{name}'.\n{Usage}");
            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                throw new ArgumentException($"Option {name} needs a value.\n{Usage}");
            values[name] = args[++i];
        }
        if (!values.TryGetValue("--model", out var model))
            throw new ArgumentException($"--model FOLDER is required: the model package to serve.\n{Usage}");
        var options = new ServingOptions
        {
            ModelFolder = model,
            Gpt2Folder = values.GetValueOrDefault("--gpt2"),
            Urls = values.GetValueOrDefault("--urls") ?? "http://127.0.0.1:5000",
            Batching = values.TryGetValue("--batching", out var b) ? OnOff("--batching", b) : true,
            BatchMaxRows = Int(values, "--batch-max-rows", 64, 1, 4096),
            BatchMaxWait = TimeSpan.FromMilliseconds(Int(values, "--batch-max-wait-ms", 0, 0, 1000)),
            MaxBodyBytes = Int(values, "--max-body-bytes", 64 * 1024, 64, 64 * 1024 * 1024),
            MaxRowsPerRequest = Int(values, "--max-rows", 256, 1, 100_000),
            MaxConcurrentRequests = Int(values, "--max-concurrency", 32, 1, 10_000),
            MaxQueuedRequests = Int(values, "--max-queue", 256, 0, 100_000),
            BodyTimeout = TimeSpan.FromMilliseconds(Int(values, "--body-timeout-ms", 10_000, 1, 3_600_000)),
            QueueTimeout = TimeSpan.FromMilliseconds(Int(values, "--queue-timeout-ms", 5_000, 1, 3_600_000)),
            PredictTimeout = TimeSpan.FromMilliseconds(Int(values, "--predict-timeout-ms", 10_000, 1, 3_600_000)),
            GenerateTimeout = TimeSpan.FromMilliseconds(Int(values, "--generate-timeout-ms", 60_000, 1, 3_600_000)),
            MaxNewTokensLimit = Int(values, "--max-new-tokens", 256, 1, 100_000),
            ShutdownTimeout = TimeSpan.FromMilliseconds(Int(values, "--shutdown-timeout-ms", 15_000, 0, 3_600_000)),
        };
        return options;
    }

    private static readonly HashSet<string> Known =
    [
        "--model",
        "--gpt2",
        "--urls",
        "--batching",
        "--batch-max-rows",
        "--batch-max-wait-ms",
        "--max-body-bytes",
        "--max-rows",
        "--max-concurrency",
        "--max-queue",
        "--body-timeout-ms",
        "--queue-timeout-ms",
        "--predict-timeout-ms",
        "--generate-timeout-ms",
        "--max-new-tokens",
        "--shutdown-timeout-ms",
    ];

    private static bool OnOff(string name, string value) =>
        value switch
        {
            "on" or "true" => true,
            "off" or "false" => false,
            _ => throw new ArgumentException($"{name} is 'on' or 'off'; got '{value}'."),
        };

    private static int Int(Dictionary<string, string> values, string name, int fallback, int min, int max)
    {
        if (!values.TryGetValue(name, out var text))
            return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            throw new ArgumentException($"{name} needs a whole number; got '{text}'.");
        if (value < min || value > max)
            throw new ArgumentException($"{name} must be between {min} and {max}; got {value}.");
        return value;
    }
}
