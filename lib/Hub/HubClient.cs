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
/// Introduced in chapter 10.
/// </summary>
public sealed class HubClient : IDisposable
{
    private readonly HubErrors errors;
    private readonly HubHttp http;
    private readonly BlobDownload blobs;

    /// <summary>Creates a client; properties of <paramref name="options"/> left null come from the environment (see
    /// <see cref="HubOptions"/>).</summary>
    /// <exception cref="ArgumentException">An option is invalid, e.g. the endpoint is not an http(s) address.</exception>
    public HubClient(HubOptions? options = null)
    {
        Options = (options ?? new HubOptions()).Resolve();
        Cache = new HubCache(Options.CacheDirectory!);
        errors = new HubErrors(Options, Cache.Root);
        http = new HubHttp(Options, errors);
        blobs = new BlobDownload(Options, http, errors);
    }

    /// <summary>The options in force, every value filled in.</summary>
    public HubOptions Options { get; }

    /// <summary>The hub's base address, without a trailing slash.</summary>
    public string Endpoint => Options.Endpoint!;

    /// <summary>True when the client serves from the cache only and never opens a connection.</summary>
    public bool IsOffline => Options.Offline == true;

    /// <summary>The cache this client reads and writes.</summary>
    public HubCache Cache { get; }

    /// <summary>The address of a file: <c>{endpoint}/{repo}/resolve/{revision}/{file}</c> (data sets and Spaces get a <c>datasets/</c> or
    /// <c>spaces/</c> prefix).</summary>
    /// <exception cref="ArgumentException">The repository id, file name or revision is invalid.</exception>
    public string FileUrl(string repoId, string fileName, string? revision = null, RepoType repoType = RepoType.Model) =>
        FileUrl(Endpoint, repoId, fileName, revision, repoType);

