using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Workbook.Tests.Hub;

/// <summary>A file in a fake repository: LFS files are redirected to the CDN path and carry their sha256 as X-Linked-Etag.</summary>
internal sealed record FakeFile(string Name, byte[] Content, bool Lfs)
{
    public string Sha256 => Convert.ToHexStringLower(SHA256.HashData(Content));

    /// <summary>The git blob id, which the hub sends as the ETag of a file stored in git.</summary>
    public string GitSha1 => Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {Content.Length}\0"), .. Content]));

    /// <summary>The ETag the cache names the blob by.</summary>
    public string ETag => Lfs ? Sha256 : GitSha1;

    public static FakeFile Random(string name, int length, bool lfs, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return new FakeFile(name, bytes, lfs);
    }
}

/// <summary>One request the fake hub received.</summary>
internal sealed record FakeRequest(string Method, string Path, string? Range, string? Authorization);

/// <summary>
/// A Hugging Face hub on 127.0.0.1 (a free port) that serves the hub's URL layout and headers:
/// HEAD/GET <c>/{repo}/resolve/{revision}/{file}</c> answers 200 with the git sha1 ETag for git files, and 302 to
/// <c>/cdn/{sha256}</c> with X-Linked-Etag and X-Linked-Size for LFS files; X-Repo-Commit always; 404 and 401/403
/// with the hub's X-Error-Code. Faults can be switched on: cut the connection mid-body, ignore Range, corrupt the
/// body, stall. It is a small HTTP/1.1 server on a TcpListener (one request per connection), so a cut is exact:
/// the bytes written, then a clean close.
/// </summary>
internal sealed class FakeHub : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, FakeRepo> _repos = new();
    private readonly ConcurrentDictionary<Task, bool> _connections = new();
    private readonly Task _accepting;
    private int _cutsLeft;

    private FakeHub()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Endpoint = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        CdnBase = Endpoint;
        _accepting = AcceptAsync();
    }

    public string Endpoint { get; }

    public int Port => new Uri(Endpoint).Port;

    /// <summary>Where LFS files are redirected to; another host name (localhost) makes it a different origin.</summary>
    public string CdnBase { get; set; }

    public ConcurrentQueue<FakeRequest> Requests { get; } = new();

    /// <summary>GETs of file bodies are cut after this many bytes (counted from the start of the response), <see cref="Cuts"/>
    /// times.</summary>
    public int CutAfterBytes { get; set; }

    public int Cuts
    {
        get => _cutsLeft;
        set => _cutsLeft = value;
    }

    public bool IgnoreRange { get; set; }

    /// <summary>Answer every resolve address with 200 and a body but none of the hub's headers, as an ordinary web server would.</summary>
    public bool PlainWebServer { get; set; }

    public bool CorruptBody { get; set; }

    /// <summary>Bodies stop after this many bytes and the server waits until the client gives up.</summary>
    public int? StallAfterBytes { get; set; }

    /// <summary>Completed once a body has stalled.</summary>
    public TaskCompletionSource Stalled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>GET bodies carry this many bytes more than the file (and say so in Content-Length); HEAD still announces the file's
    /// size.</summary>
    public int ExtraBodyBytes { get; set; }

    /// <summary>When set, GET bodies are sent one byte at a time with this pause between bytes.</summary>
    public TimeSpan? TrickleInterval { get; set; }

    /// <summary>When set, every resolve address answers 302 with this Location (and nothing else).</summary>
    public string? ForcedLocation { get; set; }

    /// <summary>Old repository ids that answer with a relative redirect to the new one (a renamed repository).</summary>
    public ConcurrentDictionary<string, string> Renamed { get; } = new();

    public static Task<FakeHub> StartAsync() => Task.FromResult(new FakeHub());

    public string AddRepo(string repoId, params FakeFile[] files) => AddRepo(repoId, requiredToken: null, files);

    /// <summary>Adds a repository whose main branch points at a fresh commit; returns the commit hash.</summary>
    public string AddRepo(string repoId, string? requiredToken, params FakeFile[] files)
    {
        var commit = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(repoId + files.Length + Guid.NewGuid())));
        _repos[repoId] = new FakeRepo(commit, files.ToDictionary(f => f.Name), requiredToken);
        return commit;
    }

    public IReadOnlyList<FakeRequest> RequestsTo(string pathPart) =>
        [.. Requests.Where(r => r.Path.Contains(pathPart, StringComparison.Ordinal))];

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        await Task.WhenAll(_connections.Keys).WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            var connection = Task.Run(() => ServeAsync(client));
            _connections[connection] = true;
            _ = connection.ContinueWith(done => _connections.TryRemove(done, out _), TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            var stream = client.GetStream();
            if (await ReadRequestAsync(stream, timeout.Token) is not { } request)
                return;
            Requests.Enqueue(new FakeRequest(request.Method, request.Path, request.Header("Range"), request.Header("Authorization")));
            await HandleAsync(client, stream, request, timeout.Token);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // the client went away, or the test ended
        }
    }

    private async Task HandleAsync(TcpClient client, NetworkStream stream, HttpRequest request, CancellationToken cancel)
    {
        var path = request.Path;
        if (path.StartsWith("/cdn/", StringComparison.Ordinal))
        {
            var sha = path["/cdn/".Length..];
            var file = _repos.Values.SelectMany(r => r.Files.Values).FirstOrDefault(f => f.Lfs && f.Sha256 == sha);
            if (file is null)
            {
                await WriteHeadAsync(stream, 404, [], 0, cancel);
                return;
            }
            await ServeBodyAsync(client, stream, request, file, [("ETag", $"\"{file.Sha256}\"")], cancel);
            return;
        }

        var resolve = path.IndexOf("/resolve/", StringComparison.Ordinal);
        if (resolve < 0)
        {
            await WriteHeadAsync(stream, path == "/" ? 200 : 404, [], 0, cancel);
            return;
        }
        if (PlainWebServer)
        {
            var page = "<html>not a hub</html>"u8.ToArray();
            await WriteHeadAsync(stream, 200, [("Content-Type", "text/html")], page.Length, cancel);
            if (request.Method == "GET")
                await stream.WriteAsync(page, cancel);
            return;
        }
        if (ForcedLocation is { } forced)
        {
            await WriteHeadAsync(stream, 302, [("Location", forced)], 0, cancel);
            return;
        }
        var repoId = path[1..resolve];
        var rest = path[(resolve + "/resolve/".Length)..];
        var slash = rest.IndexOf('/');
        var revision = Uri.UnescapeDataString(rest[..slash]);
        var name = Uri.UnescapeDataString(rest[(slash + 1)..]);

        if (Renamed.TryGetValue(repoId, out var newId))
        {
            await WriteHeadAsync(stream, 307, [("Location", $"/{newId}/resolve/{rest}")], 0, cancel);
            return;
        }
        if (!_repos.TryGetValue(repoId, out var repo))
        {
            await ErrorAsync(stream, 404, "RepoNotFound", "Repository not found", cancel);
            return;
        }
        if (repo.RequiredToken is { } token)
        {
            var sent = request.Header("Authorization");
            if (sent is null)
            {
                await ErrorAsync(stream, 401, "GatedRepo", "Access to this repository is restricted.", cancel);
                return;
            }
            if (sent != $"Bearer {token}")
            {
                await ErrorAsync(stream, 403, "GatedRepo", "Your token has no access to this repository.", cancel);
                return;
            }
        }
        if (revision != "main" && revision != repo.Commit)
        {
            await ErrorAsync(stream, 404, "RevisionNotFound", "Invalid rev id", cancel);
            return;
        }
        if (!repo.Files.TryGetValue(name, out var entry))
        {
            await ErrorAsync(stream, 404, "EntryNotFound", "Entry not found", cancel);
            return;
        }

        if (entry.Lfs)
        {
            await WriteHeadAsync(
                stream,
                302,
                [
                    ("X-Repo-Commit", repo.Commit),
                    ("X-Linked-Etag", $"\"{entry.Sha256}\""),
                    ("X-Linked-Size", entry.Content.Length.ToString(CultureInfo.InvariantCulture)),
                    ("ETag", "\"0123456789abcdef0123456789abcdef01234567\""), // the pointer file's git sha1, not the content's
                    ("Location", $"{CdnBase}/cdn/{entry.Sha256}"),
                ],
                0,
                cancel
            );
            return;
        }
        await ServeBodyAsync(client, stream, request, entry, [("X-Repo-Commit", repo.Commit), ("ETag", $"\"{entry.GitSha1}\"")], cancel);
    }

    private async Task ServeBodyAsync(
        TcpClient client,
        NetworkStream stream,
        HttpRequest request,
        FakeFile file,
        List<(string, string)> headers,
        CancellationToken cancel
    )
    {
        var content = file.Content;
        if (CorruptBody)
        {
            content = [.. content];
            content[content.Length / 2] ^= 0xFF;
        }
        var status = 200;
        var start = 0;
        headers.Add(("Accept-Ranges", "bytes"));
        if (
            !IgnoreRange
            && request.Header("Range") is { } range
            && range.StartsWith("bytes=", StringComparison.Ordinal)
            && range.EndsWith('-')
        )
        {
            start = int.Parse(range["bytes=".Length..^1], CultureInfo.InvariantCulture);
            if (start >= content.Length)
            {
                await WriteHeadAsync(stream, 416, [("Content-Range", $"bytes */{content.Length}")], 0, cancel);
                return;
            }
            status = 206;
            headers.Add(("Content-Range", $"bytes {start}-{content.Length - 1}/{content.Length}"));
        }
        if (request.Method == "HEAD")
        {
            await WriteHeadAsync(stream, status, headers, content.Length - start, cancel);
            return;
        }
        if (ExtraBodyBytes > 0)
            content = [.. content, .. new byte[ExtraBodyBytes]];
        var body = content.AsMemory(start);
        await WriteHeadAsync(stream, status, headers, body.Length, cancel);

        if (TrickleInterval is { } pause)
        {
            for (var i = 0; i < body.Length; i++)
            {
                await stream.WriteAsync(body.Slice(i, 1), cancel);
                await stream.FlushAsync(cancel);
                await Task.Delay(pause, cancel);
            }
            return;
        }

        if (StallAfterBytes is { } stall)
        {
            await stream.WriteAsync(body[..Math.Min(stall, body.Length)], cancel);
            await stream.FlushAsync(cancel);
            Stalled.TrySetResult();
            // returns when the client closes the connection (or the 30 s bound ends)
            await stream.ReadAtLeastAsync(new byte[1], 1, throwOnEndOfStream: false, cancel);
            return;
        }
        if (CutAfterBytes > 0 && CutAfterBytes < body.Length && Interlocked.Decrement(ref _cutsLeft) >= 0)
        {
            await stream.WriteAsync(body[..CutAfterBytes], cancel);
            await stream.FlushAsync(cancel);
            client.Client.Shutdown(SocketShutdown.Send); // a clean close after exactly these bytes
            return;
        }
        await stream.WriteAsync(body, cancel);
    }

    private static Task ErrorAsync(NetworkStream stream, int status, string code, string message, CancellationToken cancel) =>
        WriteHeadAsync(stream, status, [("X-Error-Code", code), ("X-Error-Message", message)], 0, cancel);

    private static async Task WriteHeadAsync(
        NetworkStream stream,
        int status,
        List<(string Name, string Value)> headers,
        long contentLength,
        CancellationToken cancel
    )
    {
        var head = new StringBuilder($"HTTP/1.1 {status} {ReasonPhrase(status)}\r\n");
        foreach (var (name, value) in headers)
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        head.Append(CultureInfo.InvariantCulture, $"Content-Length: {contentLength}\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), cancel);
    }

    private static string ReasonPhrase(int status) =>
        status switch
        {
            200 => "OK",
            206 => "Partial Content",
            302 => "Found",
            307 => "Temporary Redirect",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            416 => "Range Not Satisfiable",
            _ => "Status",
        };

    /// <summary>Reads a request head (no body: the hub client sends only HEAD and GET).</summary>
    private static async Task<HttpRequest?> ReadRequestAsync(NetworkStream stream, CancellationToken cancel)
    {
        var buffer = new byte[16 * 1024];
        var length = 0;
        while (true)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length), cancel);
            if (read == 0)
                return null;
            length += read;
            var text = Encoding.ASCII.GetString(buffer, 0, length);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                var lines = text[..end].Split("\r\n");
                var parts = lines[0].Split(' ');
                var headers = lines
                    .Skip(1)
                    .Select(line => line.Split(':', 2))
                    .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
                return new HttpRequest(parts[0], parts[1], headers);
            }
            if (length == buffer.Length)
                return null;
        }
    }

    private sealed record HttpRequest(string Method, string Path, Dictionary<string, string> Headers)
    {
        public string? Header(string name) => Headers.GetValueOrDefault(name);
    }

    private sealed record FakeRepo(string Commit, Dictionary<string, FakeFile> Files, string? RequiredToken);
}
