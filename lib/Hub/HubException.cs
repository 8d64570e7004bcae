using System.Net;

namespace Workbook.Hub;

/// <summary>
/// A download from the Hugging Face hub, or a cache look-up in offline mode, failed. The message names the
/// repository, the file and the revision, and says what to do; <see cref="Kind"/> and <see cref="StatusCode"/>
/// let code react. Introduced with chapter 10.
/// </summary>
public sealed class HubException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="kind">What went wrong.</param>
    /// <param name="message">The full, actionable message.</param>
    /// <param name="repoId">The repository, e.g. <c>openai-community/gpt2</c>, when known.</param>
    /// <param name="fileName">The file inside the repository, when known.</param>
    /// <param name="statusCode">The HTTP status the hub answered with, when there was an answer.</param>
    /// <param name="innerException">The underlying network or I/O error, if any.</param>
    public HubException(
        HubErrorKind kind,
        string message,
        string? repoId = null,
        string? fileName = null,
        HttpStatusCode? statusCode = null,
        Exception? innerException = null
    )
        : base(message, innerException)
    {
        Kind = kind;
        RepoId = repoId;
        FileName = fileName;
        StatusCode = statusCode;
    }

    /// <summary>What went wrong.</summary>
    public HubErrorKind Kind { get; }

    /// <summary>The repository concerned, when known.</summary>
    public string? RepoId { get; }

    /// <summary>The file concerned, when known.</summary>
    public string? FileName { get; }

    /// <summary>The HTTP status of the hub's answer; null when no answer came (unreachable, offline, integrity).</summary>
    public HttpStatusCode? StatusCode { get; }
}

/// <summary>
/// What went wrong in a <see cref="HubException"/>, so code can react without parsing the message. Introduced with chapter 10.
/// </summary>
public enum HubErrorKind
{
    /// <summary>HTTP 401 or 403: the repository is private or gated, or the token lacks access.</summary>
    Unauthorized,

    /// <summary>HTTP 404: the repository, the revision or the file does not exist.</summary>
    NotFound,

    /// <summary>The hub could not be reached: connection refused, name not resolved, or no answer in time.</summary>
    Unreachable,

    /// <summary>A download broke off more often than the retries allow; the partial file is kept for the next call to resume.</summary>
    Interrupted,

    /// <summary>Offline mode (<c>HF_HUB_OFFLINE=1</c>) is on and the file is not in the cache.</summary>
    NotCached,

    /// <summary>The downloaded bytes do not match the size or the sha256 the hub announced.</summary>
    IntegrityMismatch,

    /// <summary>Another download of the same file held the cache lock for longer than the lock timeout.</summary>
    Locked,

    /// <summary>Any other unexpected answer: a 5xx status, or a response without the hub's headers.</summary>
    ServerError,
}
