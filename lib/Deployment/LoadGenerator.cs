using System.Diagnostics;
using System.Net;

namespace Workbook.Deployment;

/// <summary>
/// A bounded, closed-loop HTTP load test against a service on this machine: <see cref="LoadTestOptions.Concurrency"/>
/// workers each send a request, wait for the whole answer, and send the next, until
/// <see cref="LoadTestOptions.RequestCount"/> requests were sent or <see cref="LoadTestOptions.TimeLimit"/> passed.
/// Only loopback addresses are accepted: this is for measuring your own service, not for pointing at someone else's.
/// Introduced in chapter 14.
/// </summary>
public static class LoadGenerator
{
    private const string CancelledByLimit = "cancelled by the test's time limit or cancellation";

    /// <summary>Runs the test.</summary>
    /// <param name="client">The client to send with; its <see cref="HttpClient.BaseAddress"/> or every request's URI must be a loopback
    /// address.</param>
    /// <param name="createRequest">Builds request number i (a fresh message each time: a message cannot be sent twice).</param>
    /// <param name="options">Bounds of the test.</param>
    /// <param name="name">Label of the result.</param>
    /// <param name="cancellationToken">Stops the test early (counted like the time limit).</param>
    /// <exception cref="ArgumentException">A request's address is not loopback.</exception>
    public static async Task<LoadTestResult> RunAsync(
        HttpClient client,
        Func<int, HttpRequestMessage> createRequest,
        LoadTestOptions options,
        string name = "load test",
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(createRequest);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(options.EffectiveTimeLimit);
        var outcomes = new RequestOutcome?[options.RequestCount];
        var next = -1;
        var clock = Stopwatch.StartNew();
        async Task Worker()
        {
            while (!limit.IsCancellationRequested)
            {
                var index = Interlocked.Increment(ref next);
                if (index >= options.RequestCount)
                    return;
                using var request =
                    createRequest(index) ?? throw new InvalidOperationException($"createRequest returned null for request {index}.");
                RequireLoopback(client, request);
                var started = clock.Elapsed;
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(limit.Token);
                timeout.CancelAfter(options.EffectiveRequestTimeout);
                int? status = null;
                string? error;
                try
                {
                    using var response = await client
                        .SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token)
                        .ConfigureAwait(false);
                    status = (int)response.StatusCode;
                    error = response.IsSuccessStatusCode ? null : $"HTTP {status} {response.ReasonPhrase}";
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !limit.IsCancellationRequested)
                {
                    error = $"timed out after {options.EffectiveRequestTimeout.TotalSeconds:0.###} s";
                }
                catch (OperationCanceledException)
                {
                    error = CancelledByLimit;
                }
                catch (HttpRequestException e)
                {
                    error = e.Message;
                }
                outcomes[index] = new RequestOutcome(index, started, clock.Elapsed - started, status, error);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(_ => Task.Run(Worker, CancellationToken.None)))
            .ConfigureAwait(false);
        var elapsed = clock.Elapsed;
        var sent = outcomes.Where(o => o is not null).Select(o => o!).ToList();
        var hitLimit = limit.IsCancellationRequested && (sent.Count < options.RequestCount || sent.Any(o => o.Error == CancelledByLimit));
        return new LoadTestResult(name, options, sent, elapsed, hitLimit);
    }

    /// <summary>Throws unless the request goes to 127.0.0.0/8, ::1 or localhost.</summary>
    /// <exception cref="ArgumentException">The address is not loopback, or there is no absolute address at all.</exception>
    public static void RequireLoopback(HttpClient client, HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        var uri =
            request.RequestUri is { IsAbsoluteUri: true } absolute ? absolute
            : client.BaseAddress is not null && request.RequestUri is not null ? new Uri(client.BaseAddress, request.RequestUri)
            : client.BaseAddress;
        if (uri is null)
            throw new ArgumentException("The request has no absolute address and the client no BaseAddress.", nameof(request));
        if (!IsLoopback(uri))
            throw new ArgumentException(
                $"The load generator only targets this machine (127.0.0.1, ::1 or localhost); {uri} is not loopback.",
                nameof(request)
            );
    }

    /// <summary>True for 127.0.0.0/8, ::1 and localhost.</summary>
    public static bool IsLoopback(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (uri.IsLoopback)
            return true;
        return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }
}
