using System.Text.RegularExpressions;

namespace Workbook.Hub;

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
    /// <summary>The sha256 to check the bytes against: the ETag when it is 64 hexadecimal digits (LFS files), else null (git sha1).</summary>
    public string? Sha256 => Sha256Pattern().IsMatch(ETag) ? ETag.ToLowerInvariant() : null;

    /// <summary>Strips what proxies and servers wrap an entity tag in: a weak marker <c>W/</c> and the quotes.</summary>
    public static string NormalizeETag(string etag)
    {
        var value = etag.Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal)) value = value[2..];
        return value.Trim('"');
    }

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Pattern();
}
