// Generated from notebooks/14-deployment-and-serving.ipynb by tools/notebook-to-app.sh: edit the notebook, then regenerate.
// Run from the repository root: dotnet run apps/14-deployment-and-serving.cs
// The notebook's cells run one after another (each begins at its `// Cell N`); what a cell shows is printed,
// and each chart is written as an HTML page whose path is printed. The native libtorch is chosen when the app is
// built (WORKBOOK_TORCH_BACKEND=cpu|cuda forces one; see apps/Directory.Build.targets).
#:project ../lib/Workbook.csproj
#:property PublishAot=false
#:property ImplicitUsings=disable
#:property Nullable=annotations

using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using TorchSharp;
using static TorchSharp.torch;
using Workbook;
using System.IO;
using System.Net.Http;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workbook.Data;
using Workbook.Deployment;
using Workbook.Gpt2;
using Workbook.Hub;
using Workbook.Models;
using Workbook.Notebook;
using Workbook.Training;
using Workbook.Notebook.Apps;   // .Display() on the console

// # 14 · Deployment and serving
//
// The classic snippet in Python — a model behind a web endpoint in ten lines:
//
// ```python
// import torch
// from flask import Flask, request, jsonify
//
// app = Flask(__name__)
// model = torch.load("model.pt")
//
// @app.route("/predict")
// def predict():
//     x = torch.tensor(request.json["x"])
//     return jsonify(model(x).tolist())
//
// app.run()
// ```
//
// It runs, and it is wrong in nearly every line. This chapter takes the breast-cancer classifier of chapter 03 to a
// real service in C#: a model package (safetensors weights plus a manifest that is checked on load), an ASP.NET Core
// server (`serving/Workbook.Serving`) with validated input, limits, micro-batching, GPT-2 streaming, metrics and a
// graceful shutdown — started from this notebook as a separate process, called over HTTP, load-tested and stopped.
//
// **What you will learn**
// - what is wrong with the classic snippet, line by line, and what each fix looks like;
// - exporting a model as `model.safetensors` plus a `manifest.json` (architecture, input schema, scaler, labels,
//   versions, SHA-256) and refusing a package that was changed after export;
// - what TorchSharp cannot export (ONNX, TorchScript) and the honest alternatives;
// - a production-shaped HTTP API: JSON in, probabilities out, RFC 7807 problem bodies that name the bad field,
//   body-size, concurrency and time limits, server-sent events for GPT-2;
// - running a bounded load test, reading latency percentiles, and what micro-batching buys;
// - stopping a service gracefully: requests in flight finish, new ones are refused.

// Cell 2
// Every chapter starts with this cell. It loads the workbook library (lib/, built by the README's set-up), then
// TorchSharp, the native libtorch for this machine (CUDA when an NVIDIA GPU is present; WORKBOOK_TORCH_BACKEND=cpu|cuda
// forces either) and the library's packages at the versions the repository pins — one line of output, not a list per package.
// In the notebook: #r "../lib/bin/Workbook.dll" (here the #:project line at the top)
// Notebook only: using Microsoft.DotNet.Interactive; (an app's .Display() comes from Workbook.Notebook.Apps)
// In the notebook: await Workbook.Notebook.ChapterSetup.LoadAsync(Kernel.Root);
// An app cannot add packages while it runs: its build chose the native libtorch (apps/Directory.Build.targets).
Workbook.Notebook.AppSetup.Load();

// Cell 3
var device = Workbook.Notebook.ChapterSetup.Device;   // chosen by the first cell

