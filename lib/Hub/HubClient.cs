using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace Workbook.Hub;

/// <summary>
/// Downloads files from the Hugging Face hub into the cache the Python <c>huggingface_hub</c> library uses
/// (see <see cref="HubCache"/>), the way it does: a HEAD request on
/// <c>{endpoint}/{repo}/resolve/{revision}/{file}</c> without following redirects gives the commit
/// (<c>X-Repo-Commit</c>), the blob's ETag (<c>X-Linked-Etag</c> for LFS files) and size; then a GET, following the
/// redirect to the CDN, writes <c>blobs/{etag}.incomplete</c>, resumed with a <c>Range</c> header when a download
/// broke off; LFS files are checked against their sha256; the blob is moved into place and linked from
/// <c>snapshots/{commit}/{file}</c>, and <c>refs/{revision}</c> records the commit.
/// <code>
/// using var hub = new HubClient();
/// var config = await hub.DownloadFileAsync("openai-community/gpt2", "config.json");
/// </code>
/// Failures throw <see cref="HubException"/> with a message that names the repository, the file and the remedy.
/// </summary>
public sealed class HubClient : IDisposable
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(100);
    private readonly HttpClient _metadataClient;
    private readonly HttpClient _downloadClient;

    /// <summary>Creates a client; properties of <paramref name="options"/> left null come from the environment (see <see cref="HubOptions"/>).</summary>
    /// <exception cref="ArgumentException">An option is invalid, e.g. the endpoint is not an http(s) address.</exception>
    public HubClient(HubOptions? options = null)
    {
        Options = (options ?? new HubOptions()).Resolve();
        Cache = new HubCache(Options.CacheDirectory!);
        _metadataClient = CreateHttpClient(allowRedirects: false);
        _downloadClient = CreateHttpClient(allowRedirects: true);
    }

    /// <summary>The options in force, every value filled in.</summary>
    public HubOptions Options { get; }

    /// <summary>The hub's base address, without a trailing slash.</summary>
    public string Endpoint => Options.Endpoint!;

    /// <summary>True when the client serves from the cache only and never opens a connection.</summary>
    public bool IsOffline => Options.Offline == true;

    /// <summary>The cache this client reads and writes.</summary>
    public HubCache Cache { get; }

    /// <summary>The address of a file: <c>{endpoint}/{repo}/resolve/{revision}/{file}</c> (data sets and Spaces get a <c>datasets/</c> or <c>spaces/</c> prefix).</summary>
    /// <exception cref="ArgumentException">The repository id, file name or revision is invalid.</exception>
    public string FileUrl(string repoId, string fileName, string? revision = null, RepoType repoType = RepoType.Model) =>
        FileUrl(Endpoint, repoId, fileName, revision, repoType);

    /// <summary>The address of a file on the hub at <paramref name="endpoint"/>; the revision is escaped whole (<c>refs/pr/1</c> becomes <c>refs%2Fpr%2F1</c>), the file name part by part.</summary>
    /// <exception cref="ArgumentException">The endpoint, repository id, file name or revision is invalid.</exception>
    public static string FileUrl(string endpoint, string repoId, string fileName, string? revision = null, RepoType repoType = RepoType.Model)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoint);
        HubCache.ValidateRepoId(repoId);
        HubCache.ValidateFileName(fileName);
        revision ??= "main";
        HubCache.ValidateRevision(revision);
        var prefix = repoType switch { RepoType.Dataset => "datasets/", RepoType.Space => "spaces/", _ => "" };
        var file = string.Join('/', fileName.Split('/').Select(Uri.EscapeDataString));
        return $"{endpoint.TrimEnd('/')}/{prefix}{repoId}/resolve/{Uri.EscapeDataString(revision)}/{file}";
    }

    /// <summary>
    /// The local path of a file, downloading it first unless the cache already has it at the revision's current
    /// commit. In offline mode, or when the hub cannot be reached, a cached copy is served; otherwise it throws.
    /// </summary>
    /// <param name="repoId">The repository, e.g. <c>openai-community/gpt2</c>.</param>
    /// <param name="fileName">The file inside it, e.g. <c>model.safetensors</c> or <c>onnx/model.onnx</c>.</param>
    /// <param name="revision">A branch, tag or commit hash (default <c>main</c>).</param>
    /// <param name="progress">Receives bytes done and total while the file downloads.</param>
    /// <param name="repoType">Model (default), data set or Space.</param>
    /// <param name="cancellationToken">Stops the download; the partial file is kept for the next call to resume.</param>
    /// <returns>The path under <c>snapshots/{commit}/</c>.</returns>
    /// <exception cref="HubException">The hub refused (401/403), did not have it (404), could not be reached, or the bytes did not match.</exception>
    /// <exception cref="ArgumentException">The repository id, file name or revision is invalid.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<string> DownloadFileAsync(string repoId, string fileName, string? revision = null,
        IProgress<DownloadProgress>? progress = null, RepoType repoType = RepoType.Model, CancellationToken cancellationToken = default) =>
        (await DownloadAsync(repoId, fileName, revision ?? "main", progress, repoType, cancellationToken).ConfigureAwait(false)).Path;

    /// <summary>
    /// Downloads several files of one repository at one commit (the revision is resolved by the first file, the
    /// others are fetched at that commit) and returns the snapshot folder that holds them, e.g. a model folder
    /// with <c>config.json</c>, <c>model.safetensors</c>, <c>vocab.json</c> and <c>merges.txt</c>.
    /// </summary>
    /// <param name="repoId">The repository, e.g. <c>openai-community/gpt2</c>.</param>
    /// <param name="fileNames">The files to fetch, at least one.</param>
    /// <param name="revision">A branch, tag or commit hash (default <c>main</c>).</param>
    /// <param name="progress">Receives bytes done and total for each file in turn.</param>
    /// <param name="repoType">Model (default), data set or Space.</param>
    /// <param name="cancellationToken">Stops the downloads; a partial file is kept for the next call to resume.</param>
    /// <exception cref="HubException">As <see cref="DownloadFileAsync"/>, for the first file that fails.</exception>
    /// <exception cref="ArgumentException">No file names, or an invalid one.</exception>
    public async Task<string> DownloadFilesAsync(string repoId, IEnumerable<string> fileNames, string? revision = null,
        IProgress<DownloadProgress>? progress = null, RepoType repoType = RepoType.Model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fileNames);
        var names = fileNames.ToArray();
        if (names.Length == 0) throw new ArgumentException($"No file names were given to download from '{repoId}'.", nameof(fileNames));
        foreach (var name in names) HubCache.ValidateFileName(name);
        string? commit = null;
        foreach (var name in names)
        {
            var (_, resolved) = await DownloadAsync(repoId, name, commit ?? revision ?? "main", progress, repoType, cancellationToken).ConfigureAwait(false);
            commit ??= resolved;
        }
        return Cache.SnapshotFolder(repoId, commit!, repoType);
    }

    /// <summary>The cached path of a file at <paramref name="revision"/>, or null; never makes a request (see <see cref="HubCache.TryGetFile"/>).</summary>
    public string? TryGetCachedFile(string repoId, string fileName, string? revision = null, RepoType repoType = RepoType.Model) =>
        Cache.TryGetFile(repoId, fileName, revision, repoType);

    /// <summary>
    /// The cached snapshot folder holding every one of <paramref name="fileNames"/> at <paramref name="revision"/>, or null
    /// when any is missing; never makes a request. Lets a notebook use a complete download without asking the hub.
    /// </summary>
    public string? TryGetCachedFolder(string repoId, IEnumerable<string> fileNames, string? revision = null, RepoType repoType = RepoType.Model)
    {
        ArgumentNullException.ThrowIfNull(fileNames);
        var names = fileNames.ToList();
        if (names.Count == 0) throw new ArgumentException("Name at least one file.", nameof(fileNames));
        var paths = names.Select(f => TryGetCachedFile(repoId, f, revision, repoType)).ToList();
        if (paths.Any(p => p is null)) return null;
        // A file's path is {snapshot}/{file name}; the snapshot folder is what precedes the name.
        return paths[0]![..^names[0].Length].TrimEnd('/', Path.DirectorySeparatorChar);
    }

    /// <summary>
    /// The files of <paramref name="repoId"/> from the cache when they are all there (no request), else downloaded when
    /// the hub answers, else none — with one line saying which. What a notebook needs to use real weights when it can and
    /// say plainly when it cannot. Errors other than an unreachable hub (404, 401, a corrupt download) still throw.
    /// </summary>
    public async Task<HubSnapshot> FindOrDownloadAsync(string repoId, IReadOnlyList<string> fileNames, string? revision = null,
        IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fileNames);
        if (TryGetCachedFolder(repoId, fileNames, revision) is { } cached)
            return new HubSnapshot(cached, $"Using {repoId} from the Hugging Face cache ({Cache.Root}).");
        var reach = await CheckReachabilityAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!reach.IsReachable) return new HubSnapshot(null, reach.Message);
        var folder = await DownloadFilesAsync(repoId, fileNames, revision, progress, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new HubSnapshot(folder, $"Downloaded {repoId} into {Cache.Root}.");
    }

    /// <summary>
    /// Asks the hub for its front page (HEAD) and says, in one line, whether it answered: for a notebook that
    /// prints why it falls back to local files. Any HTTP answer counts as reachable. Never throws for network errors.
    /// </summary>
    /// <param name="timeout">How long to wait (default <see cref="HubOptions.RequestTimeout"/>).</param>
    /// <param name="cancellationToken">Stops the check.</param>
    public async Task<HubReachability> CheckReachabilityAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (IsOffline)
            return new HubReachability(false, Endpoint,
                $"Offline mode is on (HF_HUB_OFFLINE=1): the hub at {Endpoint} is not contacted; files come from the cache {Cache.Root}.");
        var wait = timeout ?? Options.RequestTimeout;
        using var request = NewRequest(HttpMethod.Head, new Uri(Endpoint + "/"), withToken: false);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(wait);
        try
        {
            using var response = await _metadataClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token).ConfigureAwait(false);
            return new HubReachability(true, Endpoint, $"The Hugging Face hub at {Endpoint} answered (HTTP {(int)response.StatusCode}).");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new HubReachability(false, Endpoint, UnreachableLine($"no answer within {Seconds(wait)}"));
        }
        catch (HttpRequestException e)
        {
            return new HubReachability(false, Endpoint, UnreachableLine(Describe(e)));
        }
    }

    /// <summary>Closes the HTTP connections.</summary>
    public void Dispose()
    {
        _metadataClient.Dispose();
        _downloadClient.Dispose();
    }

    private async Task<(string Path, string Commit)> DownloadAsync(string repoId, string fileName, string revision,
        IProgress<DownloadProgress>? progress, RepoType repoType, CancellationToken cancellationToken)
    {
        HubCache.ValidateRepoId(repoId);
        HubCache.ValidateFileName(fileName);
        HubCache.ValidateRevision(revision);
        cancellationToken.ThrowIfCancellationRequested();

        if (HubCache.IsCommitHash(revision) && Cache.TryGetFile(repoId, fileName, revision, repoType) is { } pinned)
            return Served(pinned, revision);
        if (IsOffline)
        {
            return Cache.TryGetFile(repoId, fileName, revision, repoType) is { } cached
                ? Served(cached, Cache.ResolveRevision(repoId, revision, repoType)!)
                : throw new HubException(HubErrorKind.NotCached,
                    $"Offline mode is on (HF_HUB_OFFLINE=1) and '{fileName}' of '{repoId}' at revision '{revision}' is not in the cache {Cache.Root}. " +
                    "Download it once with the hub reachable (unset HF_HUB_OFFLINE), or load the model from a local folder.",
                    repoId, fileName);
        }

        HubFileMetadata metadata;
        try
        {
            metadata = await GetMetadataAsync(new Uri(FileUrl(repoId, fileName, revision, repoType)), repoId, fileName, revision, cancellationToken).ConfigureAwait(false);
        }
        catch (HubException e) when (e.Kind == HubErrorKind.Unreachable && Cache.TryGetFile(repoId, fileName, revision, repoType) is { } cached)
        {
            return Served(cached, Cache.ResolveRevision(repoId, revision, repoType)!); // as huggingface_hub: no network, but a cached copy
        }

        Cache.WriteRef(repoId, revision, metadata.Commit, repoType);
        var snapshot = Cache.SnapshotPath(repoId, metadata.Commit, fileName, repoType);
        if (File.Exists(snapshot)) return Served(snapshot, metadata.Commit);

        var blob = Cache.BlobPath(repoId, metadata.ETag, repoType);
        if (!File.Exists(blob))
        {
            await using var fileLock = await LockAsync(Cache.LockPath(repoId, metadata.ETag, repoType), repoId, fileName, cancellationToken).ConfigureAwait(false);
            if (!File.Exists(blob)) await DownloadBlobAsync(metadata, blob, repoId, fileName, progress, cancellationToken).ConfigureAwait(false);
        }
        Cache.LinkSnapshot(blob, snapshot);
        return (snapshot, metadata.Commit);

        // A file served from the cache reports itself complete, so a progress bar ends full either way.
        (string, string) Served(string path, string commit)
        {
            if (progress is not null)
            {
                using var handle = File.OpenHandle(path); // the length of the blob, not of the symlink
                var size = RandomAccess.GetLength(handle);
                progress.Report(new DownloadProgress(fileName, size, size));
            }
            return (path, commit);
        }
    }

    private async Task<HubFileMetadata> GetMetadataAsync(Uri url, string repoId, string fileName, string revision, CancellationToken cancellationToken)
    {
        var current = url;
        for (var hops = 0; ; hops++)
        {
            using var request = NewRequest(HttpMethod.Head, current, withToken: IsHubAddress(current));
            using var response = await SendAsync(_metadataClient, request, repoId, fileName, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status is >= 300 and < 400 && Header(response, "Location") is { } location)
            {
                // An absolute address is the CDN that serves an LFS file: stop and download from there. A relative one
                // (a renamed repository) is followed, as huggingface_hub does.
                if (HasScheme(location))
                {
                    if (!Uri.TryCreate(location, UriKind.Absolute, out var target))
                        throw BadRedirect(response, current, location, "an address that cannot be parsed", repoId, fileName);
                    if (target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps)
                        throw BadRedirect(response, current, location, $"a {target.Scheme}: address; only http and https are followed", repoId, fileName);
                    return ReadMetadata(response, target, current, repoId, fileName);
                }
                if (hops >= 10)
                    throw new HubException(HubErrorKind.ServerError, $"The hub redirected '{fileName}' of '{repoId}' more than 10 times (last {current}).", repoId, fileName, response.StatusCode);
                if (!Uri.TryCreate(current, location, out var next) || (next.Scheme != Uri.UriSchemeHttp && next.Scheme != Uri.UriSchemeHttps))
                    throw BadRedirect(response, current, location, "an address that cannot be parsed as an http(s) address", repoId, fileName);
                current = next;
                continue;
            }
            if (response.IsSuccessStatusCode) return ReadMetadata(response, current, current, repoId, fileName);
            throw StatusError(response, current, repoId, fileName, revision);
        }
    }

    /// <summary>True when <paramref name="location"/> starts with a URI scheme (<c>https:</c>, <c>file:</c>): on Unix a plain "/path" would otherwise parse as a file address.</summary>
    private static bool HasScheme(string location)
    {
        var colon = location.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && char.IsAsciiLetter(location[0]) && location.AsSpan(0, colon).IndexOfAnyExcept("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.") < 0;
    }

    private static HubException BadRedirect(HttpResponseMessage response, Uri from, string location, string problem, string repoId, string fileName) =>
        new(HubErrorKind.ServerError,
            $"The hub redirected '{fileName}' of '{repoId}' from {from} to '{(location.Length <= 200 ? location : location[..200] + "…")}', {problem}. " +
            "Check HF_ENDPOINT (or HubOptions.Endpoint): a real hub never sends this.", repoId, fileName, response.StatusCode);

    private HubFileMetadata ReadMetadata(HttpResponseMessage response, Uri location, Uri url, string repoId, string fileName)
    {
        var commit = Header(response, "X-Repo-Commit");
        var etag = Header(response, "X-Linked-Etag") ?? Header(response, "ETag");
        if (commit is null || !HubCache.IsCommitHash(commit) || etag is null)
            throw new HubException(HubErrorKind.ServerError,
                $"The answer from {url} for '{fileName}' of '{repoId}' lacks the hub's {(commit is null ? "X-Repo-Commit" : etag is null ? "ETag" : "commit hash")} header, " +
                $"so {Endpoint} does not look like a Hugging Face hub. Check HF_ENDPOINT (or HubOptions.Endpoint).", repoId, fileName, response.StatusCode);
        etag = HubFileMetadata.NormalizeETag(etag);
        if (etag.Length == 0 || etag.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            throw new HubException(HubErrorKind.ServerError,
                $"The hub sent an ETag '{etag}' for '{fileName}' of '{repoId}' that cannot name a cache file (expected a hexadecimal hash).", repoId, fileName, response.StatusCode);
        long? size = long.TryParse(Header(response, "X-Linked-Size"), NumberStyles.None, CultureInfo.InvariantCulture, out var linked) ? linked
            : (int)response.StatusCode is >= 200 and < 300 ? response.Content.Headers.ContentLength : null;
        return new HubFileMetadata(commit, etag, size, location);
    }

    private async Task DownloadBlobAsync(HubFileMetadata metadata, string blob, string repoId, string fileName,
        IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var partial = blob + ".incomplete";
        Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
        string? sha256;
        // One deadline over every attempt and pause: each read and each resume restarting a clock lets a trickle run forever.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Options.DownloadTimeout);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                sha256 = await DownloadAttemptAsync(metadata, partial, repoId, fileName, progress, deadline.Token).ConfigureAwait(false);
                break;
            }
            catch (OperationCanceledException e) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                var kept = File.Exists(partial) ? new FileInfo(partial).Length : 0;
                throw new HubException(HubErrorKind.Interrupted,
                    $"Downloading '{fileName}' of '{repoId}' did not finish within {Seconds(Options.DownloadTimeout)} (HubOptions.DownloadTimeout); {kept:N0} of " +
                    $"{(metadata.Size is { } s ? s.ToString("N0", CultureInfo.InvariantCulture) : "?")} bytes are kept in {partial} and the next call resumes from there. " +
                    "A connection this slow may be throttled: try again later, or raise DownloadTimeout.", repoId, fileName, innerException: e);
            }
            catch (Exception e) when (!deadline.IsCancellationRequested && IsBrokenOff(e))
            {
                if (attempt < Options.MaxRetries)
                {
                    var pause = Options.RetryDelay * Math.Pow(2, attempt);
                    try
                    {
                        await Task.Delay(pause < TimeSpan.FromSeconds(10) ? pause : TimeSpan.FromSeconds(10), deadline.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        // the deadline passed during the pause: the next attempt reports it
                    }
                    continue;
                }
                var kept = File.Exists(partial) ? new FileInfo(partial).Length : 0;
                if (kept == 0 && e is HubException { Kind: HubErrorKind.Unreachable }) throw;
                throw new HubException(HubErrorKind.Interrupted,
                    $"Downloading '{fileName}' of '{repoId}' broke off {attempt + 1} time(s) ({Reason(e)}); {kept:N0} of {(metadata.Size is { } s ? s.ToString("N0", CultureInfo.InvariantCulture) : "?")} bytes " +
                    $"are kept in {partial} and the next call resumes from there. If the hub stays unreachable, set HF_HUB_OFFLINE=1 to use cached files or load the model from a local folder.",
                    repoId, fileName, innerException: e);
            }
        }

        var actualSize = new FileInfo(partial).Length;
        if (metadata.Size is { } expectedSize && actualSize != expectedSize)
        {
            File.Delete(partial);
            throw new HubException(HubErrorKind.IntegrityMismatch,
                $"The downloaded '{fileName}' of '{repoId}' has {actualSize:N0} bytes, but the hub announced {expectedSize:N0}. The partial file was deleted; run again to download it afresh.",
                repoId, fileName);
        }
        if (metadata.Sha256 is { } expected && sha256 != expected)
        {
            File.Delete(partial);
            throw new HubException(HubErrorKind.IntegrityMismatch,
                $"The downloaded '{fileName}' of '{repoId}' does not match the hub's sha256: expected {expected}, got {sha256}. " +
                "The corrupted file was deleted; run again to download it afresh (a proxy or a broken mirror may alter it).",
                repoId, fileName);
        }
        File.Move(partial, blob, overwrite: true);
    }

    /// <summary>One GET from where the partial file ends; returns the sha256 of the whole file when it is an LFS file.</summary>
    private async Task<string?> DownloadAttemptAsync(HubFileMetadata metadata, string partial, string repoId, string fileName,
        IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var existing = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        if (metadata.Size is { } size && existing > size)
        {
            File.Delete(partial);
            existing = 0;
        }
        using var hash = metadata.Sha256 is null ? null : IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (metadata.Size is { } complete && existing == complete && existing > 0)
            return await HashPrefixAsync(partial, existing, hash, cancellationToken).ConfigureAwait(false);

        using var request = NewRequest(HttpMethod.Get, metadata.Location, withToken: IsHubAddress(metadata.Location));
        if (existing > 0) request.Headers.Range = new RangeHeaderValue(existing, null);
        using var response = await SendAsync(_downloadClient, request, repoId, fileName, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && existing > 0 && metadata.Size is null)
            return await HashPrefixAsync(partial, existing, hash, cancellationToken).ConfigureAwait(false); // the partial file held every byte
        if (response.StatusCode == HttpStatusCode.PartialContent)
        {
            if (response.Content.Headers.ContentRange?.From != existing)
            {
                File.Delete(partial);
                throw new IOException($"the server answered a request for bytes from {existing} with {response.Content.Headers.ContentRange}; starting over");
            }
        }
        else if (response.IsSuccessStatusCode)
        {
            existing = 0; // the server ignored the Range header and sends the whole file
        }
        else
        {
            throw StatusError(response, metadata.Location, repoId, fileName, revision: null);
        }

        var total = metadata.Size ?? (response.Content.Headers.ContentLength is { } length ? existing + length : null);
        await using var file = new FileStream(partial, existing > 0 ? FileMode.Open : FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, useAsync: true);
        if (existing > 0) await HashPrefixAsync(file, existing, hash, cancellationToken).ConfigureAwait(false);
        file.SetLength(existing);
        file.Position = existing;

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var buffer = new byte[1 << 16];
        var done = existing;
        var sinceReport = Stopwatch.StartNew();
        progress?.Report(new DownloadProgress(fileName, done, total));
        while (true)
        {
            int read;
            idle.CancelAfter(Options.ReadTimeout);
            try
            {
                read = await body.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"no data for {Seconds(Options.ReadTimeout)} after {done:N0} bytes");
            }
            idle.CancelAfter(Timeout.InfiniteTimeSpan);
            if (read == 0) break;
            if (total is { } announced && done + read > announced)
            {
                // Never write past the size the hub announced: a server that keeps sending would otherwise fill the disk.
                file.SetLength(0);
                await file.DisposeAsync().ConfigureAwait(false);
                File.Delete(partial);
                throw new HubException(HubErrorKind.IntegrityMismatch,
                    $"The server sent more than the {announced:N0} bytes announced for '{fileName}' of '{repoId}' ({metadata.Location}); the download was stopped at that size " +
                    "and the partial file deleted. A proxy or a broken mirror may be altering it; run again to download it afresh.", repoId, fileName);
            }
            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            hash?.AppendData(buffer, 0, read);
            done += read;
            if (sinceReport.Elapsed >= ProgressInterval)
            {
                progress?.Report(new DownloadProgress(fileName, done, total));
                sinceReport.Restart();
            }
        }
        await file.FlushAsync(cancellationToken).ConfigureAwait(false);
        progress?.Report(new DownloadProgress(fileName, done, total));
        if (total is { } expected && done < expected)
            throw new IOException($"the connection closed after {done:N0} of {expected:N0} bytes");
        return hash is null ? null : Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static async Task<string?> HashPrefixAsync(string path, long length, IncrementalHash? hash, CancellationToken cancellationToken)
    {
        if (hash is null) return null;
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        await HashPrefixAsync(file, length, hash, cancellationToken).ConfigureAwait(false);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static async Task HashPrefixAsync(FileStream file, long length, IncrementalHash? hash, CancellationToken cancellationToken)
    {
        if (hash is null) return;
        file.Position = 0;
        var buffer = new byte[1 << 16];
        for (long left = length; left > 0;)
        {
            var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken).ConfigureAwait(false);
            if (read == 0) throw new IOException($"{file.Name} is shorter than {length} bytes");
            hash.AppendData(buffer, 0, read);
            left -= read;
        }
    }

    private async Task<FileStream> LockAsync(string lockPath, string repoId, string fileName, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException e)
            {
                if (waited.Elapsed >= Options.LockTimeout)
                    throw new HubException(HubErrorKind.Locked,
                        $"Another download of '{fileName}' of '{repoId}' has held {lockPath} for {Seconds(Options.LockTimeout)}. " +
                        "Wait for it to finish; if no other download is running, delete the lock file.", repoId, fileName, innerException: e);
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpRequestMessage request, string repoId, string fileName, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(Options.RequestTimeout);
        try
        {
            return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw Unreachable($"no answer within {Seconds(Options.RequestTimeout)}", repoId, fileName, e);
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(Describe(e), repoId, fileName, e);
        }
    }

    private HubException Unreachable(string reason, string repoId, string fileName, Exception inner) =>
        new(HubErrorKind.Unreachable,
            $"The Hugging Face hub at {Endpoint} is unreachable ({reason}) while fetching '{fileName}' of '{repoId}'. " +
            $"Check the network or HF_ENDPOINT; to work without the hub, set HF_HUB_OFFLINE=1 to use files already in the cache ({Cache.Root}), or load the model from a local folder.",
            repoId, fileName, innerException: inner);

    private string UnreachableLine(string reason) =>
        $"The Hugging Face hub at {Endpoint} is unreachable ({reason}); set HF_HUB_OFFLINE=1 to use cached files, or load the model from a local folder.";

    private HubException StatusError(HttpResponseMessage response, Uri url, string repoId, string fileName, string? revision)
    {
        var status = (int)response.StatusCode;
        var code = Header(response, "X-Error-Code");
        var said = Header(response, "X-Error-Message") is { } message ? $" The hub said: {message}" : "";
        var at = revision is null ? "" : $" at revision '{revision}'";
        var token = Options.Token is { Length: > 0 }
            ? "the token that was sent (HF_TOKEN or HubOptions.Token) does not give access to it: check it has read access"
            : $"no token was sent: create one at {Endpoint}/settings/tokens and set HF_TOKEN (or HubOptions.Token)";
        return (status, code) switch
        {
            (404, "EntryNotFound") => new HubException(HubErrorKind.NotFound,
                $"File '{fileName}' was not found in repository '{repoId}'{at} (HTTP 404 from {url}). Check the file name against the repository's files at {Endpoint}/{repoId}.{said}",
                repoId, fileName, response.StatusCode),
            (404, "RevisionNotFound") => new HubException(HubErrorKind.NotFound,
                $"Revision '{revision}' was not found in repository '{repoId}' while fetching '{fileName}' (HTTP 404 from {url}). Use an existing branch, tag or commit hash.{said}",
                repoId, fileName, response.StatusCode),
            (401 or 403 or 404, "RepoNotFound") => new HubException(status == 404 ? HubErrorKind.NotFound : HubErrorKind.Unauthorized,
                $"Repository '{repoId}' was not found on {Endpoint} while fetching '{fileName}' (HTTP {status} from {url}). Check the repository id; if the repository is private or gated, {token}.{said}",
                repoId, fileName, response.StatusCode),
            (401 or 403, "GatedRepo") => new HubException(HubErrorKind.Unauthorized,
                $"Repository '{repoId}' is gated: '{fileName}' was refused (HTTP {status} from {url}). Accept its conditions at {Endpoint}/{repoId}; {token}.{said}",
                repoId, fileName, response.StatusCode),
            (401 or 403, _) => new HubException(HubErrorKind.Unauthorized,
                $"Access to '{fileName}' of repository '{repoId}' was refused (HTTP {status} from {url}): the repository is private or gated, and {token}.{said}",
                repoId, fileName, response.StatusCode),
            (404, _) => new HubException(HubErrorKind.NotFound,
                $"Repository '{repoId}' or file '{fileName}' in it{at} was not found (HTTP 404 from {url}). Check both names.{said}",
                repoId, fileName, response.StatusCode),
            _ => new HubException(HubErrorKind.ServerError,
                $"The hub answered HTTP {status} {response.ReasonPhrase} for '{fileName}' of '{repoId}'{at} ({url}). Try again later; meanwhile HF_HUB_OFFLINE=1 serves files already cached.{said}",
                repoId, fileName, response.StatusCode),
        };
    }

    private HttpRequestMessage NewRequest(HttpMethod method, Uri url, bool withToken)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "identity");
        if (withToken && Options.Token is { Length: > 0 } token)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    /// <summary>The token goes to the hub only, never to the CDN an LFS file is redirected to.</summary>
    private bool IsHubAddress(Uri url)
    {
        var hub = new Uri(Endpoint);
        return url.Scheme == hub.Scheme && string.Equals(url.Authority, hub.Authority, StringComparison.OrdinalIgnoreCase);
    }

    private HttpClient CreateHttpClient(bool allowRedirects)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = allowRedirects,
            MaxAutomaticRedirections = 10,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = Options.ConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.ParseAdd("Workbook-HubClient/1.0");
        return client;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? values.FirstOrDefault()
            : null;

    private static bool IsBrokenOff(Exception e) =>
        e is IOException or TimeoutException or HttpRequestException or HubException { Kind: HubErrorKind.Unreachable };

    private static string Reason(Exception e) => e switch
    {
        HubException { InnerException: { } inner } => Reason(inner),
        HttpRequestException request => Describe(request),
        _ => e.Message,
    };

    private static string Describe(HttpRequestException e) => e.HttpRequestError switch
    {
        HttpRequestError.NameResolutionError => "the host name could not be resolved",
        HttpRequestError.ConnectionError => "could not connect" + (e.InnerException is { } inner ? $": {inner.Message}" : ""),
        HttpRequestError.SecureConnectionError => "the TLS handshake failed",
        HttpRequestError.ProxyTunnelError => "the proxy refused the tunnel",
        _ => (e.InnerException ?? e).Message,
    };

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";
}
