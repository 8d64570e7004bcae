namespace Workbook.Hub;

/// <summary>
/// Settings of a <see cref="HubClient"/>. Every property left null is taken from the same environment variables
/// the Python <c>huggingface_hub</c> library reads, so Python and .NET share one cache and one token:
/// <list type="bullet">
/// <item><see cref="Endpoint"/>: <c>HF_ENDPOINT</c>, else <c>https://huggingface.co</c>.</item>
/// <item><see cref="CacheDirectory"/>: <c>HF_HUB_CACHE</c>, else <c>HF_HOME/hub</c>, else <c>XDG_CACHE_HOME/huggingface/hub</c>,
/// else <c>~/.cache/huggingface/hub</c>.</item>
/// <item><see cref="Token"/>: <c>HF_TOKEN</c>, else the file <c>huggingface-cli login</c> writes (<c>HF_TOKEN_PATH</c>,
/// else <c>HF_HOME/token</c>).</item>
/// <item><see cref="Offline"/>: <c>HF_HUB_OFFLINE</c> set to 1, true, yes or on.</item>
/// </list>
/// Introduced in chapter 10.
/// </summary>
public sealed record HubOptions
{
    /// <summary>The hub's base address, e.g. <c>https://huggingface.co</c> or a mirror; null = from the environment.</summary>
    public string? Endpoint { get; init; }

    /// <summary>The cache root that holds <c>models--org--name</c> folders; null = from the environment.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>The access token sent as <c>Authorization: Bearer</c>; null = from the environment; empty = send none.</summary>
    public string? Token { get; init; }

    /// <summary>True: never touch the network, serve files from the cache only; null = from the environment.</summary>
    public bool? Offline { get; init; }

    /// <summary>How long to wait for a connection to open (default 10 s).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long to wait for the answer to a metadata request or for a download's headers (default 10 s).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a download may go without receiving a byte before it counts as broken off (default 30 s).</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The longest one file's download may take, resumes and pauses between them included (default 2 hours: a 5 GB file
    /// at 1 MB/s needs 83 minutes). <see cref="ReadTimeout"/> ends a body that stops; this ends one that trickles. The
    /// bytes received are kept, so the next call resumes.
    /// </summary>
    public TimeSpan DownloadTimeout { get; init; } = TimeSpan.FromHours(2);

    /// <summary>How often a broken-off download is resumed before giving up (default 3).</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>The pause before the first resume, doubled for each further one (default 0.5 s).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(0.5);

    /// <summary>How long to wait for another process that is downloading the same file (default 10 minutes).</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The hub the Python library uses when <c>HF_ENDPOINT</c> is not set.</summary>
    public const string DefaultEndpoint = "https://huggingface.co";

    /// <summary>These options with every null property filled in from the process's environment variables.</summary>
    public HubOptions Resolve() => Resolve(System.Environment.GetEnvironmentVariable);

    /// <summary>
    /// These options with every null property filled in from <paramref name="environment"/> (a variable's name to
    /// its value, null when unset) and validated.
    /// </summary>
    /// <exception cref="ArgumentException">The endpoint is not an absolute http(s) address, or a timeout or count is negative.</exception>
    public HubOptions Resolve(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? Env(string name) => environment(name) is { Length: > 0 } value ? value : null;

        var endpoint = (Endpoint ?? Env("HF_ENDPOINT") ?? DefaultEndpoint).TrimEnd('/');
        if (
            !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
        )
            throw new ArgumentException(
                $"The hub endpoint '{endpoint}' is not an absolute http:// or https:// address (from "
                    + $"{(Endpoint is null ? "HF_ENDPOINT" : "HubOptions.Endpoint")}).",
                nameof(Endpoint)
            );

        var home = Env("HF_HOME") is { } hfHome
            ? ExpandHome(hfHome, environment)
            : Path.Combine(
                Env("XDG_CACHE_HOME") is { } xdg ? ExpandHome(xdg, environment) : Path.Combine(UserHome(environment), ".cache"),
                "huggingface"
            );
        var cache = CacheDirectory ?? Env("HF_HUB_CACHE") ?? Env("HUGGINGFACE_HUB_CACHE") ?? Path.Combine(home, "hub");

        var token =
            Token
            ?? Env("HF_TOKEN")
            ?? Env("HUGGING_FACE_HUB_TOKEN")
            ?? ReadTokenFile(Env("HF_TOKEN_PATH") is { } tokenPath ? ExpandHome(tokenPath, environment) : Path.Combine(home, "token"));
        var offline = Offline ?? IsTrue(Env("HF_HUB_OFFLINE"));

        RequirePositive(ConnectTimeout, nameof(ConnectTimeout));
        RequirePositive(RequestTimeout, nameof(RequestTimeout));
        RequirePositive(ReadTimeout, nameof(ReadTimeout));
        RequirePositive(DownloadTimeout, nameof(DownloadTimeout));
        RequirePositive(LockTimeout, nameof(LockTimeout));
        if (RetryDelay < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(RetryDelay), RetryDelay, "RetryDelay must not be negative.");
        if (MaxRetries < 0)
            throw new ArgumentOutOfRangeException(nameof(MaxRetries), MaxRetries, "MaxRetries must be 0 or more.");

        return this with
        {
            Endpoint = endpoint,
            CacheDirectory = Path.GetFullPath(ExpandHome(cache, environment)),
            Token = token?.Trim() ?? "",
            Offline = offline,
        };
    }

    /// <summary>True for the values <c>huggingface_hub</c> reads as true: 1, true, yes, on (any case).</summary>
    internal static bool IsTrue(string? value) => value?.Trim().ToUpperInvariant() is "1" or "TRUE" or "YES" or "ON";

    private static void RequirePositive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive.");
    }

    private static string UserHome(Func<string, string?> environment) =>
        environment("HOME") is { Length: > 0 } home ? home : System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);

    private static string ExpandHome(string path, Func<string, string?> environment) =>
        path == "~" ? UserHome(environment)
        : path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal)
            ? Path.Combine(UserHome(environment), path[2..])
        : path;

    private static string? ReadTokenFile(string path)
    {
        try
        {
            return File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } token ? token : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
