using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Workbook.Deployment;
using Workbook.Models;
using Workbook.Serving;
using static TorchSharp.torch;

namespace Workbook.Tests.Deployment;

/// <summary>
/// What an attacker or a careless client sends the real server on 127.0.0.1: slow or unfinished uploads, text that is
/// not valid Unicode, repeated keys, numbers that overflow float32, sampling settings that break the arithmetic. Each
/// gets its own clear answer, and none of them costs other clients anything.
/// </summary>
public sealed class HostileRequestTests(ServingFixture fixture) : IClassFixture<ServingFixture>
{
    private static readonly string Ones = string.Join(",", Enumerable.Repeat("1", 30));

    private static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode status, string why)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{why}: expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static void NamesField(JsonElement problem, string field, string why) =>
        Assert.True(
            problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _),
            $"{why}: the problem should name '{field}': {problem}"
        );

    private static ByteArrayContent Bytes(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        return content;
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static TheoryData<string, string, string, string> BadBodies() =>
        new()
        {
            // Before: each of these was a 500.
            { "lone surrogate as a property name", "/v1/predict", """{"\ud800": 1}""", "$" },
            { "lone surrogate inside an array's object", "/v1/predict", """{"instances": [{"\udc00": 1}]}""", "instances[0]" },
            { "lone surrogate in the prompt", "/v1/generate", """{"prompt": "The dog \ud800"}""", "prompt" },
            {
                "1e308 (infinite as float32)",
                "/v1/predict",
                "{\"features\": [1e308," + string.Join(",", Enumerable.Repeat("1", 29)) + "]}",
                "features[0]"
            },
            {
                "-1e39 in a batch row",
                "/v1/predict",
                "{\"instances\": [[" + Ones + "], [1, -1e39," + string.Join(",", Enumerable.Repeat("1", 28)) + "]]}",
                "instances[1][1]"
            },
            {
                "temperature 1e-300 with sampling",
                "/v1/generate",
                """{"prompt": "Hi", "doSample": true, "temperature": 1e-300}""",
                "temperature"
            },
            {
                "repetition penalty 1e-300 with sampling",
                "/v1/generate",
                """{"prompt": "Hi", "doSample": true, "repetitionPenalty": 1e-300}""",
                "repetitionPenalty"
            },
            {
                "streaming with temperature 1e-300",
                "/v1/generate",
                """{"prompt": "Hi", "doSample": true, "temperature": 1e-300, "stream": true}""",
                "temperature"
            },
            // Before: accepted, the last value winning.
            { "duplicate features", "/v1/predict", "{\"features\": [" + Ones + "], \"features\": [" + Ones + "]}", "features" },
            { "duplicate prompt", "/v1/generate", """{"prompt": "Hi", "maxNewTokens": 2, "prompt": "Bye"}""", "prompt" },
        };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_text_numbers_and_keys_get_400_naming_the_field(string why, string endpoint, string body, string field)
    {
        await using var server = await ServingFixture.StartAsync(fixture.Options());
        using var response = await server.Client.PostAsync(endpoint, Bytes(Utf8(body)));
        NamesField(await Problem(response, HttpStatusCode.BadRequest, why), field, why);
    }

    [Fact]
    public async Task Raw_invalid_utf8_gets_400_naming_the_field()
    {
        await using var server = await ServingFixture.StartAsync(fixture.Options());
        // 0xC3 starts a 2-byte sequence; 0x28 cannot continue it
        byte[] prompt = [.. Utf8("{\"prompt\": " + "\"caf"), 0xC3, 0x28, .. Utf8("\"}")];
        using var inPrompt = await server.Client.PostAsync("/v1/generate", Bytes(prompt));
        var problem = await Problem(inPrompt, HttpStatusCode.BadRequest, "invalid UTF-8 in the prompt");
        NamesField(problem, "prompt", "invalid UTF-8 in the prompt");
        Assert.Contains("UTF-8", problem.GetProperty("detail").GetString());
        byte[] name = [.. Utf8("{\"feat"), 0xFF, .. Utf8("\": 1}")];
        using var inName = await server.Client.PostAsync("/v1/predict", Bytes(name));
        NamesField(
            await Problem(inName, HttpStatusCode.BadRequest, "invalid UTF-8 in a property name"),
            "$",
            "invalid UTF-8 in a property name"
        );
    }

    [Fact]
    public async Task Values_whose_output_overflows_float32_fail_only_their_own_request()
    {
        // A package whose weights are all 1: 30 features of 3e38 each fit float32, but their sum inside the network does not.
        var folder = DeploymentFixtures.TemporaryFolder("overflow-package");
        try
        {
            var names = Enumerable.Range(0, 30).Select(i => $"x{i}").ToArray();
            using (var model = new SimpleModel(new SimpleModelOptions(Inputs: 30, HiddenWidths: [4])))
            {
                using (no_grad())
                    foreach (var p in model.parameters())
                        p.fill_(1.0f);
                ModelPackage.Export(
                    folder,
                    model,
                    Workbook.Data.StandardScaler.FromStatistics(new double[30], Enumerable.Repeat(1.0, 30).ToArray()),
                    names,
                    ["no", "yes"]
                );
            }
            await using var server = await ServingFixture.StartAsync(
                fixture.Options() with
                {
                    ModelFolder = folder,
                    BatchMaxWait = TimeSpan.FromMilliseconds(200),
                }
            );
            var huge = "[" + string.Join(",", Enumerable.Repeat("3e38", 30)) + "]";
            // Sent together, so the batcher puts both in one forward pass: only the overflowing request is refused.
            var bad = server.Client.PostAsync("/v1/predict", Bytes(Utf8("{\"instances\": [[" + Ones + "], " + huge + "]}")));
            var good = server.Client.PostAsJsonAsync("/v1/predict", new { features = Enumerable.Repeat(1.0, 30) });
            using var refused = await bad;
            var problem = await Problem(refused, HttpStatusCode.BadRequest, "a row that overflows");
            NamesField(problem, "instances[1]", "a row that overflows");
            Assert.Contains("non-finite", problem.GetProperty("detail").GetString());
            using var answered = await good;
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
            Assert.Equal(
                0.5,
                (await answered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("probabilities").GetProperty("yes").GetDouble(),
                6
            );
        }
        finally
        {
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Opens a connection that sends a predict request's headers and the first byte of its body, then nothing.</summary>
    private static async Task<TcpClient> StartSlowUploadAsync(Uri server, int announcedBytes = 1000)
    {
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, server.Port);
        var head =
            $"POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1:{server.Port}\r\nContent-Type: "
            + $"application/json\r\nContent-Length: {announcedBytes}\r\n\r\n{{";
        await client.GetStream().WriteAsync(Utf8(head));
        return client;
    }

    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!condition() && waited.Elapsed < TimeSpan.FromSeconds(20))
            await Task.Delay(10);
        Assert.True(condition(), $"timed out waiting until {what}");
    }

    [Fact]
    public async Task Slow_uploads_hold_no_model_slot_and_others_are_answered()
    {
        // Two slots and two queue places; ten clients that never finish their upload. Before, they held all four
        // (the limiter took a slot before the body was read) and a real request got 429.
        var options = fixture.Options() with
        {
            MaxConcurrentRequests = 2,
            MaxQueuedRequests = 2,
            BodyTimeout = TimeSpan.FromSeconds(60),
        };
        await using var server = await ServingFixture.StartAsync(options);
        var metrics = server.App.Services.GetRequiredService<ServiceMetrics>();
        var slots = server.App.Services.GetRequiredService<ModelSlots>();
        var slow = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 10; i++)
                slow.Add(await StartSlowUploadAsync(server.Client.BaseAddress!));
            await WaitUntil(() => metrics.InFlight >= 10, "the ten slow uploads are inside the server");
            Assert.Equal(0, slots.InUse);
            for (var i = 0; i < 3; i++)
            {
                using var response = await server.Client.PostAsJsonAsync("/v1/predict", new { features = fixture.Rows(1, i)[0] });
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }
        finally
        {
            foreach (var client in slow)
                client.Dispose();
        }
    }

    [Fact]
    public async Task A_body_that_does_not_arrive_in_time_gets_408()
    {
        await using var server = await ServingFixture.StartAsync(fixture.Options() with { BodyTimeout = TimeSpan.FromMilliseconds(300) });
        using var client = await StartSlowUploadAsync(server.Client.BaseAddress!);
        var stream = client.GetStream();
        stream.ReadTimeout = 30_000;
        var received = new StringBuilder();
        var buffer = new byte[4096];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        int read;
        // Read to the end of the answer (the server closes the connection: the rest of the body never came).
        while ((read = await stream.ReadAsync(buffer, deadline.Token)) > 0)
            received.Append(Encoding.UTF8.GetString(buffer, 0, read));
        var answer = received.ToString();
        Assert.StartsWith("HTTP/1.1 408", answer);
        Assert.Contains("application/problem+json", answer);
        Assert.Contains("1 of 1000 announced bytes", answer);
        Assert.Contains("--body-timeout-ms", answer);
    }

    [Fact]
    public async Task Waiting_for_a_model_slot_has_a_deadline()
    {
        // One slot, held for 3 s by a request waiting for its batch; the next one may queue for 300 ms, then gets 503.
        // Before, the queue had no deadline: it waited the 3 s.
        var options = fixture.Options() with
        {
            MaxConcurrentRequests = 1,
            MaxQueuedRequests = 4,
            QueueTimeout = TimeSpan.FromMilliseconds(300),
            BatchMaxWait = TimeSpan.FromSeconds(3),
            BatchMaxRows = 1000,
        };
        await using var server = await ServingFixture.StartAsync(options);
        var slots = server.App.Services.GetRequiredService<ModelSlots>();
        var first = server.Client.PostAsJsonAsync("/v1/predict", new { features = fixture.Rows(1)[0] });
        await WaitUntil(() => slots.InUse == 1, "the first request holds the slot");
        using var second = await server.Client.PostAsJsonAsync("/v1/predict", new { features = fixture.Rows(1)[0] });
        var problem = await Problem(second, HttpStatusCode.ServiceUnavailable, "a request that waited past the queue deadline");
        Assert.Equal("Server busy", problem.GetProperty("title").GetString());
        Assert.Equal("1", second.Headers.GetValues("Retry-After").Single());
        using var answered = await first;
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
    }

    [Fact]
    public async Task A_500_is_counted_under_its_endpoint()
    {
        await using var server = await ServingFixture.StartAsync(fixture.Options(batching: false, gpt2: false));
        // A real internal fault: the model's tensors released under a running server.
        server.App.Services.GetRequiredService<PredictionService>().Classifier.Model.Dispose();
        using var response = await server.Client.PostAsJsonAsync("/v1/predict", new { features = fixture.Rows(1)[0] });
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var metrics = await server.Client.GetStringAsync("/metrics");
        Assert.Contains("workbook_http_requests_total{endpoint=\"/v1/predict\",status=\"500\"} 1", metrics);
        Assert.DoesNotContain("endpoint=\"other\"", metrics);
    }

    [Fact]
    public async Task A_stream_that_fails_with_an_internal_error_ends_with_an_error_event_counted_as_500()
    {
        await using var server = await ServingFixture.StartAsync(fixture.Options());
        // A real internal fault, raised by the first forward pass, after the 200 and the stream's headers have gone out.
        server.App.Services.GetRequiredService<GenerationService>().Generator.Model.Dispose();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/generate")
        {
            Content = JsonContent.Create(
                new
                {
                    prompt = "The dog",
                    maxNewTokens = 5,
                    stream = true,
                }
            ),
        };
        using var response = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = new List<ServerSentEvent>();
        await foreach (var e in ServerSentEventReader.ReadAsync(await response.Content.ReadAsStreamAsync()))
            events.Add(e);
        Assert.Equal("error", Assert.Single(events).Event);
        var problem = JsonDocument.Parse(events[0].Data).RootElement;
        Assert.Equal(500, problem.GetProperty("status").GetInt32());
        Assert.Equal("Generation failed", problem.GetProperty("title").GetString());
        var metrics = await server.Client.GetStringAsync("/metrics");
        Assert.Contains("workbook_http_requests_total{endpoint=\"/v1/generate\",status=\"500\"} 1", metrics);
    }

    [Fact]
    public async Task A_stream_that_fails_after_it_started_ends_with_an_error_event()
    {
        // Wide enough that 1000 tokens take far longer than the 2-second deadline; the stream has started long before it.
        var folder = DeploymentFixtures.SaveTinyGpt2(
            DeploymentFixtures.TemporaryFolder("slow-gpt2"),
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
                    GenerateTimeout = TimeSpan.FromSeconds(2),
                }
            );
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/generate")
            {
                Content = JsonContent.Create(
                    new
                    {
                        prompt = "The dog",
                        maxNewTokens = 1000,
                        stream = true,
                    }
                ),
            };
            using var response = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var events = new List<ServerSentEvent>();
            await foreach (var e in ServerSentEventReader.ReadAsync(await response.Content.ReadAsStreamAsync()))
                events.Add(e);
            Assert.Equal("error", events[^1].Event);
            Assert.All(events[..^1], e => Assert.Equal("token", e.Event));
            var problem = JsonDocument.Parse(events[^1].Data).RootElement;
            Assert.Equal(504, problem.GetProperty("status").GetInt32());
            Assert.Equal("Generation timed out", problem.GetProperty("title").GetString());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