// JSON request bodies for HttpClient (System.Net.Http.Json's helpers are not referenced by the notebook kernel).
HttpContent JsonBody(object value) => new StringContent(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");
async Task<JsonElement> ReadJson(HttpResponseMessage response) =>
    JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

// ## What is wrong with the classic snippet
//
// | line | the mistake | what goes wrong | the fix in this chapter |
// |---|---|---|---|
// | `torch.load("model.pt")` | unpickling | a `.pt` file is a Python pickle: loading it **runs code** chosen by whoever wrote the file (PyTorch ≥ 2.6 defaults to `weights_only=True` for this reason); it also needs the model's Python class importable under the same name | weights as **safetensors** (tensors only, nothing executable) + the architecture in a JSON manifest, rebuilt by the same C# model code |
// | `torch.load` | no checksum, no versions | a half-copied or edited file loads silently | the manifest records the SHA-256 and length of the weights and the library versions; loading checks them |
// | (missing) | no `model.eval()` | dropout stays on and batch norm uses the batch's statistics: the same input gives different answers | `ModelPackage.Load` returns a model in eval mode |
// | `model(x)` | no `torch.no_grad()` | every request builds an autograd graph it never uses: memory and time for nothing | `TabularClassifier.Predict` runs under `no_grad` in a dispose scope |
// | `torch.tensor(request.json["x"])` | no scaler | the model was trained on standardised features; raw features give confident nonsense, and no error | the scaler's mean and scale are in the manifest and applied by the server |
// | same | no validation | a wrong-length row is a 500 with a stack trace (or broadcasts silently), a string crashes, NaN flows through; a client sending whole numbers (`[17, 20, …]`) makes an int64 tensor that the float model rejects with a 500 | each field checked: 400 with an RFC 7807 body naming the field (`features[3]`) |
// | `.tolist()` | logits, not answers | the client gets unnormalised scores and must know the class order | softmax probabilities keyed by label, plus the label |
// | `@app.route("/predict")` | GET only | a client POSTing JSON gets 405 | `POST /v1/predict` (versioned, so v2 can change the contract) |
// | `app.run()` | the development server | Flask's docs say not to use it in production: no body-size limit (`MAX_CONTENT_LENGTH` unset), no concurrency limit, no timeouts, no graceful shutdown, no health check or metrics | Kestrel with a body limit (413), a concurrency limit with a bounded queue (429), deadlines (504), `/healthz`, `/metrics`, SIGTERM handled |
//
// ## The model to serve
//
// The classifier of chapter 03: breast-cancer features standardised with a scaler fitted on the training split only,
// 30 → 32 → 2, trained by the library's `Trainer`.

// Cell 5
var cancer = Datasets.LoadBreastCancer();
var (cancerTrain, cancerTest) = TrainTestSplit.Split(cancer, testSize: 0.2, seed: 0, stratify: true);
var scaler = new StandardScaler().Fit(cancerTrain.Features);          // training statistics only
var xTrain = TensorConversion.ToFloat32(scaler.Transform(cancerTrain.Features), device);
var xTest = TensorConversion.ToFloat32(scaler.Transform(cancerTest.Features), device);
var (_, yTrain) = cancerTrain.ToTensors(device);
var (_, yTest) = cancerTest.ToTensors(device);

torch.manual_seed(0);
var classifier = new SimpleModel(new SimpleModelOptions(Inputs: cancer.FeatureCount, HiddenWidths: [32], Outputs: 2,
                                                        Dropout: 0.1)).to(device);
var trainer = new Trainer(classifier, torch.optim.Adam(classifier.parameters(), lr: 0.003), nn.CrossEntropyLoss(),
                          new TrainingOptions(Epochs: 30, Seed: 0));
trainer.Metrics["accuracy"] = EpochMetrics.Accuracy;
var history = trainer.Fit(xTrain, yTrain);                               // fixed recipe, nothing to choose: no validation split needed
classifier.eval();
double testAccuracy;
// the test split, looked at once, after training
using (torch.no_grad()) testAccuracy = EpochMetrics.Accuracy(classifier.call(xTest), yTest);
Console.WriteLine($"{classifier.Options}: test accuracy {testAccuracy:P1} after {history.Epochs.Count} epochs");

// ## Export: a model package
//
// `ModelPackage.Export` writes two files into a folder. `model.safetensors` holds the parameters and buffers by name
// (the format Hugging Face uses: a JSON header, then raw little-endian tensors — it cannot run code). `manifest.json`
// holds what the weights alone do not say: how to rebuild the network, which 30 columns a request must send in which
// order, the scaler, the label of each output, the versions that wrote it, the SHA-256 of the weights, and a SHA-256
// of the manifest's own content (`manifestSha256`), so an edited label or scaler is caught like a flipped weight.
// Each file is written to a temporary name and renamed (atomic), the manifest last: a reader sees a complete package
// or a checksum mismatch, never a silent mix of old and new.

// Cell 7
var packageFolder = Path.Combine(Path.GetTempPath(), "workbook-09-breast-cancer-package");
var manifest = ModelPackage.Export(packageFolder, classifier, scaler, cancer.FeatureNames, cancer.ClassNames,
    description: $"Chapter 14: breast cancer (Wisconsin diagnostic), test accuracy {testAccuracy:P1}");
new Table(["file", "bytes"], Directory.GetFiles(packageFolder).Order().Select(f => Table.Row(Path.GetFileName(f),
    $"{new FileInfo(f).Length:N0}"))).Display();

// The manifest, with the 30-number lists shortened for display.
var shown = JsonNode.Parse(manifest.ToJson())!;
foreach (var (parent, key) in new[] { ("inputSchema", "featureNames"), ("featureScaling", "mean"), ("featureScaling", "scale") })
{
    var list = shown[parent]![key]!.AsArray();
    var head = list.Take(3).Select(n => n!.DeepClone()).Append(JsonValue.Create($"… {list.Count - 3} more")).ToArray();
    shown[parent]![key] = new JsonArray(head);
}
Console.WriteLine(shown.ToJsonString(new JsonSerializerOptions { WriteIndented = true,
    Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));

// ### Load it back and check it
//
// `ModelPackage.Load` reads the manifest and checks its own checksum, checks that its parts agree (feature count =
// names = scaler = model inputs; one label per output), hashes the weights and compares with the manifest, compares
// every tensor name and shape in the weights' header with the architecture *before* allocating anything, builds the
// network without random initialisation, loads, and switches to eval mode. The loaded classifier must give the same
// probabilities as the model in memory on the test set. Then the same package with one bit of one weight flipped:

// Cell 9
var loaded = ModelPackage.Load(packageFolder);
var testRows = Enumerable.Range(0, cancerTest.SampleCount)
    .Select(i => Enumerable.Range(0, cancer.FeatureCount).Select(j => cancerTest.Features[i, j]).ToArray()).ToArray();
var packaged = loaded.Predict(testRows.Select(r => (IReadOnlyList<double>)r).ToList());
float[] inMemory;
classifier.eval();
using (torch.no_grad()) inMemory = classifier.call(xTest).softmax(1).cpu().data<float>().ToArray();
var largestDifference = packaged.Select((p, i) => Math.Max(Math.Abs(p.Probabilities[0] - inMemory[2 * i]),
                                                           Math.Abs(p.Probabilities[1] - inMemory[2 * i + 1]))).Max();
var packagedAccuracy = packaged.Select((p, i) => p.LabelIndex == cancerTest.Labels[i] ? 1.0 : 0.0).Average();
Console.WriteLine($"reloaded: {loaded.FeatureCount} features, labels {string.Join("/", loaded.Labels)}; " +
                  $"test accuracy {packagedAccuracy:P1}; " +
                  $"largest probability difference vs the model in memory: {largestDifference:G3}");

var tampered = Path.Combine(Path.GetTempPath(), "workbook-09-tampered-package");
Directory.CreateDirectory(tampered);
foreach (var file in Directory.GetFiles(packageFolder)) File.Copy(file, Path.Combine(tampered, Path.GetFileName(file)), overwrite: true);
var weightBytes = File.ReadAllBytes(Path.Combine(tampered, "model.safetensors"));
weightBytes[^5] ^= 0x01;
File.WriteAllBytes(Path.Combine(tampered, "model.safetensors"), weightBytes);
try { ModelPackage.Load(tampered); Console.WriteLine("loaded?!"); }
catch (ModelPackageException e) { Console.WriteLine($"refused: {e.Message}"); }

// ## What TorchSharp does not offer — and the honest alternatives
//
// PyTorch users have two more ways out of Python. Neither exists for a model written in C#:
//
// - **ONNX export** (`torch.onnx.export`) traces a Python model into an ONNX graph. TorchSharp has no exporter.
// - **TorchScript** (`torch.jit.trace` / `torch.jit.script`) turns a Python module into a serialised program.
//   TorchSharp cannot trace or script a C# module. It *can* load one saved by Python (`torch.jit.load`), and run it —
//   useful when the model comes from Python, not when it was written here.
//
// What works, honestly:
//
// 1. **safetensors + the same C# model code** (this chapter): the server references the library that defines
//    `SimpleModel`, so "the graph" is the compiled class, and the weights are data. Versioned together, this is the
//    simplest path with no conversion step to get wrong.
// 2. **ONNX via Python**: rebuild the same architecture in PyTorch (a few lines for an MLP), load `model.safetensors`
//    into it (`safetensors.torch.load_file` — the names match), call `torch.onnx.export`, and compare outputs on a
//    few rows. The manifest tells you the architecture and the scaler.
// 3. **Serving ONNX from .NET**: `Microsoft.ML.OnnxRuntime` runs ONNX models without TorchSharp or libtorch (smaller
//    deployments, other hardware back-ends). That is the route for models that arrive as ONNX.
//
// ## The service
//
// `serving/Workbook.Serving` is a small ASP.NET Core program (the shared framework; no extra web package) that
// references `lib/`:
//
// | endpoint | what it does |
// |---|---|
// | `POST /v1/predict` | `{"features": [30 numbers]}` → `{"label", "labelIndex", "probabilities": {label: p}}`; `{"instances": [[…], …]}` → `{"predictions": […]}` |
// | `POST /v1/generate` | `{"prompt", "maxNewTokens", "doSample", "temperature", "topK", "topP", "repetitionPenalty", "seed", "stream"}`; JSON, or server-sent events with `"stream": true` or `Accept: text/event-stream` |
// | `GET /healthz` | 200 when the models are loaded (what a load balancer or orchestrator polls) |
// | `GET /metrics` | request counts by endpoint and status, latency quantiles, batch counters — Prometheus text format |
//
// Limits are command-line options (`--help` lists them): body size (413), rows per request, concurrent requests with
// a bounded queue (429 beyond it), deadlines for predict and generate (504; generation also stops when the client
// disconnects), and micro-batching on or off. On SIGTERM it stops accepting connections, finishes the requests in
// flight, answers 503 to any request that still arrives, drains the batcher and exits.
//
// `ServiceProcess` starts it as a child process on 127.0.0.1 with port 0 — the operating system picks a free port and
// the server prints it — and returns once `/healthz` answers (or fails with the server's own last lines). First, a
// GPT-2 for the generate endpoint: the real `openai-community/gpt2` if it is already in the Hugging Face cache
// (chapter 10 downloads it; this chapter never does), else the small GPT the workbook ships in `data/models/kjv-gpt`
// (trained on the King James Bible; chapter 10 uses it offline too). The server takes either folder as it is: config,
// weights and the folder's own tokenizer files.

// Cell 11
string gpt2Folder;
using (var hub = new HubClient())
{
    var choice = Gpt2ModelChoice.FromCache(hub);                          // never downloads: the cache, else the shipped small model
    Console.WriteLine(choice.Message);
    gpt2Folder = choice.Folder;
}

var serverDll = Path.GetFullPath(Path.Combine("..", "serving", "Workbook.Serving", "bin", "Workbook.Serving.dll"));
var service = await ServiceProcess.StartAsync(serverDll, ["--model", packageFolder, "--gpt2", gpt2Folder],
                                              startTimeout: TimeSpan.FromSeconds(90));
var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
Console.WriteLine($"process {service.ProcessId} listening on {service.BaseAddress}");
Console.WriteLine(await http.GetStringAsync("/healthz"));

// ## Calling it
//
// One row, then a batch of three. The answers must equal the in-process predictor's: the server runs the same
// package.

// Cell 13
var single = await http.PostAsync("/v1/predict", JsonBody(new { features = testRows[0] }));
Console.WriteLine($"{(int)single.StatusCode}: {await single.Content.ReadAsStringAsync()}");
Console.WriteLine($"in-process: {packaged[0].Label}, p = [{string.Join(", ", packaged[0].Probabilities.Select(p => p.ToString("G6")))}]");

var batch = await http.PostAsync("/v1/predict", JsonBody(new { instances = testRows[1..4] }));
var predictions = (await ReadJson(batch)).GetProperty("predictions");
new Table(["row", "server label", "server p(benign)", "in-process p(benign)", "true label"],
    predictions.EnumerateArray().Select((p, i) => Table.Row(
        $"{i + 1}", p.GetProperty("label").GetString()!, $"{p.GetProperty("probabilities").GetProperty("benign").GetDouble():F6}",
        $"{packaged[i + 1].Probabilities[1]:F6}", cancer.ClassNames[cancerTest.Labels[i + 1]]))).Display();

// ### A bad request
//
// What Python's `json.dumps` writes for a missing measurement — a bare `NaN`, which is not JSON — and a row with one
// value too many. Each answer is a 400 with an `application/problem+json` body whose `errors` names the field:

// Cell 15
async Task ShowProblem(string body)
{
    var response = await http.PostAsync("/v1/predict", new StringContent(body, Encoding.UTF8, "application/json"));
    Console.WriteLine($"{(int)response.StatusCode} {response.Content.Headers.ContentType?.MediaType}");
    Console.WriteLine(await response.Content.ReadAsStringAsync());
}
var withNaN = "{\"features\": [" + string.Join(", ",
    testRows[0].Take(5).Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture))) + ", NaN" +
              string.Concat(testRows[0].Skip(6).Select(v => ", " + v.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]}";