    /// <summary>The address of a file on the hub at <paramref name="endpoint"/>; the revision is escaped whole (<c>refs/pr/1</c> becomes
    /// <c>refs%2Fpr%2F1</c>), the file name part by part.</summary>
    /// <exception cref="ArgumentException">The endpoint, repository id, file name or revision is invalid.</exception>
    public static string FileUrl(
        string endpoint,
        string repoId,
        string fileName,
        string? revision = null,
        RepoType repoType = RepoType.Model
    )
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoint);
        HubCache.ValidateRepoId(repoId);
        HubCache.ValidateFileName(fileName);
        revision ??= "main";
        HubCache.ValidateRevision(revision);
        var prefix = repoType switch
        {
            RepoType.Dataset => "datasets/",
            RepoType.Space => "spaces/",
            _ => "",
        };
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
    /// <exception cref="HubException">The hub refused (401/403), did not have it (404), could not be reached, or the bytes did not
    /// match.</exception>
    /// <exception cref="ArgumentException">The repository id, file name or revision is invalid.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<string> DownloadFileAsync(
        string repoId,
        string fileName,
        string? revision = null,
        IProgress<DownloadProgress>? progress = null,
        RepoType repoType = RepoType.Model,
        CancellationToken cancellationToken = default
    ) => (await DownloadAsync(repoId, fileName, revision ?? "main", progress, repoType, cancellationToken).ConfigureAwait(false)).Path;

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
    public async Task<string> DownloadFilesAsync(
        string repoId,
        IEnumerable<string> fileNames,
        string? revision = null,
        IProgress<DownloadProgress>? progress = null,
        RepoType repoType = RepoType.Model,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(fileNames);
        var names = fileNames.ToArray();
        if (names.Length == 0)
            throw new ArgumentException($"No file names were given to download from '{repoId}'.", nameof(fileNames));
        foreach (var name in names)
            HubCache.ValidateFileName(name);
        string? commit = null;
        foreach (var name in names)
        {
            var (_, resolved) = await DownloadAsync(repoId, name, commit ?? revision ?? "main", progress, repoType, cancellationToken)
                .ConfigureAwait(false);
            commit ??= resolved;
        }
        return Cache.SnapshotFolder(repoId, commit!, repoType);
    }

    /// <summary>The cached path of a file at <paramref name="revision"/>, or null; never makes a request (see
    /// <see cref="HubCache.TryGetFile"/>).</summary>
    public string? TryGetCachedFile(string repoId, string fileName, string? revision = null, RepoType repoType = RepoType.Model) =>
        Cache.TryGetFile(repoId, fileName, revision, repoType);

    /// <summary>
    /// The cached snapshot folder holding every one of <paramref name="fileNames"/> at <paramref name="revision"/>, or null
    /// when any is missing; never makes a request. Lets a notebook use a complete download without asking the hub.
    /// </summary>
    public string? TryGetCachedFolder(
        string repoId,
        IEnumerable<string> fileNames,
        string? revision = null,
        RepoType repoType = RepoType.Model
    )
    {
        ArgumentNullException.ThrowIfNull(fileNames);
        var names = fileNames.ToList();
        if (names.Count == 0)
            throw new ArgumentException("Name at least one file.", nameof(fileNames));
        var paths = names.Select(f => TryGetCachedFile(repoId, f, revision, repoType)).ToList();
        if (paths.Any(p => p is null))
            return null;
        // A file's path is {snapshot}/{file name}; the snapshot folder is what precedes the name.
        return paths[0]![..^names[0].Length].TrimEnd('/', Path.DirectorySeparatorChar);
    }

    /// <summary>
    /// The files of <paramref name="repoId"/> from the cache when they are all there (no request), else downloaded when
    /// the hub answers, else none — with one line saying which. What a notebook needs to use real weights when it can and
    /// say plainly when it cannot. Errors other than an unreachable hub (404, 401, a corrupt download) still throw.
    /// </summary>
    public async Task<HubSnapshot> FindOrDownloadAsync(
        string repoId,
        IReadOnlyList<string> fileNames,
        string? revision = null,
        IProgress<DownloadProgress>? progress = null,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(fileNames);
        if (TryGetCachedFolder(repoId, fileNames, revision) is { } cached)
            return new HubSnapshot(cached, $"Using {repoId} from the Hugging Face cache ({Cache.Root}).");
        var reach = await CheckReachabilityAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!reach.IsReachable)
            return new HubSnapshot(null, reach.Message);
        var folder = await DownloadFilesAsync(repoId, fileNames, revision, progress, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
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
            return new HubReachability(
                false,
                Endpoint,
                $"Offline mode is on (HF_HUB_OFFLINE=1): the hub at {Endpoint} is not contacted; files come from the cache {Cache.Root}."
            );
        var wait = timeout ?? Options.RequestTimeout;
        using var request = http.NewRequest(HttpMethod.Head, new Uri(Endpoint + "/"), withToken: false);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(wait);
        try
        {
            using var response = await http.ProbeAsync(request, limit.Token).ConfigureAwait(false);
            return new HubReachability(true, Endpoint, $"The Hugging Face hub at {Endpoint} answered (HTTP {(int)response.StatusCode}).");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new HubReachability(false, Endpoint, errors.UnreachableLine($"no answer within {HubErrors.Seconds(wait)}"));
        }
        catch (HttpRequestException e)
        {
            return new HubReachability(false, Endpoint, errors.UnreachableLine(HubErrors.Describe(e)));
        }
    }

    /// <summary>Closes the HTTP connections.</summary>
    public void Dispose()
    {
        http.Dispose();
    }

    private async Task<(string Path, string Commit)> DownloadAsync(
        string repoId,
        string fileName,
        string revision,
        IProgress<DownloadProgress>? progress,
        RepoType repoType,
        CancellationToken cancellationToken
    )
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
                : throw new HubException(
                    HubErrorKind.NotCached,
                    $"Offline mode is on (HF_HUB_OFFLINE=1) and '{fileName}' of '{repoId}' at revision '{revision}' is "
                        + $"not in the cache {Cache.Root}. "
                        + "Download it once with the hub reachable (unset HF_HUB_OFFLINE), or load the model from a local folder.",
                    repoId,
                    fileName
                );
        }

        HubFileMetadata metadata;
        try
        {
            metadata = await http.GetMetadataAsync(
                    new Uri(FileUrl(repoId, fileName, revision, repoType)),
                    repoId,
                    fileName,
                    revision,
                    cancellationToken
                )
                .ConfigureAwait(false);
        }
        catch (HubException e)
            when (e.Kind == HubErrorKind.Unreachable && Cache.TryGetFile(repoId, fileName, revision, repoType) is { } cached)
        {
            return Served(cached, Cache.ResolveRevision(repoId, revision, repoType)!); // as huggingface_hub: no network, but a cached copy
        }

        Cache.WriteRef(repoId, revision, metadata.Commit, repoType);
        var snapshot = Cache.SnapshotPath(repoId, metadata.Commit, fileName, repoType);
        if (File.Exists(snapshot))
            return Served(snapshot, metadata.Commit);

        var blob = Cache.BlobPath(repoId, metadata.ETag, repoType);
        if (!File.Exists(blob))
        {
            await using var fileLock = await blobs
                .LockAsync(Cache.LockPath(repoId, metadata.ETag, repoType), repoId, fileName, cancellationToken)
                .ConfigureAwait(false);
            if (!File.Exists(blob))
                await blobs.DownloadAsync(metadata, blob, repoId, fileName, progress, cancellationToken).ConfigureAwait(false);
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
}

/// <summary>Whether the hub answered, with one line for a notebook to print before it falls back to local files. Introduced with chapter
/// 10.</summary>
/// <param name="IsReachable">True when the hub answered an HTTP request (with any status).</param>
/// <param name="Endpoint">The address that was tried.</param>
/// <param name="Message">One line: that the hub answered, or why it could not be reached and what to do.</param>
public sealed record HubReachability(bool IsReachable, string Endpoint, string Message)
{
    /// <inheritdoc />
    public override string ToString() => Message;
}

/// <summary>Where a repository's files were found (or why not), in one line a notebook can print. Introduced with chapter 10.</summary>
/// <param name="Folder">The snapshot folder holding every requested file, or null when they could not be had.</param>
/// <param name="Message">One line: loaded from the cache, downloaded, or why the hub could not be used.</param>
public sealed record HubSnapshot(string? Folder, string Message)
{
    /// <summary>True when <see cref="Folder"/> holds the files.</summary>
    public bool IsAvailable => Folder is not null;

    /// <inheritdoc />
    public override string ToString() => Message;
}
