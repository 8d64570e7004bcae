using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Workbook.Deployment;

namespace Workbook.Tests.Deployment;

/// <summary>The built server run as a separate program, as chapter 14 runs it: started on a free port, stopped by SIGTERM.</summary>
public sealed class ServiceProcessTests(ServingFixture fixture) : IClassFixture<ServingFixture>
{
    private static string ServerDll => Path.Combine(Repository.Root, "serving", "Workbook.Serving", "bin", "Workbook.Serving.dll");

    [LinuxFact]
    public async Task Sigterm_lets_requests_in_flight_finish_then_the_process_exits_cleanly()
    {
        // A 1-second batching wait keeps the first requests in flight while the stop signal arrives.
        await using var service = await ServiceProcess.StartAsync(
            ServerDll,
            ["--model", fixture.PackageFolder, "--batch-max-wait-ms", "1000", "--batch-max-rows", "1000"],
            TimeSpan.FromSeconds(60)
        );
        Assert.Equal("127.0.0.1", service.BaseAddress.Host);
        Assert.NotEqual(0, service.BaseAddress.Port);
        using var client = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var health = await client.GetFromJsonAsync<JsonElement>("/healthz");
        Assert.False(health.GetProperty("gpt2").GetBoolean());

        var rows = fixture.Rows(6);
        var expected = fixture.Classifier.Predict([.. rows.Select(r => (IReadOnlyList<double>)r)]);
        var inFlight = rows.Select(r => client.PostAsJsonAsync("/v1/predict", new { features = r })).ToArray();
        // Wait until the server reports all six in flight (plus the /metrics request asking).
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var seen = 0;
        while ((seen = InFlight(await client.GetStringAsync("/metrics"))) < rows.Length + 1 && waited.Elapsed < TimeSpan.FromSeconds(10))
            await Task.Delay(10);
        Assert.Equal(rows.Length + 1, seen);
        var stop = await service.StopAsync(TimeSpan.FromSeconds(20));
        Assert.True(stop.ExitedGracefully, $"the server had to be killed; its output:\n{string.Join("\n", service.RecentOutput)}");
        Assert.Equal(0, stop.ExitCode);
        Assert.True(stop.StopDuration < TimeSpan.FromSeconds(15), $"stopping took {stop.StopDuration}");
        var answers = await Task.WhenAll(inFlight);
        for (var i = 0; i < rows.Length; i++)
        {
            Assert.Equal(HttpStatusCode.OK, answers[i].StatusCode);
            var body = await answers[i].Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(expected[i].Label, body.GetProperty("label").GetString());
        }
        Assert.Contains(service.RecentOutput, line => line.Contains("Workbook.Serving: stopped."));
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("/healthz"));
    }

    [LinuxFact]
    public async Task The_server_stops_itself_when_the_process_that_started_it_is_gone()
    {
        // The "parent" is a process that ends after a second; the server must notice and shut down, not linger as an orphan.
        using var parent = System.Diagnostics.Process.Start("sleep", "1");
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { ServerDll, "--model", fixture.PackageFolder, "--urls", "http://127.0.0.1:0" })
            info.ArgumentList.Add(a);
        info.Environment[ServiceProcess.ParentProcessIdVariable] = parent.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var server = System.Diagnostics.Process.Start(info)!;
        var output = server.StandardOutput.ReadToEndAsync();
        var errors = server.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await server.WaitForExitAsync(deadline.Token);
        }
        finally
        {
            if (!server.HasExited)
                server.Kill(entireProcessTree: true);
        }
        Assert.True(server.ExitCode == 0, $"exit code {server.ExitCode}: {await output}\n{await errors}");
        Assert.Contains($"the parent process {parent.Id} has exited; shutting down", await output);
    }

    [LinuxFact]
    public async Task A_package_with_absurd_sizes_or_a_null_label_refuses_to_start_in_one_line_naming_the_file_and_field()
    {
        // Before: [2147483647] aborted with rc 134 and C++ frames, [40000000] was killed for memory, a null label started
        // and then answered 500 to every request. Each edit carries a recomputed manifest checksum, as a forgery would.
        (string Edit, string Field)[] cases =
        [
            ("""{"hiddenWidths": [2147483647]}""", "architecture.options.hiddenWidths"),
            ("""{"hiddenWidths": [40000000]}""", "architecture.options.hiddenWidths"),
            ("""{"labels": [null, "benign"]}""", "labels[0]"),
        ];
        foreach (var (edit, field) in cases)
        {
            var folder = DeploymentFixtures.TemporaryFolder("absurd-package");
            try
            {
                Directory.CreateDirectory(folder);
                foreach (var file in Directory.GetFiles(fixture.PackageFolder))
                    File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
                var change = System.Text.Json.Nodes.JsonNode.Parse(edit)!.AsObject();
                DeploymentFixtures.EditManifest(
                    folder,
                    j =>
                    {
                        foreach (var (key, value) in change)
                            if (key == "labels")
                                j[key] = value!.DeepClone();
                            else
                                j["architecture"]!["options"]![key] = value!.DeepClone();
                    }
                );
                var info = new System.Diagnostics.ProcessStartInfo("dotnet")
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                };
                foreach (var a in new[] { ServerDll, "--model", folder, "--urls", "http://127.0.0.1:0" })
                    info.ArgumentList.Add(a);
                using var server = System.Diagnostics.Process.Start(info)!;
                var output = server.StandardOutput.ReadToEndAsync();
                var errors = server.StandardError.ReadToEndAsync();
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                try
                {
                    await server.WaitForExitAsync(deadline.Token);
                }
                finally
                {
                    if (!server.HasExited)
                        server.Kill(entireProcessTree: true);
                }
                var error = (await errors).TrimEnd('\n');
                Assert.True(server.ExitCode == 3, $"{edit}: exit code {server.ExitCode}: {await output}\n{error}");
                Assert.DoesNotContain('\n', error);
                Assert.StartsWith($"Workbook.Serving: cannot start: Model package {folder}: manifest.json ", error);
                Assert.Contains(field, error);
            }
            finally
            {
                if (Directory.Exists(folder))
                    Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static int InFlight(string metrics) =>
        int.Parse(
            metrics.Split('\n').Single(l => l.StartsWith("workbook_http_requests_in_flight ", StringComparison.Ordinal)).Split(' ')[1]
        );

    [LinuxFact]
    public async Task A_server_that_cannot_start_is_reported_with_its_own_error()
    {
        var missing = DeploymentFixtures.TemporaryFolder("no-such-package");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ServiceProcess.StartAsync(ServerDll, ["--model", missing], TimeSpan.FromSeconds(60))
        );
        Assert.Contains("exited with code 3", error.Message);
        Assert.Contains("the folder does not exist", error.Message);
        var usage = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ServiceProcess.StartAsync(ServerDll, ["--model", fixture.PackageFolder, "--batching", "maybe"], TimeSpan.FromSeconds(60))
        );
        Assert.Contains("--batching is 'on' or 'off'", usage.Message);
        await Assert.ThrowsAsync<FileNotFoundException>(() => ServiceProcess.StartAsync(Path.Combine(missing, "x.dll")));
    }
}
