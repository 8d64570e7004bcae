using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Workbook.Deployment;
using Workbook.Gpt2;
using Workbook.Serving;

namespace Workbook.Tests.Deployment;

public sealed class ServingEndpointTests(ServingFixture fixture) : IClassFixture<ServingFixture>
{
    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static double[] Probabilities(JsonElement prediction) =>
        [
            prediction.GetProperty("probabilities").GetProperty("malignant").GetDouble(),
            prediction.GetProperty("probabilities").GetProperty("benign").GetDouble(),
        ];

    [Fact]
    public async Task Predict_one_row_and_a_batch_equal_the_in_process_predictor()
    {
        await using var server = await ServingFixture.StartAsync(fixture.Options());
        var rows = fixture.Rows(5, offset: 40);
        var expected = fixture.Classifier.Predict([.. rows.Select(r => (IReadOnlyList<double>)r)]);

        using var single = await server.Client.PostAsJsonAsync("/v1/predict", new { features = rows[0] });
        Assert.Equal(HttpStatusCode.OK, single.StatusCode);
        var one = await single.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(expected[0].Label, one.GetProperty("label").GetString());
        Assert.Equal(expected[0].LabelIndex, one.GetProperty("labelIndex").GetInt32());
        Assert.Equal(expected[0].Probabilities, Probabilities(one));

        using var batch = await server.Client.PostAsJsonAsync("/v1/predict", new { instances = rows });
        Assert.Equal(HttpStatusCode.OK, batch.StatusCode);
        var predictions = (await batch.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("predictions").EnumerateArray().ToList();
        Assert.Equal(5, predictions.Count);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(expected[i].Label, predictions[i].GetProperty("label").GetString());
            Assert.Equal(expected[i].Probabilities, Probabilities(predictions[i]));
        }
    }

    [Fact]
    public async Task Healthz_and_metrics_report_the_service()
    {
        await using var server = await ServingFixture.StartAsync(fixture.Options());
        var health = await server.Client.GetFromJsonAsync<JsonElement>("/healthz");
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal(30, health.GetProperty("features").GetInt32());
        Assert.True(health.GetProperty("gpt2").GetBoolean());

        string Line(string metrics, string prefix) =>
            metrics.Split('\n').SingleOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) ?? "";
        var before = await server.Client.GetStringAsync("/metrics");
        Assert.Equal("", Line(before, "workbook_http_requests_total{endpoint=\"/v1/predict\",status=\"200\"}"));
        for (var i = 0; i < 3; i++)
            (await server.Client.PostAsJsonAsync("/v1/predict", new { features = fixture.Rows(1, i)[0] })).EnsureSuccessStatusCode();
        await server.Client.PostAsync("/v1/predict", Json("{\"features\": 1}"));
        var after = await server.Client.GetStringAsync("/metrics");
        Assert.Equal(
            "workbook_http_requests_total{endpoint=\"/v1/predict\",status=\"200\"} 3",
            Line(after, "workbook_http_requests_total{endpoint=\"/v1/predict\",status=\"200\"}")
        );
        Assert.Equal(
            "workbook_http_requests_total{endpoint=\"/v1/predict\",status=\"400\"} 1",
            Line(after, "workbook_http_requests_total{endpoint=\"/v1/predict\",status=\"400\"}")
        );
        Assert.Equal(
            "workbook_http_request_duration_seconds_count{endpoint=\"/v1/predict\"} 4",
            Line(after, "workbook_http_request_duration_seconds_count{endpoint=\"/v1/predict\"}")
        );
        Assert.Contains("workbook_http_request_duration_seconds{endpoint=\"/v1/predict\",quantile=\"0.99\"}", after);
        Assert.Equal("workbook_predict_batched_rows_total 3", Line(after, "workbook_predict_batched_rows_total"));