await ShowProblem(withNaN);
await ShowProblem(JsonSerializer.Serialize(new { features = testRows[0].Append(1.0) }));

// ## Streaming GPT-2 with server-sent events
//
// With `"stream": true` the server answers `text/event-stream`: one `token` event per piece of text as soon as it is
// generated, then a `done` event with the whole completion. `ServerSentEventReader` yields each event as it arrives,
// so the text below appears piece by piece (sampled with top-p 0.9 and a fixed seed, so every run prints the same
// text).

// Cell 17
var generateRequest = new HttpRequestMessage(HttpMethod.Post, "/v1/generate")
{
    Content = JsonBody(new { prompt = "The doctor looked at the scan and", maxNewTokens = 24, doSample = true, seed = 7, topP = 0.9,
                            stream = true }),
};
var streamed = await http.SendAsync(generateRequest, HttpCompletionOption.ResponseHeadersRead);
Console.WriteLine($"{(int)streamed.StatusCode} {streamed.Content.Headers.ContentType?.MediaType}");
Console.Write("The doctor looked at the scan and");
var events = 0;
await foreach (var e in ServerSentEventReader.ReadAsync(await streamed.Content.ReadAsStreamAsync()))
{
    events++;
    if (e.Event == "token") Console.Write(JsonDocument.Parse(e.Data).RootElement.GetProperty("text").GetString());
    else Console.WriteLine($"\n[{e.Event} after {events} events]");
}

