using System.Globalization;

namespace Workbook.Hub;

/// <summary>
/// The texts of the <see cref="HubException"/>s a <see cref="HubClient"/> throws: each names the repository, the file
/// and what to do (a token, a file name to check, HF_HUB_OFFLINE, a local folder), the way huggingface_hub's errors do.
/// </summary>
internal sealed class HubErrors(HubOptions options, string cacheRoot)
{
    internal static HubException BadRedirect(
        HttpResponseMessage response,
        Uri from,
        string location,
        string problem,
        string repoId,
        string fileName
    ) =>
        new(
            HubErrorKind.ServerError,
            $"The hub redirected '{fileName}' of '{repoId}' from {from} to "
                + $"'{(location.Length <= 200 ? location : location[..200] + "…")}', {problem}. "
                + "Check HF_ENDPOINT (or HubOptions.Endpoint): a real hub never sends this.",
            repoId,
            fileName,
            response.StatusCode
        );

    internal HubException Unreachable(string reason, string repoId, string fileName, Exception inner) =>
        new(
            HubErrorKind.Unreachable,
            $"The Hugging Face hub at {options.Endpoint} is unreachable ({reason}) while fetching '{fileName}' of '{repoId}'. "
                + "Check the network or HF_ENDPOINT; to work without the hub, set HF_HUB_OFFLINE=1 to use files already in the cache "
                + $"({cacheRoot}), or load the model from a local folder.",
            repoId,
            fileName,
            innerException: inner
        );

    internal string UnreachableLine(string reason) =>
        $"The Hugging Face hub at {options.Endpoint} is unreachable ({reason}); set HF_HUB_OFFLINE=1 to use cached files, "
        + "or load the model from a local folder.";

    internal HubException StatusError(HttpResponseMessage response, Uri url, string repoId, string fileName, string? revision)
    {
        var status = (int)response.StatusCode;
        var code = HubHttp.Header(response, "X-Error-Code");
        var said = HubHttp.Header(response, "X-Error-Message") is { } message ? $" The hub said: {message}" : "";
        var at = revision is null ? "" : $" at revision '{revision}'";
        var token = options.Token is { Length: > 0 }
            ? "the token that was sent (HF_TOKEN or HubOptions.Token) does not give access to it: check it has read access"
            : $"no token was sent: create one at {options.Endpoint}/settings/tokens and set HF_TOKEN (or HubOptions.Token)";
        return (status, code) switch
        {
            (404, "EntryNotFound") => new HubException(
                HubErrorKind.NotFound,
                $"File '{fileName}' was not found in repository '{repoId}'{at} (HTTP 404 from {url}). Check the file name against the "
                    + $"repository's files at {options.Endpoint}/{repoId}.{said}",
                repoId,
                fileName,
                response.StatusCode
            ),
            (404, "RevisionNotFound") => new HubException(
                HubErrorKind.NotFound,
                $"Revision '{revision}' was not found in repository '{repoId}' while fetching '{fileName}' (HTTP 404 from {url}). Use an "
                    + $"existing branch, tag or commit hash.{said}",
                repoId,
                fileName,
                response.StatusCode
            ),
            (401 or 403 or 404, "RepoNotFound") => new HubException(
                status == 404 ? HubErrorKind.NotFound : HubErrorKind.Unauthorized,
                $"Repository '{repoId}' was not found on {options.Endpoint} while fetching '{fileName}' (HTTP {status} from {url}). Check "
                    + $"the repository id; if the repository is private or gated, {token}.{said}",
                repoId,
                fileName,
                response.StatusCode
            ),
            (401 or 403, "GatedRepo") => new HubException(
                HubErrorKind.Unauthorized,
                $"Repository '{repoId}' is gated: '{fileName}' was refused (HTTP {status} from {url}). Accept its conditions at "
                    + $"{options.Endpoint}/{repoId}; {token}.{said}",
                repoId,
                fileName,
                response.StatusCode
            ),
            (401 or 403, _) => new HubException(
                HubErrorKind.Unauthorized,
                $"Access to '{fileName}' of repository '{repoId}' was refused (HTTP {status} from {url}): "
                    + $"the repository is private or gated, and {token}.{said}",
                repoId,
                fileName,
                response.StatusCode
            ),
            (404, _) => new HubException(
                HubErrorKind.NotFound,
                $"Repository '{repoId}' or file '{fileName}' in it{at} was not found (HTTP 404 from {url}). Check both names.{said}",
                repoId,
                fileName,
                response.StatusCode
            ),
            _ => new HubException(
                HubErrorKind.ServerError,
                $"The hub answered HTTP {status} {response.ReasonPhrase} for '{fileName}' of '{repoId}'{at} ({url}). Try again later; "
                    + $"meanwhile HF_HUB_OFFLINE=1 serves files already cached.{said}",
                repoId,
                fileName,
                response.StatusCode
            ),
        };
    }

    internal static bool IsBrokenOff(Exception e) =>
        e is IOException or TimeoutException or HttpRequestException or HubException { Kind: HubErrorKind.Unreachable };

    internal static string Reason(Exception e) =>
        e switch
        {
            HubException { InnerException: { } inner } => Reason(inner),
            HttpRequestException request => Describe(request),
            _ => e.Message,
        };

    internal static string Describe(HttpRequestException e) =>
        e.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => "the host name could not be resolved",
            HttpRequestError.ConnectionError => "could not connect" + (e.InnerException is { } inner ? $": {inner.Message}" : ""),
            HttpRequestError.SecureConnectionError => "the TLS handshake failed",
            HttpRequestError.ProxyTunnelError => "the proxy refused the tunnel",
            _ => (e.InnerException ?? e).Message,
        };

    internal static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";
}
