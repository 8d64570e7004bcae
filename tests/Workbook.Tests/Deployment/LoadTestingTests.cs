using System.Net;
using System.Text;
using Workbook.Deployment;

namespace Workbook.Tests.Deployment;

public sealed class LoadTestingTests
{
    [Fact]
    public void Percentiles_interpolate_between_ranks_like_numpy()
    {
        // numpy.percentile([1, 2, 3, 4, 10], [50, 90, 99]) = 3.0, 7.6, 9.76
        var stats = LatencyStatistics.From(new double[] { 10, 1, 4, 2, 3 });
        Assert.Equal(5, stats.Count);
        Assert.Equal(4.0, stats.MeanMs, 12);
        Assert.Equal(3.0, stats.P50Ms, 12);
        Assert.Equal(7.6, stats.P90Ms, 12);
        Assert.Equal(9.76, stats.P99Ms, 12);
        Assert.Equal(10.0, stats.MaxMs);
        Assert.Equal(2.5, LatencyStatistics.Percentile([1, 2, 3, 4], 50), 12);
        Assert.Throws<ArgumentException>(() => LatencyStatistics.From(Array.Empty<double>()));
        Assert.Throws<ArgumentException>(() => LatencyStatistics.From(new[] { 1.0, double.NaN }));
    }

    [Fact]
    public async Task The_load_generator_targets_only_this_machine()
    {
        using var client = new HttpClient { BaseAddress = new Uri("http://example.com/") };
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            LoadGenerator.RunAsync(client, _ => new HttpRequestMessage(HttpMethod.Get, "/"), new LoadTestOptions(3, 1))
        );
        Assert.Contains("not loopback", error.Message);
        Assert.True(LoadGenerator.IsLoopback(new Uri("http://127.0.0.1:8080/")));
        Assert.True(LoadGenerator.IsLoopback(new Uri("http://[::1]:8080/")));
        Assert.True(LoadGenerator.IsLoopback(new Uri("http://localhost/")));
        Assert.False(LoadGenerator.IsLoopback(new Uri("http://10.0.0.1/")));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LoadTestOptions(RequestCount: 0).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new LoadTestOptions(Concurrency: 0).Validate());
    }

    [Fact]
    public async Task The_time_limit_stops_a_test_against_a_service_that_never_answers()
    {
        // A listener that accepts connections and never replies: the test must still end, on time, with every request accounted for.
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accepted = new List<System.Net.Sockets.TcpClient>();
        _ = Task.Run(async () =>
        {
            try
            {
                while (true)
                    accepted.Add(await listener.AcceptTcpClientAsync());
            }
            catch (Exception) { }
        });
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var result = await LoadGenerator.RunAsync(
                client,
                _ => new HttpRequestMessage(HttpMethod.Get, "/"),
                new LoadTestOptions(
                    RequestCount: 50,
                    Concurrency: 4,
                    TimeLimit: TimeSpan.FromSeconds(1),
                    RequestTimeout: TimeSpan.FromSeconds(30)
                ),
                "silent"
            );
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the test took {clock.Elapsed}");
            Assert.True(result.HitTimeLimit);
            Assert.Equal(0, result.Succeeded);
            Assert.Equal(4, result.Failed);
            Assert.Equal(46, result.NotSent);
            Assert.Null(result.Latency);
        }
        finally
        {
            listener.Stop();
            foreach (var c in accepted)
                c.Dispose();
        }
    }

    [Fact]
    public async Task Server_sent_events_are_read_as_they_are_framed()
    {
        var text =
            ": comment\nevent: token\ndata: {\"text\":\"a\"}\n\ndata: line one\ndata: line two\n\nevent: done\ndata: "
            + "{}\n\nevent: cut\ndata: never finished";
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        var events = new List<ServerSentEvent>();
        await foreach (var e in ServerSentEventReader.ReadAsync(stream))
            events.Add(e);
        Assert.Equal(
            [
                new ServerSentEvent("token", "{\"text\":\"a\"}"),
                new ServerSentEvent("message", "line one\nline two"),
                new ServerSentEvent("done", "{}"),
            ],
            events
        );
    }
}