// ## A bounded load test: micro-batching on and off
//
// `LoadGenerator` sends a fixed number of requests with a fixed number in flight (closed loop: each of the 16 workers
// sends its next request when the previous one is answered), under an overall time limit, to loopback addresses only.
// It records each request's latency; `LatencyStatistics` summarises them. The mean hides the tail: p99 is what the
// slowest 1 % of users wait.
//
// **Micro-batching**: with batching on, one worker runs the model; the rows of every request that arrived while it
// was busy (up to 64) go through the next forward pass together. It adds no waiting of its own (`--batch-max-wait-ms
// 0`, the default, like Triton's dynamic batcher): an idle server answers at once, a busy one batches by itself. A
// forward pass over 16 rows costs little more than over one, so under concurrent load this means fewer, fuller
// passes. The same load, against a second server started with `--batching off` (every request runs its own pass, on
// whichever thread serves it):

// Cell 19
Task<LoadTestResult> RunLoad(HttpClient client, string name, int requests = 2000, int concurrency = 16) => LoadGenerator.RunAsync(client,
    i => new HttpRequestMessage(HttpMethod.Post, "/v1/predict") { Content = JsonBody(new { features = testRows[i % testRows.Length] }) },
    new LoadTestOptions(RequestCount: requests, Concurrency: concurrency, TimeLimit: TimeSpan.FromSeconds(30)), name);

