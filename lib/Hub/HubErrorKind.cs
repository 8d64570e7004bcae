namespace Workbook.Hub;

/// <summary>What went wrong in a <see cref="HubException"/>, so code can react without parsing the message.</summary>
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