        using var wrongMethod = await server.Client.GetAsync("/v1/predict");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        Assert.Equal("POST", wrongMethod.Content.Headers.Allow.Single());
        using var unknown = await server.Client.GetAsync("/v1/predit");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("POST /v1/predict", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Generate_answers_json_and_server_sent_events_with_the_in_process_continuation()
    {
        await using var server = await ServingFixture.StartAsync(fixture.Options());
        var local = Gpt2TextGenerator.FromFolder(fixture.Gpt2Folder);
        var expected = string.Concat(local.Stream("The dog", GenerationOptions.Greedy(12)));

        using var json = await server.Client.PostAsJsonAsync("/v1/generate", new { prompt = "The dog", maxNewTokens = 12 });
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        var body = await json.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("The dog", body.GetProperty("prompt").GetString());
        Assert.Equal(expected, body.GetProperty("completion").GetString());

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/generate")
        {
            Content = JsonContent.Create(
                new
                {
                    prompt = "The dog",
                    maxNewTokens = 12,
                    stream = true,
                }
            ),
        };
        using var sse = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, sse.StatusCode);
        Assert.Equal("text/event-stream", sse.Content.Headers.ContentType?.MediaType);
        var events = new List<ServerSentEvent>();
        await foreach (var e in ServerSentEventReader.ReadAsync(await sse.Content.ReadAsStreamAsync()))
            events.Add(e);
        Assert.True(events.Count >= 2);
        Assert.All(events[..^1], e => Assert.Equal("token", e.Event));
        Assert.Equal("done", events[^1].Event);
        var streamed = string.Concat(events[..^1].Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("text").GetString()));
        Assert.Equal(expected, streamed);
        Assert.Equal(expected, JsonDocument.Parse(events[^1].Data).RootElement.GetProperty("completion").GetString());