await RunLoad(http, "warm-up", requests: 300);                            // first requests pay for JIT and allocations
var batchedResult = await RunLoad(http, "batching on");
var unbatched = await ServiceProcess.StartAsync(serverDll, ["--model", packageFolder, "--batching", "off"],
                                                startTimeout: TimeSpan.FromSeconds(90));
var unbatchedHttp = new HttpClient { BaseAddress = unbatched.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
await RunLoad(unbatchedHttp, "warm-up", requests: 300);
var unbatchedResult = await RunLoad(unbatchedHttp, "batching off");
var sequentialResult = await RunLoad(unbatchedHttp, "off, one at a time", requests: 500, concurrency: 1);
LoadTestResult[] loadResults = [batchedResult, unbatchedResult, sequentialResult];
LoadTestResult.Table(loadResults, caption: $"2000 requests at concurrency 16 (500 one at a time), {Environment.ProcessorCount} cores, " +
                                           "loopback").Display();
Console.WriteLine($"this run, batching on vs off at concurrency 16: {batchedResult.Throughput / unbatchedResult.Throughput:F2}× the " +
                  "throughput, " +
                  $"median {batchedResult.Latency!.P50Ms:F1} vs {unbatchedResult.Latency!.P50Ms:F1} ms, " +
                  $"p99 {batchedResult.Latency!.P99Ms:F1} vs {unbatchedResult.Latency!.P99Ms:F1} ms");
Charts.LatencyPercentiles(loadResults, "latency percentiles").Display();
Charts.Throughput(loadResults, "throughput").Display();

// How to read it: one request at a time shows the floor — JSON parsing, one small forward pass, loopback HTTP — with
// no queueing. At concurrency 16 latency grows because requests wait for the cores. Without batching, 16 requests
// mean 16 separate forward passes, each paying libtorch's per-call overhead (dispatch, allocation, its thread pool)
// for a 30 × 32 matrix product that itself takes microseconds, though two of them can run at once on two cores; with
// batching, the rows of the requests that arrive together share one pass on one worker — the batch counters below
// show how many rows each pass carried. For this tiny model most of the time is HTTP and JSON, so the difference is
// modest whichever way it goes; the line under the table gives this run's ratio, medians and p99s. The tail is the
// least predictable part: the request that waits behind a full pass pays for it, and on a shared machine a single
// stall moves p99 more than batching does. A *fixed* wait for a batch to fill (`--batch-max-wait-ms 2`, exercise 3)
// adds up to 2 ms to requests whose pass costs far less, so on this model it has little to gain and a lot to lose —
// the exercise measures it. Batching pays most when one forward pass is expensive (large models, GPUs) and requests
// arrive together. One run on one machine decides nothing: measure on your own hardware, under your own load, before
// choosing a setting.

// Cell 21
string[] MetricLines(string text, params string[] prefixes) =>
    text.Split('\n').Where(l => prefixes.Any(p => l.StartsWith(p, StringComparison.Ordinal))).ToArray();
var metricsText = await http.GetStringAsync("/metrics");
foreach (var line in MetricLines(metricsText, "workbook_http_requests_total",
                                 "workbook_http_request_duration_seconds{endpoint=\"/v1/predict\"", "workbook_predict_"))
    Console.WriteLine(line);
var batches = double.Parse(MetricLines(metricsText, "workbook_predict_batches_total")[0].Split(' ')[1],
                           System.Globalization.CultureInfo.InvariantCulture);
var batchedRows = double.Parse(MetricLines(metricsText, "workbook_predict_batched_rows_total")[0].Split(' ')[1],
                               System.Globalization.CultureInfo.InvariantCulture);
Console.WriteLine($"→ {batchedRows / batches:F1} rows per forward pass on average with batching on");

// ## Stopping gracefully
//
// `StopAsync` sends SIGTERM, waits up to the grace period, and kills only if the service is still running. Two
// requests are sent first and left in flight: they must still be answered.

// Cell 23
var lastRequests = testRows[..2].Select(r => http.PostAsync("/v1/predict", JsonBody(new { features = r }))).ToArray();
var stopResults = new[] { await service.StopAsync(TimeSpan.FromSeconds(15)), await unbatched.StopAsync(TimeSpan.FromSeconds(15)) };
var lastAnswers = await Task.WhenAll(lastRequests);
Console.WriteLine($"in flight during shutdown: {string.Join(", ", lastAnswers.Select(a => (int)a.StatusCode))}");
foreach (var (name, result) in new[] { "with GPT-2", "batching off" }.Zip(stopResults))
    Console.WriteLine($"{name}: exit code {result.ExitCode}, graceful {result.ExitedGracefully}, " +
                      $"stopped in {result.StopDuration.TotalMilliseconds:F0} ms");
try { await http.GetAsync("/healthz"); Console.WriteLine("still answering?!"); }
catch (HttpRequestException e) { Console.WriteLine($"after shutdown: {e.Message}"); }
Console.WriteLine($"last lines of the server: {string.Join(" | ", service.RecentOutput.TakeLast(2))}");
http.Dispose();
unbatchedHttp.Dispose();
await service.DisposeAsync();
await unbatched.DisposeAsync();
loaded.Dispose();

// ## Exercises
//
// 1. Start the server from a terminal (`dotnet serving/Workbook.Serving/bin/Workbook.Serving.dll --model <package>
//    --urls http://127.0.0.1:5005`) and call it with `curl`. Send a body larger than `--max-body-bytes`; which status
//    and problem body come back?
//    <details><summary>Hint</summary>
//
//    Use `packageFolder` from the export cell (`Console.WriteLine(packageFolder)` shows where it is). The quickest
//    oversized body is a normal one against a small limit: add `--max-body-bytes 100` to the command and send one row
//    (`{"features": [...]}` with 30 numbers) saved in `row.json`:
//    ```bash
//    curl -i -X POST http://127.0.0.1:5005/v1/predict -H 'Content-Type: application/json' --data-binary @row.json
//    ```
//    Expect `413` with an `application/problem+json` body whose `detail` gives the body's size and the limit and says
//    what to do (fewer rows, or a larger `--max-body-bytes`).
//    </details>
// 2. Start it with `--max-concurrency 2 --max-queue 0` and run the load test at concurrency 16. How many requests get
//    429? Why is a bounded queue with fast rejection better than an unbounded one when the service is overloaded?
//    <details><summary>Hint</summary>
//
//    `ServiceProcess.StartAsync(serverDll, ["--model", packageFolder, "--max-concurrency", "2", "--max-queue", "0"])`
//    and `RunLoad` against it. With two permits and no queue, every request that arrives while two are being served
//    is answered 429 at once: `result.Failed` and `result.Errors` count them (the exact number depends on timing). An
//    unbounded queue accepts work it cannot finish in time: latency grows without limit, clients time out while the
//    server still computes their answers, and memory grows. A fast 429 costs almost nothing and tells the client (or
//    a load balancer) to retry later or elsewhere.
//    </details>
// 3. Start the batching server with `--batch-max-wait-ms 2`, then 20, and run the load test again. What happens to
//    p50, to rows per batch, and to throughput? Where is the sweet spot on your machine?
//    <details><summary>Hint</summary>
//
//    Start the server with `"--batch-max-wait-ms", "2"` (then `"20"`), run `RunLoad`, and read p50, throughput and
//    `workbook_predict_batched_rows_total / workbook_predict_batches_total` from `/metrics` as the metrics cell does.
//    A batch runs when 64 rows wait or when the wait has passed since its first row, and 16 closed-loop workers can
//    never supply 64 one-row requests: each pass waits the whole time. So expect rows per batch near 16, p50 of at
//    least about the wait, and throughput of at most about 16 requests per wait (800 per second at 20 ms).
//    </details>
// 4. Export the package, then change one number of `featureScaling.mean` in `manifest.json` by hand. Does the package
//    still load? Should it — what does the manifest's own checksum protect, and what can it not protect against?
//    <details><summary>Hint</summary>
//
//    Edit the number with any text editor, then call `ModelPackage.Load(packageFolder)`. It is refused, naming
//    `manifest.json`: besides the weights' length and SHA-256, the manifest carries `manifestSha256`, a hash of all
//    its other fields (`ModelPackageManifest.ContentSha256`: the record serialised canonically without that field),
//    and `ModelPackage.ReadManifest` recomputes it. Without it the consistency checks (counts of names, scaler
//    entries, inputs and labels) would still agree and every prediction would shift one feature silently; read
//    `ContentSha256` and `ReadManifest` for how the library does it. What a hash inside the file cannot stop is a
//    deliberate edit that recomputes it: against that only a signature helps, made with a key the editor does not
//    have.
//    </details>
// 5. Rebuild the classifier in PyTorch, load `model.safetensors` into it with `safetensors.torch.load_file`, export
//    it with `torch.onnx.export`, and compare its probabilities with the server's on the test rows.
//    <details><summary>Hint</summary>
//
//    The names in `model.safetensors` are `layers.fc1.weight` [32, 30], `layers.fc1.bias`, `layers.out.weight` [2,
//    32] and `layers.out.bias`, so `nn.Sequential(OrderedDict(fc1=nn.Linear(30, 32), act1=nn.ReLU(),
//    drop1=nn.Dropout(0.1), out=nn.Linear(32, 2)))` inside a module attribute called `layers` loads with
//    `load_state_dict(load_file(...))`. Call `eval()`, apply the manifest's scaler ((x − mean) / scale) before the
//    model and a softmax after it, then `torch.onnx.export(model, torch.zeros(1, 30), "model.onnx")`. Compare with
//    the server's probabilities on the test rows: expect agreement to float32 rounding (about 10⁻⁶).
//    </details>
//
// ## Playground

// Cell 25
// Your experiments here: packageFolder, loaded (disposed above: reload with ModelPackage.Load), testRows, serverDll and
// gpt2Folder are defined.
ModelPackage.ReadManifest(packageFolder).Versions.Display();

// --- **Previous:** [13 · wav2vec2 speech recognition](13-wav2vec2-speech-recognition.ipynb) · **Next:** [15 · Model
// compression](15-model-compression.ipynb) · [Chapter list](../README.md#chapters)
