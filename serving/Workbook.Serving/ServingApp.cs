using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Workbook.Deployment;

namespace Workbook.Serving;

/// <summary>
/// Builds the model server: <c>POST /v1/predict</c>, <c>POST /v1/generate</c>, <c>GET /healthz</c>, <c>GET /metrics</c>,
/// with body-size, concurrency and time limits, micro-batching, and graceful shutdown (on SIGTERM or
/// <c>StopAsync</c> in-flight requests finish, new ones get 503, then the batcher drains). A model request reads and
/// parses its whole body (under a size limit and a deadline) before it waits for one of the <see cref="ModelSlots"/>.
/// </summary>
public static class ServingApp
{
    private const string EndpointItem = "workbook.endpoint";
    private const string FailedMidStreamItem = "workbook.failed-mid-stream";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Loads the models named in <paramref name="options"/> and builds (does not start) the application.</summary>
    /// <exception cref="ModelPackageException">The model package cannot be loaded.</exception>
    public static WebApplication Build(ServingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            k.AddServerHeader = false;
        });
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.ShutdownTimeout);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);

        var classifier = ModelPackage.Load(options.ModelFolder);
        var predictions = new PredictionService(classifier, options);
        var generation = options.Gpt2Folder is null ? null : GenerationService.Load(options.Gpt2Folder);
        var metrics = new ServiceMetrics();
        if (predictions.Batcher is { } batcher)
            metrics.BatchCounters = () => (batcher.Batches, batcher.Rows);
        if (generation is not null)
            metrics.GeneratedTokens = () => generation.TokensGenerated;
        builder.Services.AddProblemDetails(); // an unexpected failure is a 500 problem body too, not an empty page
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(predictions); // disposed with the host: drains the batcher
        if (generation is not null)
            builder.Services.AddSingleton(generation);
        builder.Services.AddSingleton(metrics);
        var slots = new ModelSlots(options.MaxConcurrentRequests, options.MaxQueuedRequests, options.QueueTimeout);
        builder.Services.AddSingleton(slots);

        var app = builder.Build();
        var stopping = app.Lifetime.ApplicationStopping;
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            // One line a parent process can wait for (the OS picked the port when the URL says 0).
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var batching = options.Batching ? $"on (≤ {options.BatchMaxRows} rows, ≤ {options.BatchMaxWait.TotalMilliseconds} ms)" : "off";
            Console.WriteLine(
                $"Workbook.Serving: model {classifier.Manifest?.Architecture.Options} ({string.Join(", ", classifier.Labels)}), "
                    + $"batching {batching}, "
                    + $"GPT-2 {(generation is null ? "off" : generation.Folder)}"
            );
            foreach (var address in addresses)
                Console.WriteLine($"Now listening on: {address}");
        });

        // Metrics and the shutdown gate wrap everything, so refused requests are counted too.
        app.Use(
            async (context, next) =>
            {
                var clock = Stopwatch.StartNew();
                metrics.Started();
                try
                {
                    if (stopping.IsCancellationRequested)
                    {
                        context.Response.Headers.Connection = "close";
                        await ProblemResponses.WriteAsync(
                            context,
                            new RequestProblemException(503, "Shutting down", "The server is shutting down and takes no new requests.")
                        );
                        return;
                    }
                    await next(context);
                }
                finally
                {
                    // The route noted after routing: the exception handler clears the endpoint before a 500 gets here.
                    var endpoint = context.Items[EndpointItem] as string ?? "other";
                    metrics.Finished(
                        endpoint,
                        context.Items.ContainsKey(FailedMidStreamItem)
                            ? StatusCodes.Status500InternalServerError
                            : context.Response.StatusCode,
                        clock.Elapsed
                    );
                }
            }
        );
        app.UseExceptionHandler();
        app.UseRouting();
        app.Use(
            (context, next) =>
            {
                if ((context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText is { } route)
                    context.Items[EndpointItem] = route;
                return next(context);
            }
        );

        app.MapGet(
            "/healthz",
            () =>
                Results.Json(
                    new
                    {
                        status = "ok",
                        model = classifier.Manifest?.Kind,
                        features = classifier.FeatureCount,
                        labels = classifier.Labels,
                        gpt2 = generation is not null,
                    },
                    Json
                )
        );
        app.MapGet("/metrics", () => Results.Text(metrics.ToPrometheusText(), "text/plain; version=0.0.4; charset=utf-8"));
        app.MapPost("/v1/predict", (HttpContext context) => PredictAsync(context, predictions, slots, options));
        app.MapPost("/v1/generate", (HttpContext context) => GenerateAsync(context, generation, slots, options));
        string[] knownPaths = ["/v1/predict", "/v1/generate", "/healthz", "/metrics"];
        app.MapFallback(
            (HttpContext context) =>
            {
                var path = context.Request.Path.Value ?? "";
                if (knownPaths.Contains(path, StringComparer.OrdinalIgnoreCase))
                {
                    var allowed = path.StartsWith("/v1/", StringComparison.OrdinalIgnoreCase) ? "POST" : "GET";
                    context.Response.Headers.Allow = allowed;
                    return ProblemResponses.Result(
                        new RequestProblemException(405, "Method not allowed", $"{path} answers {allowed}, not {context.Request.Method}."),
                        context
                    );
                }
                return ProblemResponses.Result(
                    new RequestProblemException(
                        404,
                        "Not found",
                        $"No endpoint {context.Request.Method} {path}. Endpoints: POST /v1/predict, "
                            + "POST /v1/generate, GET /healthz, GET /metrics."
                    ),
                    context
                );
            }
        );
        return app;
    }

    private static async Task PredictAsync(HttpContext context, PredictionService predictions, ModelSlots slots, ServingOptions options)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        try
        {
            // Body first, under its own deadline; only then a model slot, then the prediction deadline.
            var body = await JsonRequestBody.ReadAsync(context.Request, options.MaxBodyBytes, options.BodyTimeout, context.RequestAborted);
            PredictRequest request;
            using (var document = JsonRequestBody.ParseObject(body))
                request = PredictRequest.Parse(document.RootElement, predictions.Classifier, options.MaxRowsPerRequest);
            deadline.CancelAfter(options.PredictTimeout);
            IReadOnlyList<ClassPrediction> results;
            using (await slots.AcquireAsync(deadline.Token))
            {
                try
                {
                    results = await predictions.PredictAsync(request.Rows, deadline.Token);
                }
                catch (MicroBatcherFullException e)
                {
                    throw new RequestProblemException(429, "Too many requests", e.Message) { RetryAfterSeconds = 1 };
                }
            }
            for (var i = 0; i < results.Count; i++)
                if (!results[i].IsFinite)
                    throw RequestProblemException.InvalidField(
                        request.RowField(i),
                        $"{request.RowField(i)} gives non-finite probabilities: "
                            + "its values are too large in magnitude for the model's float32 arithmetic."
                    );
            var labels = predictions.Classifier.Labels;
            object Shape(ClassPrediction p) =>
                new
                {
                    label = p.Label,
                    labelIndex = p.LabelIndex,
                    probabilities = labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => p.Probabilities[x.i]),
                };
            await context.Response.WriteAsJsonAsync(
                request.IsBatch ? new { predictions = results.Select(Shape).ToArray() } : Shape(results[0]),
                Json,
                context.RequestAborted
            );
        }
        catch (RequestProblemException problem)
        {
            await ProblemResponses.WriteAsync(context, problem);
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            await ProblemResponses.WriteAsync(
                context,
                new RequestProblemException(
                    504,
                    "Prediction timed out",
                    $"No prediction within {options.PredictTimeout.TotalMilliseconds:0} ms; the server is overloaded (see /metrics)."
                )
            );
        }
        catch (OperationCanceledException)
        {
            // The client went away: nobody to answer.
        }
    }

    private static async Task GenerateAsync(HttpContext context, GenerationService? generation, ModelSlots slots, ServingOptions options)
    {
        if (generation is null)
        {
            await ProblemResponses.WriteAsync(
                context,
                new RequestProblemException(
                    503,
                    "Text generation is not enabled",
                    "This server was started without a GPT-2 model. Start it with --gpt2 FOLDER (a folder with "
                        + "config.json and model.safetensors, "
                        + "e.g. one written by Gpt2LMHeadModel.SavePretrained or the Hugging Face cache's "
                        + "snapshot of openai-community/gpt2)."
                )
            );
            return;
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var streaming = false;
        try
        {
            var body = await JsonRequestBody.ReadAsync(context.Request, options.MaxBodyBytes, options.BodyTimeout, context.RequestAborted);
            GenerateRequest request;
            var config = generation.Generator.Model.Config;
            using (var document = JsonRequestBody.ParseObject(body))
                request = GenerateRequest.Parse(
                    document.RootElement,
                    options.MaxNewTokensLimit,
                    options.MaxPromptCharacters,
                    config.VocabSize
                );
            var promptTokens = generation.CountTokens(request.Prompt);
            if (promptTokens + request.Options.MaxNewTokens > config.ContextLength)
                throw RequestProblemException.InvalidField(
                    "maxNewTokens",
                    $"The prompt has {promptTokens} tokens; with maxNewTokens {request.Options.MaxNewTokens} that exceeds the model's "
                        + $"context of {config.ContextLength} tokens."
                );
            deadline.CancelAfter(options.GenerateTimeout);
            using var slot = await slots.AcquireAsync(deadline.Token);
            streaming =
                request.Stream
                || context.Request.Headers.Accept.Any(a =>
                    a is not null && a.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase)
                );
            if (streaming)
            {
                context.Response.ContentType = "text/event-stream";
                context.Response.Headers.CacheControl = "no-cache";
                context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
                await context.Response.StartAsync(deadline.Token);
                var completion = new System.Text.StringBuilder();
                var pieces = 0;
                await foreach (var piece in generation.StreamAsync(request, deadline.Token))
                {
                    completion.Append(piece);
                    pieces++;
                    await WriteEventAsync(context, "token", new { text = piece }, deadline.Token);
                }
                await WriteEventAsync(context, "done", new { completion = completion.ToString(), pieces }, deadline.Token);
            }
            else
            {
                var completion = new System.Text.StringBuilder();
                await foreach (var piece in generation.StreamAsync(request, deadline.Token))
                    completion.Append(piece);
                await context.Response.WriteAsJsonAsync(
                    new { prompt = request.Prompt, completion = completion.ToString() },
                    Json,
                    context.RequestAborted
                );
            }
        }
        catch (RequestProblemException problem)
        {
            await WriteProblemAsync(context, problem, streaming);
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            await WriteProblemAsync(
                context,
                new RequestProblemException(
                    504,
                    "Generation timed out",
                    $"Generation did not finish within {options.GenerateTimeout.TotalSeconds:0.#} s; "
                        + "ask for fewer tokens (maxNewTokens) or retry later."
                ),
                streaming
            );
        }
        catch (OperationCanceledException)
        {
            // The client disconnected: generation has been cancelled with it.
        }
        catch (Exception e) when (streaming && context.Response.HasStarted)
        {
            // The 200 and some tokens are already sent: the stream must still end with an error event, not just stop.
            context
                .RequestServices.GetRequiredService<ILoggerFactory>()
                .CreateLogger(typeof(ServingApp))
                .LogError(e, "Generation failed mid-stream");
            context.Items[FailedMidStreamItem] = true; // the 200 is on the wire; /metrics counts a 500
            await WriteProblemAsync(
                context,
                new RequestProblemException(
                    500,
                    "Generation failed",
                    $"Generation stopped with an internal error ({e.GetType().Name}); the text so far is incomplete."
                ),
                streaming
            );
        }
    }

    /// <summary>A problem body, or, once a stream has started, its last event: <c>event: error</c> with the same body.</summary>
    private static async Task WriteProblemAsync(HttpContext context, RequestProblemException problem, bool streaming)
    {
        if (streaming && context.Response.HasStarted)
            await WriteEventAsync(context, "error", ProblemResponses.Body(problem, context.Request.Path), CancellationToken.None);
        else
            await ProblemResponses.WriteAsync(context, problem);
    }

    private static async Task WriteEventAsync(HttpContext context, string type, object data, CancellationToken cancellationToken)
    {
        await context.Response.WriteAsync($"event: {type}\ndata: {JsonSerializer.Serialize(data, Json)}\n\n", cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
    }
}
