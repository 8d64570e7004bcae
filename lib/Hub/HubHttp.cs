using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace Workbook.Hub;

/// <summary>
/// The HTTP side of a <see cref="HubClient"/>: two connection pools (HEAD requests that must see the hub's redirects,
/// downloads that follow them to the CDN), the token sent to the hub only, one timeout per request, and the hub's
/// metadata headers read into a <see cref="HubFileMetadata"/>.
/// </summary>
internal sealed class HubHttp : IDisposable
{
    private readonly HubOptions options;
    private readonly HubErrors errors;
    private readonly HttpClient metadataClient;
    private readonly HttpClient downloadClient;

    public HubHttp(HubOptions options, HubErrors errors)
    {
        this.options = options;
        this.errors = errors;
        metadataClient = CreateHttpClient(allowRedirects: false);
        downloadClient = CreateHttpClient(allowRedirects: true);
    }

    /// <summary>Sends a download request (redirects followed); network failures become <see cref="HubErrorKind.Unreachable"/>.</summary>
    internal Task<HttpResponseMessage> DownloadAsync(
        HttpRequestMessage request,
        string repoId,
        string fileName,
        CancellationToken cancellationToken
    ) => SendAsync(downloadClient, request, repoId, fileName, cancellationToken);

    /// <summary>Sends a request as it is, without redirects and without turning failures into hub errors: for the reachability
    /// check.</summary>
    internal Task<HttpResponseMessage> ProbeAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        metadataClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);

    internal async Task<HubFileMetadata> GetMetadataAsync(
        Uri url,
        string repoId,
        string fileName,
        string revision,
        CancellationToken cancellationToken
    )
    {
        var current = url;
        for (var hops = 0; ; hops++)
        {
            using var request = NewRequest(HttpMethod.Head, current, withToken: IsHubAddress(current));
            using var response = await SendAsync(metadataClient, request, repoId, fileName, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status is >= 300 and < 400 && Header(response, "Location") is { } location)
            {
                // An absolute address is the CDN that serves an LFS file: stop and download from there. A relative one
                // (a renamed repository) is followed, as huggingface_hub does.
                if (HasScheme(location))
                {
                    if (!Uri.TryCreate(location, UriKind.Absolute, out var target))
                        throw HubErrors.BadRedirect(response, current, location, "an address that cannot be parsed", repoId, fileName);
                    if (target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps)
                        throw HubErrors.BadRedirect(
                            response,
                            current,
                            location,
                            $"a {target.Scheme}: address; only http and https are followed",
                            repoId,
                            fileName
                        );
                    return ReadMetadata(response, target, current, repoId, fileName);
                }
                if (hops >= 10)
                    throw new HubException(
                        HubErrorKind.ServerError,
                        $"The hub redirected '{fileName}' of '{repoId}' more than 10 times (last {current}).",
                        repoId,
                        fileName,
                        response.StatusCode
                    );
                if (
                    !Uri.TryCreate(current, location, out var next)
                    || (next.Scheme != Uri.UriSchemeHttp && next.Scheme != Uri.UriSchemeHttps)
                )
                    throw HubErrors.BadRedirect(
                        response,
                        current,
                        location,
                        "an address that cannot be parsed as an http(s) address",
                        repoId,
                        fileName
                    );
                current = next;
                continue;
            }
            if (response.IsSuccessStatusCode)
                return ReadMetadata(response, current, current, repoId, fileName);
            throw errors.StatusError(response, current, repoId, fileName, revision);
        }
    }

    /// <summary>True when <paramref name="location"/> starts with a URI scheme (<c>https:</c>, <c>file:</c>): on Unix a plain "/path" would
    /// otherwise parse as a file address.</summary>
    private static bool HasScheme(string location)
    {
        var colon = location.IndexOf(':', StringComparison.Ordinal);
        return colon > 0
            && char.IsAsciiLetter(location[0])
            && location.AsSpan(0, colon).IndexOfAnyExcept("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.") < 0;
    }

    private HubFileMetadata ReadMetadata(HttpResponseMessage response, Uri location, Uri url, string repoId, string fileName)
    {
        var commit = Header(response, "X-Repo-Commit");
        var etag = Header(response, "X-Linked-Etag") ?? Header(response, "ETag");
        if (commit is null || !HubCache.IsCommitHash(commit) || etag is null)
            throw new HubException(
                HubErrorKind.ServerError,
                $"The answer from {url} for '{fileName}' of '{repoId}' lacks the hub's "
                    + $"{(commit is null ? "X-Repo-Commit" : etag is null ? "ETag" : "commit hash")} header, "
                    + $"so {options.Endpoint} does not look like a Hugging Face hub. Check HF_ENDPOINT (or HubOptions.Endpoint).",
                repoId,
                fileName,
                response.StatusCode
            );
        etag = HubFileMetadata.NormalizeETag(etag);
        if (etag.Length == 0 || etag.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            throw new HubException(
                HubErrorKind.ServerError,
                $"The hub sent an ETag '{etag}' for '{fileName}' of '{repoId}' that cannot name a cache file "
                    + "(expected a hexadecimal hash).",
                repoId,
                fileName,
                response.StatusCode
            );
        long? size =
            long.TryParse(Header(response, "X-Linked-Size"), NumberStyles.None, CultureInfo.InvariantCulture, out var linked) ? linked
            : (int)response.StatusCode is >= 200 and < 300 ? response.Content.Headers.ContentLength
            : null;
        return new HubFileMetadata(commit, etag, size, location);
    }

    private async Task<HttpResponseMessage> SendAsync(
        HttpClient client,
        HttpRequestMessage request,
        string repoId,
        string fileName,
        CancellationToken cancellationToken
    )
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(options.RequestTimeout);
        try
        {
            return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw errors.Unreachable($"no answer within {HubErrors.Seconds(options.RequestTimeout)}", repoId, fileName, e);
        }
        catch (HttpRequestException e)
        {
            throw errors.Unreachable(HubErrors.Describe(e), repoId, fileName, e);
        }
    }

    internal HttpRequestMessage NewRequest(HttpMethod method, Uri url, bool withToken)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "identity");
        if (withToken && options.Token is { Length: > 0 } token)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    /// <summary>The token goes to the hub only, never to the CDN an LFS file is redirected to.</summary>
    internal bool IsHubAddress(Uri url)
    {
        var hub = new Uri(options.Endpoint!);
        return url.Scheme == hub.Scheme && string.Equals(url.Authority, hub.Authority, StringComparison.OrdinalIgnoreCase);
    }

    private HttpClient CreateHttpClient(bool allowRedirects)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = allowRedirects,
            MaxAutomaticRedirections = 10,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.ParseAdd("Workbook-HubClient/1.0");
        return client;
    }

    internal static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? values.FirstOrDefault()
            : null;

    public void Dispose()
    {
        metadataClient.Dispose();
        downloadClient.Dispose();
    }
}

