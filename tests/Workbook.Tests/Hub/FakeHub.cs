using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

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
/// A Hugging Face hub on 127.0.0.1 (Kestrel, a free port) that serves the hub's URL layout and headers:
/// HEAD/GET <c>/{repo}/resolve/{revision}/{file}</c> answers 200 with the git sha1 ETag for git files, and 302 to
/// <c>/cdn/{sha256}</c> with X-Linked-Etag and X-Linked-Size for LFS files; X-Repo-Commit always; 404 and 401/403
/// with the hub's X-Error-Code. Faults can be switched on: cut the connection mid-body, ignore Range, corrupt the
/// body, stall.
/// </summary>
internal sealed class FakeHub : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, FakeRepo> _repos = new();
    private int _cutsLeft;

    private FakeHub(WebApplication app, string endpoint)
    {
        _app = app;
        Endpoint = endpoint;
        CdnBase = endpoint;
    }

    public string Endpoint { get; }

    public int Port => new Uri(Endpoint).Port;

    /// <summary>Where LFS files are redirected to; another host name (localhost) makes it a different origin.</summary>
    public string CdnBase { get; set; }

    public ConcurrentQueue<FakeRequest> Requests { get; } = new();

    /// <summary>GETs of file bodies are cut after this many bytes (counted from the start of the response), <see cref="Cuts"/> times.</summary>
    public int CutAfterBytes { get; set; }

    public int Cuts { get => _cutsLeft; set => _cutsLeft = value; }

    public bool IgnoreRange { get; set; }

    /// <summary>Answer every resolve address with 200 and a body but none of the hub's headers, as an ordinary web server would.</summary>
    public bool PlainWebServer { get; set; }

    public bool CorruptBody { get; set; }

    /// <summary>Bodies stop after this many bytes and the server waits until the client gives up.</summary>
    public int? StallAfterBytes { get; set; }

    /// <summary>Completed once a body has stalled.</summary>
    public TaskCompletionSource Stalled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Old repository ids that answer with a relative redirect to the new one (a renamed repository).</summary>
    public ConcurrentDictionary<string, string> Renamed { get; } = new();

    public static async Task<FakeHub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        FakeHub? hub = null;
        app.Run(context => hub!.HandleAsync(context));
        await app.StartAsync();
        hub = new FakeHub(app, app.Urls.Single().TrimEnd('/'));
        return hub;
    }

    public string AddRepo(string repoId, params FakeFile[] files) => AddRepo(repoId, requiredToken: null, files);

    /// <summary>Adds a repository whose main branch points at a fresh commit; returns the commit hash.</summary>
    public string AddRepo(string repoId, string? requiredToken, params FakeFile[] files)
    {
        var commit = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(repoId + files.Length + Guid.NewGuid())));
        _repos[repoId] = new FakeRepo(commit, files.ToDictionary(f => f.Name), requiredToken);
        return commit;
    }

    public IReadOnlyList<FakeRequest> RequestsTo(string pathPart) => [.. Requests.Where(r => r.Path.Contains(pathPart, StringComparison.Ordinal))];

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        Requests.Enqueue(new FakeRequest(request.Method, path, request.Headers.Range.FirstOrDefault(), request.Headers.Authorization.FirstOrDefault()));
        var response = context.Response;

        if (path.StartsWith("/cdn/", StringComparison.Ordinal))
        {
            var sha = path["/cdn/".Length..];
            var file = _repos.Values.SelectMany(r => r.Files.Values).FirstOrDefault(f => f.Lfs && f.Sha256 == sha);
            if (file is null)
            {
                response.StatusCode = 404;
                return;
            }
            response.Headers.ETag = $"\"{file.Sha256}\"";
            await ServeBodyAsync(context, file);
            return;
        }

        var resolve = path.IndexOf("/resolve/", StringComparison.Ordinal);
        if (resolve < 0)
        {
            response.StatusCode = path == "/" ? 200 : 404;
            return;
        }
        if (PlainWebServer)
        {
            await context.Response.WriteAsync("<html>not a hub</html>");
            return;
        }
        var repoId = path[1..resolve];
        var rest = path[(resolve + "/resolve/".Length)..];
        var slash = rest.IndexOf('/');
        var revision = Uri.UnescapeDataString(rest[..slash]);
        var name = rest[(slash + 1)..];

        if (Renamed.TryGetValue(repoId, out var newId))
        {
            response.StatusCode = 307;
            response.Headers.Location = $"/{newId}/resolve/{rest}";
            return;
        }
        if (!_repos.TryGetValue(repoId, out var repo))
        {
            Error(response, 404, "RepoNotFound", "Repository not found");
            return;
        }
        if (repo.RequiredToken is { } token)
        {
            var sent = request.Headers.Authorization.FirstOrDefault();
            if (sent is null)
            {
                Error(response, 401, "GatedRepo", "Access to this repository is restricted.");
                return;
            }
            if (sent != $"Bearer {token}")
            {
                Error(response, 403, "GatedRepo", "Your token has no access to this repository.");
                return;
            }
        }
        if (revision != "main" && revision != repo.Commit)
        {
            Error(response, 404, "RevisionNotFound", "Invalid rev id");
            return;
        }
        if (!repo.Files.TryGetValue(name, out var entry))
        {
            Error(response, 404, "EntryNotFound", "Entry not found");
            return;
        }

        response.Headers["X-Repo-Commit"] = repo.Commit;
        if (entry.Lfs)
        {
            response.StatusCode = 302;
            response.Headers["X-Linked-Etag"] = $"\"{entry.Sha256}\"";
            response.Headers["X-Linked-Size"] = entry.Content.Length.ToString();
            response.Headers.ETag = "\"0123456789abcdef0123456789abcdef01234567\""; // the pointer file's git sha1, not the content's
            response.Headers.Location = $"{CdnBase}/cdn/{entry.Sha256}";
            return;
        }
        response.Headers.ETag = $"\"{entry.GitSha1}\"";
        await ServeBodyAsync(context, entry);
    }

    private async Task ServeBodyAsync(HttpContext context, FakeFile file)
    {
        var (request, response) = (context.Request, context.Response);
        var content = file.Content;
        if (CorruptBody)
        {
            content = [.. content];
            content[content.Length / 2] ^= 0xFF;
        }
        long start = 0;
        if (!IgnoreRange && request.Headers.Range.FirstOrDefault() is { } range && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            start = long.Parse(range["bytes=".Length..^1]);
            if (start >= content.Length)
            {
                response.StatusCode = 416;
                response.Headers.ContentRange = $"bytes */{content.Length}";
                return;
            }
            response.StatusCode = 206;
            response.Headers.ContentRange = $"bytes {start}-{content.Length - 1}/{content.Length}";
        }
        response.Headers.AcceptRanges = "bytes";
        response.ContentLength = content.Length - start;
        if (HttpMethods.IsHead(request.Method)) return;

        var body = content.AsMemory((int)start);
        if (StallAfterBytes is { } stall)
        {
            await response.Body.WriteAsync(body[..Math.Min(stall, body.Length)]);
            await response.Body.FlushAsync();
            Stalled.TrySetResult();
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
            context.Abort();
            return;
        }
        if (CutAfterBytes > 0 && CutAfterBytes < body.Length && Interlocked.Decrement(ref _cutsLeft) >= 0)
        {
            // Ending the response short of its Content-Length makes Kestrel close the connection after the bytes
            // written (an Abort() could drop bytes still queued): the client reads them, then the connection ends.
            await response.Body.WriteAsync(body[..CutAfterBytes]);
            await response.Body.FlushAsync();
            return;
        }
        await response.Body.WriteAsync(body);
    }

    private static void Error(HttpResponse response, int status, string code, string message)
    {
        response.StatusCode = status;
        response.Headers["X-Error-Code"] = code;
        response.Headers["X-Error-Message"] = message;
    }

    private sealed record FakeRepo(string Commit, Dictionary<string, FakeFile> Files, string? RequiredToken);
}