        // Accept: text/event-stream asks for the stream too.
        using var accept = new HttpRequestMessage(HttpMethod.Post, "/v1/generate")
        {
            Content = JsonContent.Create(new { prompt = "Hi", maxNewTokens = 2 }),
        };
        accept.Headers.Accept.ParseAdd("text/event-stream");
        using var acceptResponse = await server.Client.SendAsync(accept);
        Assert.Equal("text/event-stream", acceptResponse.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_client_that_disconnects_mid_stream_stops_its_generation()
    {
        // Wide enough that 1000 tokens take seconds (the vocabulary projection dominates), so a hang-up is noticed long before the end.
        var folder = DeploymentFixtures.SaveTinyGpt2(
            DeploymentFixtures.TemporaryFolder("long-gpt2"),
            contextLength: 1024,
            embeddingSize: 384,
            layerCount: 2
        );
        try
        {
            await using var server = await ServingFixture.StartAsync(
                fixture.Options() with
                {
                    Gpt2Folder = folder,
                    MaxNewTokensLimit = 1000,
                }
            );
            var metrics = server.App.Services.GetRequiredService<ServiceMetrics>();
            var generation = server.App.Services.GetRequiredService<GenerationService>();
            // A client that goes away: no draining of the unread rest to reuse the connection (HttpClient's default for
            // small leftovers), so disposing the response closes the socket, as a closed browser tab does.
            using var leaving = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 })
            {
                BaseAddress = server.Client.BaseAddress,
            };
            using (
                var request = new HttpRequestMessage(HttpMethod.Post, "/v1/generate")
                {
                    Content = JsonContent.Create(
                        new
                        {
                            prompt = "The dog",
                            maxNewTokens = 1000,
                            stream = true,
                        }
                    ),
                }
            )
            using (var response = await leaving.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
            {
                var received = 0;
                await foreach (var e in ServerSentEventReader.ReadAsync(await response.Content.ReadAsStreamAsync()))
                    if (++received == 3)
                        break; // read three pieces, then hang up
            }
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (metrics.InFlight > 0 && waited.Elapsed < TimeSpan.FromSeconds(60))
                await Task.Delay(20);
            Assert.Equal(0, metrics.InFlight);
            // The request ends only once its generation has stopped; had the hang-up been ignored, all 1000 tokens would be there.
            Assert.True(
                generation.TokensGenerated < 900,
                $"{generation.TokensGenerated} tokens were generated for a client that left after 3"
            );
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Without_a_gpt2_folder_generate_answers_503_saying_how_to_enable_it()
    {
        await using var server = await ServingFixture.StartAsync(fixture.Options(gpt2: false));
        using var response = await server.Client.PostAsJsonAsync("/v1/generate", new { prompt = "Hi" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("--gpt2 FOLDER", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    public static TheoryData<string, string, int, string> BadPredictBodies() =>
        new()
        {
            { "malformed JSON", "{\"features\": [1, 2,", 400, "features[2]" },
            { "bare NaN (Python's json.dumps)", "{\"features\": [1.0, NaN, 3.0]}", 400, "features[1]" },
            { "Infinity", "{\"instances\": [[1.0, 2.0], [Infinity]]}", 400, "instances[1][0]" },
            { "a string for a number", "{\"features\": [1, \"2\"" + string.Concat(Enumerable.Repeat(",1", 28)) + "]}", 400, "features[1]" },
            { "features not an array", "{\"features\": 17}", 400, "features" },
            { "missing features", "{\"x\": [1, 2]}", 400, "x" },
            { "no fields at all", "{}", 400, "features" },
            { "both fields", "{\"features\": [], \"instances\": []}", 400, "instances" },
            { "too many features", "{\"features\": [" + string.Join(",", Enumerable.Repeat("1", 31)) + "]}", 400, "features" },
            {
                "too few features in a row",
                "{\"instances\": [[" + string.Join(",", Enumerable.Repeat("1", 29)) + "]]}",
                400,
                "instances[0]"
            },
            {
                "a number too large for a double",
                "{\"features\": [1e400" + string.Concat(Enumerable.Repeat(",1", 29)) + "]}",
                400,
                "features[0]"
            },
            {
                "too many rows",
                "{\"instances\": ["
                    + string.Join(",", Enumerable.Repeat("[" + string.Join(",", Enumerable.Repeat("1", 30)) + "]", 33))
                    + "]}",
                400,
                "instances"
            },
            { "not an object", "[1, 2, 3]", 400, "$" },
            { "oversized body", "{\"features\": [" + new string(' ', 20_000) + "]}", 413, "" },
        };

    [Theory]
    [MemberData(nameof(BadPredictBodies))]
    public async Task Bad_predict_bodies_get_a_problem_naming_the_field(string why, string body, int status, string field)
    {
        await using var server = await ServingFixture.StartAsync(fixture.Options());
        using var response = await server.Client.PostAsync("/v1/predict", Json(body));
        Assert.True(
            status == (int)response.StatusCode,
            $"{why}: expected {status}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}"
        );
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.Equal("/v1/predict", problem.GetProperty("instance").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        if (field.Length > 0)
        {
            var errors = problem.GetProperty("errors");
            Assert.True(errors.TryGetProperty(field, out var messages), $"{why}: the problem should name '{field}': {problem}");
            Assert.Contains(field, messages[0].GetString());
        }
    }

    [Fact]
    public async Task An_oversized_body_without_a_length_is_cut_off_at_the_limit()
    {
        // Chunked transfer: no Content-Length to check up front, so the server must stop reading at the limit.
        await using var server = await ServingFixture.StartAsync(fixture.Options());
        var content = new StreamContent(
            new MemoryStream(System.Text.Encoding.UTF8.GetBytes("{\"features\": [" + new string(' ', 40_000) + "]}"))
        );
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/predict") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("16384 bytes", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    public static TheoryData<string, string> BadGenerateBodies() =>
        new()
        {
            { "{\"maxNewTokens\": 5}", "prompt" },
            { "{\"prompt\": 42}", "prompt" },
            { "{\"prompt\": \"\"}", "prompt" },
            { "{\"prompt\": \"Hi\", \"maxNewTokens\": 0}", "maxNewTokens" },
            { "{\"prompt\": \"Hi\", \"maxNewTokens\": 2.5}", "maxNewTokens" },
            { "{\"prompt\": \"Hi\", \"maxNewTokens\": 100000}", "maxNewTokens" },
            { "{\"prompt\": \"Hi\", \"maxNewTokens\": 200}", "maxNewTokens" }, // within the limit, beyond the context of 64
            { "{\"prompt\": \"Hi\", \"temperature\": 0}", "temperature" },
            { "{\"prompt\": \"Hi\", \"topP\": 1.5}", "topP" },
            { "{\"prompt\": \"Hi\", \"topK\": -1}", "topK" },
            { "{\"prompt\": \"Hi\", \"stream\": \"yes\"}", "stream" },
            { "{\"prompt\": \"Hi\", \"temprature\": 0.7}", "temprature" },
        };

    [Theory]
    [MemberData(nameof(BadGenerateBodies))]
    public async Task Bad_generate_bodies_get_a_problem_naming_the_field(string body, string field)
    {
        await using var server = await ServingFixture.StartAsync(fixture.Options());
        using var response = await server.Client.PostAsync("/v1/generate", Json(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{body}: the problem should name '{field}': {problem}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Two_hundred_concurrent_requests_all_succeed(bool batching)
    {
        await using var server = await ServingFixture.StartAsync(fixture.Options(batching));
        var rows = fixture.Rows(200);
        var result = await LoadGenerator.RunAsync(
            server.Client,
            i => new HttpRequestMessage(HttpMethod.Post, "/v1/predict") { Content = JsonContent.Create(new { features = rows[i] }) },
            new LoadTestOptions(RequestCount: 200, Concurrency: 16, TimeLimit: TimeSpan.FromSeconds(60)),
            batching ? "batching on" : "batching off"
        );
        Assert.True(
            result.Failed == 0 && result.NotSent == 0,
            result + " " + string.Join("; ", result.Errors.Select(e => $"{e.Count}× {e.Error}"))
        );
        Assert.Equal(200, result.Succeeded);
        Assert.Equal(200, result.Latency!.Count);
        var metrics = await server.Client.GetStringAsync("/metrics");
        Assert.Contains("workbook_http_requests_total{endpoint=\"/v1/predict\",status=\"200\"} 200", metrics);
        Assert.Equal(batching, metrics.Contains("workbook_predict_batches_total"));
    }

    [Fact]
    public async Task Limits_answer_429_when_full_and_504_past_the_deadline()
    {
        // One request at a time, no queue, and a batcher that holds each request for 400 ms: the second concurrent request is refused.
        var full = fixture.Options() with
        {
            MaxConcurrentRequests = 1,
            MaxQueuedRequests = 0,
            BatchMaxWait = TimeSpan.FromMilliseconds(400),
            BatchMaxRows = 1000,
        };
        await using (var server = await ServingFixture.StartAsync(full))
        {
            var first = server.Client.PostAsJsonAsync("/v1/predict", new { features = fixture.Rows(1)[0] });
            var slots = server.App.Services.GetRequiredService<ModelSlots>();
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (slots.InUse < 1 && waited.Elapsed < TimeSpan.FromSeconds(10))
                await Task.Delay(5);
            using var second = await server.Client.PostAsJsonAsync("/v1/predict", new { features = fixture.Rows(1)[0] });
            Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
            Assert.Contains("retry", (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
            Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);
        }
        // A deadline shorter than the batching wait: 504 with a problem body, for predict and for generate.
        var slow = fixture.Options() with
        {
            BatchMaxWait = TimeSpan.FromMilliseconds(500),
            BatchMaxRows = 1000,
            PredictTimeout = TimeSpan.FromMilliseconds(50),
            GenerateTimeout = TimeSpan.FromMilliseconds(1),
        };
        await using (var server = await ServingFixture.StartAsync(slow))
        {
            using var late = await server.Client.PostAsJsonAsync("/v1/predict", new { features = fixture.Rows(1)[0] });
            Assert.Equal(HttpStatusCode.GatewayTimeout, late.StatusCode);
            Assert.Equal("Prediction timed out", (await late.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
            using var generation = await server.Client.PostAsJsonAsync("/v1/generate", new { prompt = "The dog", maxNewTokens = 50 });
            Assert.Equal(HttpStatusCode.GatewayTimeout, generation.StatusCode);
            Assert.Equal(
                "Generation timed out",
                (await generation.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString()
            );
        }
    }

    [Fact]
    public async Task Shutdown_finishes_requests_in_flight_and_refuses_new_ones()
    {
        // A long batching wait keeps requests in flight (queued in the batcher) while the server is told to stop.
        var options = fixture.Options() with
        {
            BatchMaxWait = TimeSpan.FromMilliseconds(800),
            BatchMaxRows = 1000,
            MaxRowsPerRequest = 32,
        };
        var server = await ServingFixture.StartAsync(options);
        var client = server.Client;
        var rows = fixture.Rows(8);
        var inFlight = rows.Select(r => client.PostAsJsonAsync("/v1/predict", new { features = r })).ToArray();
        var metrics = server.App.Services.GetRequiredService<ServiceMetrics>();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (metrics.InFlight < rows.Length && waited.Elapsed < TimeSpan.FromSeconds(10))
            await Task.Delay(10);
        Assert.Equal(rows.Length, metrics.InFlight); // all eight are inside the server, waiting for their batch
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var stopping = server.App.StopAsync(deadline.Token);
        await Task.Delay(50);
        var late = await Record(() => client.PostAsJsonAsync("/v1/predict", new { features = rows[0] }));
        await stopping;
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"shutdown took {clock.Elapsed}");
        foreach (var response in await Task.WhenAll(inFlight))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
        }
        // A request that arrives during shutdown is refused: the connection is refused/closed, or it gets 503.
        Assert.True(late is null or HttpStatusCode.ServiceUnavailable, $"a request during shutdown got {late}");
        await server.App.DisposeAsync();
        await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsJsonAsync("/v1/predict", new { features = rows[0] }));
        client.Dispose();
    }

    private static async Task<HttpStatusCode?> Record(Func<Task<HttpResponseMessage>> send)
    {
        try
        {
            using var response = await send();
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