/// <summary>
/// What the hub's answer to a HEAD request on a file's <c>resolve</c> address says about it. For a file stored
/// in git LFS the hub answers with a redirect to its CDN and the headers <c>X-Linked-Etag</c> (the sha256) and
/// <c>X-Linked-Size</c>; for a plain git file with 200 and an <c>ETag</c> that is the git blob's sha1.
/// </summary>
/// <param name="Commit">The commit the revision resolved to (<c>X-Repo-Commit</c>).</param>
/// <param name="ETag">The normalised entity tag: no quotes, no <c>W/</c>. It names the blob in the cache.</param>
/// <param name="Size">The file's size in bytes, when announced.</param>
/// <param name="Location">Where to GET the bytes: the CDN address of a redirect, else the resolve address.</param>
internal sealed partial record HubFileMetadata(string Commit, string ETag, long? Size, Uri Location)
{
    /// <summary>The sha256 to check the bytes against: the ETag when it is 64 hexadecimal digits (LFS files), else null (git
    /// sha1).</summary>
    public string? Sha256 => Sha256Pattern().IsMatch(ETag) ? ETag.ToLowerInvariant() : null;

    /// <summary>Strips what proxies and servers wrap an entity tag in: a weak marker <c>W/</c> and the quotes.</summary>
    public static string NormalizeETag(string etag)
    {
        var value = etag.Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal))
            value = value[2..];
        return value.Trim('"');
    }

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Pattern();
}
