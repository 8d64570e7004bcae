using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace Workbook.Hub;

/// <summary>
/// Downloads one blob into the cache the way huggingface_hub does: into <c>{blob}.incomplete</c>, resumed with a
/// <c>Range</c> header after a break, retried with back-off under one overall deadline, never past the announced
/// size, checked against its size and (for LFS files) sha256, then moved into place. A lock file keeps two processes
/// from writing the same blob.
/// </summary>
internal sealed class BlobDownload(HubOptions options, HubHttp http, HubErrors errors)
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(100);

    internal async Task DownloadAsync(
        HubFileMetadata metadata,
        string blob,
        string repoId,
        string fileName,
        IProgress<DownloadProgress>? progress,
        CancellationToken cancellationToken
    )
    {
        var partial = blob + ".incomplete";
        Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
        string? sha256;
        // One deadline over every attempt and pause: each read and each resume restarting a clock lets a trickle run forever.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.DownloadTimeout);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                sha256 = await AttemptAsync(metadata, partial, repoId, fileName, progress, deadline.Token).ConfigureAwait(false);
                break;
            }
            catch (OperationCanceledException e) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                var kept = File.Exists(partial) ? new FileInfo(partial).Length : 0;
                throw new HubException(
                    HubErrorKind.Interrupted,
                    $"Downloading '{fileName}' of '{repoId}' did not finish within {HubErrors.Seconds(options.DownloadTimeout)} "
                        + $"(HubOptions.DownloadTimeout); {kept:N0} of "
                        + $"{(metadata.Size is { } s ? s.ToString("N0", CultureInfo.InvariantCulture) : "?")} bytes are kept in {partial} "
                        + "and the next call resumes from there. "
                        + "A connection this slow may be throttled: try again later, or raise DownloadTimeout.",
                    repoId,
                    fileName,
                    innerException: e
                );
            }
            catch (Exception e) when (!deadline.IsCancellationRequested && HubErrors.IsBrokenOff(e))
            {
                if (attempt < options.MaxRetries)
                {
                    var pause = options.RetryDelay * Math.Pow(2, attempt);
                    try
                    {
                        await Task.Delay(pause < TimeSpan.FromSeconds(10) ? pause : TimeSpan.FromSeconds(10), deadline.Token)
                            .ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        // the deadline passed during the pause: the next attempt reports it
                    }
                    continue;
                }
                var kept = File.Exists(partial) ? new FileInfo(partial).Length : 0;
                if (kept == 0 && e is HubException { Kind: HubErrorKind.Unreachable })
                    throw;
                throw new HubException(
                    HubErrorKind.Interrupted,
                    $"Downloading '{fileName}' of '{repoId}' broke off {attempt + 1} time(s) ({HubErrors.Reason(e)}); "
                        + $"{kept:N0} of {(metadata.Size is { } s ? s.ToString("N0", CultureInfo.InvariantCulture) : "?")} bytes "
                        + $"are kept in {partial} and the next call resumes from there. If the hub stays unreachable, "
                        + "set HF_HUB_OFFLINE=1 to use cached files or load the model from a local folder.",
                    repoId,
                    fileName,
                    innerException: e
                );
            }
        }

        var actualSize = new FileInfo(partial).Length;
        if (metadata.Size is { } expectedSize && actualSize != expectedSize)
        {
            File.Delete(partial);
            throw new HubException(
                HubErrorKind.IntegrityMismatch,
                $"The downloaded '{fileName}' of '{repoId}' has {actualSize:N0} bytes, "
                    + $"but the hub announced {expectedSize:N0}. The partial file was deleted; run again to download it afresh.",
                repoId,
                fileName
            );
        }
        if (metadata.Sha256 is { } expected && sha256 != expected)
        {
            File.Delete(partial);
            throw new HubException(
                HubErrorKind.IntegrityMismatch,
                $"The downloaded '{fileName}' of '{repoId}' does not match the hub's sha256: expected {expected}, got {sha256}. "
                    + "The corrupted file was deleted; run again to download it afresh (a proxy or a broken mirror may alter it).",
                repoId,
                fileName
            );
        }
        File.Move(partial, blob, overwrite: true);
    }

    /// <summary>One GET from where the partial file ends; returns the sha256 of the whole file when it is an LFS file.</summary>
    private async Task<string?> AttemptAsync(
        HubFileMetadata metadata,
        string partial,
        string repoId,
        string fileName,
        IProgress<DownloadProgress>? progress,
        CancellationToken cancellationToken
    )
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

        using var request = http.NewRequest(HttpMethod.Get, metadata.Location, withToken: http.IsHubAddress(metadata.Location));
        if (existing > 0)
            request.Headers.Range = new RangeHeaderValue(existing, null);
        using var response = await http.DownloadAsync(request, repoId, fileName, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && existing > 0 && metadata.Size is null)
            // the partial file held every byte
            return await HashPrefixAsync(partial, existing, hash, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.PartialContent)
        {
            if (response.Content.Headers.ContentRange?.From != existing)
            {
                File.Delete(partial);
                throw new IOException(
                    $"the server answered a request for bytes from {existing} with {response.Content.Headers.ContentRange}; starting over"
                );
            }
        }
        else if (response.IsSuccessStatusCode)
        {
            existing = 0; // the server ignored the Range header and sends the whole file
        }
        else
        {
            throw errors.StatusError(response, metadata.Location, repoId, fileName, revision: null);
        }

        var total = metadata.Size ?? (response.Content.Headers.ContentLength is { } length ? existing + length : null);
        await using var file = new FileStream(
            partial,
            existing > 0 ? FileMode.Open : FileMode.Create,
            FileAccess.ReadWrite,
            FileShare.None,
            1 << 16,
            useAsync: true
        );
        if (existing > 0)
            await HashPrefixAsync(file, existing, hash, cancellationToken).ConfigureAwait(false);
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
            idle.CancelAfter(options.ReadTimeout);
            try
            {
                read = await body.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"no data for {HubErrors.Seconds(options.ReadTimeout)} after {done:N0} bytes");
            }
            idle.CancelAfter(Timeout.InfiniteTimeSpan);
            if (read == 0)
                break;
            if (total is { } announced && done + read > announced)
            {
                // Never write past the size the hub announced: a server that keeps sending would otherwise fill the disk.
                file.SetLength(0);
                await file.DisposeAsync().ConfigureAwait(false);
                File.Delete(partial);
                throw new HubException(
                    HubErrorKind.IntegrityMismatch,
                    $"The server sent more than the {announced:N0} bytes announced for '{fileName}' of '{repoId}' ({metadata.Location}); "
                        + "the download was stopped at that size "
                        + "and the partial file deleted. A proxy or a broken mirror may be altering it; run again to download it afresh.",
                    repoId,
                    fileName
                );
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
        if (hash is null)
            return null;
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        await HashPrefixAsync(file, length, hash, cancellationToken).ConfigureAwait(false);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static async Task HashPrefixAsync(FileStream file, long length, IncrementalHash? hash, CancellationToken cancellationToken)
    {
        if (hash is null)
            return;
        file.Position = 0;
        var buffer = new byte[1 << 16];
        for (long left = length; left > 0; )
        {
            var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken)
                .ConfigureAwait(false);
            if (read == 0)
                throw new IOException($"{file.Name} is shorter than {length} bytes");
            hash.AppendData(buffer, 0, read);
            left -= read;
        }
    }

    internal async Task<FileStream> LockAsync(string lockPath, string repoId, string fileName, CancellationToken cancellationToken)
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
                if (waited.Elapsed >= options.LockTimeout)
                    throw new HubException(
                        HubErrorKind.Locked,
                        $"Another download of '{fileName}' of '{repoId}' has held {lockPath} for {HubErrors.Seconds(options.LockTimeout)}. "
                            + "Wait for it to finish; if no other download is running, delete the lock file.",
                        repoId,
                        fileName,
                        innerException: e
                    );
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
