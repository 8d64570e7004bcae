using Workbook.Hub;

namespace Workbook.Tests.Hub;

/// <summary>A temporary cache folder per test (never the real ~/.cache), and clients with short timeouts.</summary>
internal sealed class TempCache : IDisposable
{
    public DirectoryInfo Folder { get; } = Directory.CreateTempSubdirectory("workbook-hub-cache-");

    public string Root => Folder.FullName;

    /// <summary>A client of <paramref name="endpoint"/> that ignores the environment: no token unless given, online unless told.</summary>
    public HubClient Client(
        string endpoint,
        string token = "",
        bool offline = false,
        int maxRetries = 0,
        TimeSpan? requestTimeout = null,
        TimeSpan? downloadTimeout = null
    ) =>
        new(
            new HubOptions
            {
                Endpoint = endpoint,
                CacheDirectory = Root,
                Token = token,
                Offline = offline,
                MaxRetries = maxRetries,
                RetryDelay = TimeSpan.FromMilliseconds(10),
                RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(10),
                ReadTimeout = TimeSpan.FromSeconds(10),
                ConnectTimeout = TimeSpan.FromSeconds(5),
                DownloadTimeout = downloadTimeout ?? TimeSpan.FromMinutes(1),
            }
        );

    public void Dispose()
    {
        try
        {
            Folder.Delete(recursive: true);
        }
        catch (IOException) { }
    }
}

/// <summary>Collects progress reports synchronously (Progress&lt;T&gt; would post them later, out of the test's order).</summary>
internal sealed class ProgressLog : IProgress<DownloadProgress>
{
    private readonly Action<DownloadProgress>? _onReport;

    public ProgressLog(Action<DownloadProgress>? onReport = null) => _onReport = onReport;

    public List<DownloadProgress> Reports { get; } = [];

    public void Report(DownloadProgress value)
    {
        lock (Reports)
            Reports.Add(value);
        _onReport?.Invoke(value);
    }
}

/// <summary>A port on 127.0.0.1 that nothing listens on: connecting is refused at once.</summary>
internal static class ClosedPort
{
    public static string Endpoint()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }
}

/// <summary>
/// What each hub test arranges: a fake hub on 127.0.0.1 (<see cref="Hub"/>, with no repository until the test adds one) and a
/// temporary cache (<see cref="Cache"/>), both made before the test and disposed after it; <see cref="Client"/> opens a
/// client of them with short timeouts.
/// </summary>
public abstract class HubTest : IAsyncLifetime
{
    private readonly TempCache _cache = new();
    private FakeHub? _hub;

    internal FakeHub Hub => _hub ?? throw new InvalidOperationException("The fake hub starts in InitializeAsync.");

    internal TempCache Cache => _cache;

    /// <summary>A client of <paramref name="endpoint"/> (the fake hub's when null) over the test's cache.</summary>
    internal HubClient Client(
        string? endpoint = null,
        string token = "",
        bool offline = false,
        int maxRetries = 0,
        TimeSpan? requestTimeout = null,
        TimeSpan? downloadTimeout = null
    ) => _cache.Client(endpoint ?? Hub.Endpoint, token, offline, maxRetries, requestTimeout, downloadTimeout);

    public async Task InitializeAsync() => _hub = await FakeHub.StartAsync();

    public async Task DisposeAsync()
    {
        if (_hub is not null)
            await _hub.DisposeAsync();
        _cache.Dispose();
    }
}
