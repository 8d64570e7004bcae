using System.Net;
using Workbook.Hub;

namespace Workbook.Tests.Hub;

/// <summary>Redirects, resumed and corrupted downloads, progress, cancellation.</summary>
public class HubDownloadTests : HubTest
{
    private static readonly FakeFile Weights = FakeFile.Random("model.safetensors", 200_000, lfs: true, seed: 3);

    [Fact]
    public async Task An_LFS_file_comes_from_the_CDN_it_redirects_to_and_the_token_stays_with_the_hub()
    {
        Hub.AddRepo("org/private", "hf_secret", Weights);
        Hub.CdnBase = $"http://localhost:{Hub.Port}"; // another origin than 127.0.0.1
        using var client = Client(token: "hf_secret");

        var path = await client.DownloadFileAsync("org/private", "model.safetensors");

        Assert.Equal(Weights.Content, File.ReadAllBytes(path));
        var requests = Hub.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.Equal(
            ("HEAD", "/org/private/resolve/main/model.safetensors", "Bearer hf_secret"),
            (requests[0].Method, requests[0].Path, requests[0].Authorization)
        );
        Assert.Equal(("GET", "/cdn/" + Weights.Sha256, (string?)null), (requests[1].Method, requests[1].Path, requests[1].Authorization));
    }

    [Fact]
    public async Task A_download_cut_off_mid_file_keeps_the_partial_and_the_next_call_resumes_with_a_range()
    {
        Hub.AddRepo("gpt2", Weights);
        Hub.CutAfterBytes = 70_000;
        Hub.Cuts = 1;
        using var client = Client(maxRetries: 0);

        var broken = await Assert.ThrowsAsync<HubException>(() => client.DownloadFileAsync("gpt2", "model.safetensors"));
        Assert.Equal(HubErrorKind.Interrupted, broken.Kind);
        Assert.Contains("'model.safetensors' of 'gpt2'", broken.Message);
        Assert.Contains("resumes", broken.Message);
        var partial = Path.Combine(Cache.Root, "models--gpt2", "blobs", Weights.Sha256 + ".incomplete");
        Assert.Equal(70_000, new FileInfo(partial).Length);

        var path = await client.DownloadFileAsync("gpt2", "model.safetensors");

        Assert.Equal(Weights.Content, File.ReadAllBytes(path));
        Assert.False(File.Exists(partial));
        Assert.Equal([null, "bytes=70000-"], Hub.RequestsTo("/cdn/").Select(r => r.Range));
    }

    [Fact]
    public async Task Broken_connections_are_resumed_automatically_within_the_retries()
    {
        Hub.AddRepo("gpt2", Weights);
        Hub.CutAfterBytes = 60_000;
        Hub.Cuts = 2;
        using var client = Client(maxRetries: 3);
        var progress = new ProgressLog();

        var path = await client.DownloadFileAsync("gpt2", "model.safetensors", progress: progress);

        Assert.Equal(Weights.Content, File.ReadAllBytes(path));
        Assert.Equal([null, "bytes=60000-", "bytes=120000-"], Hub.RequestsTo("/cdn/").Select(r => r.Range));
        Assert.Equal(new DownloadProgress("model.safetensors", 200_000, 200_000), progress.Reports[^1]);
        Assert.All(progress.Reports, p => Assert.Equal(200_000, p.TotalBytes));
        Assert.Contains(progress.Reports, p => p.BytesDone == 120_000); // each resume starts from the bytes on disk
    }

    [Fact]
    public async Task A_server_that_ignores_the_range_sends_the_whole_file_and_it_is_written_afresh()
    {
        Hub.AddRepo("gpt2", Weights);
        Hub.CutAfterBytes = 50_000;
        Hub.Cuts = 1;
        using var client = Client(maxRetries: 0);
        await Assert.ThrowsAsync<HubException>(() => client.DownloadFileAsync("gpt2", "model.safetensors"));

        Hub.IgnoreRange = true;
        var path = await client.DownloadFileAsync("gpt2", "model.safetensors");

        Assert.Equal(Weights.Content, File.ReadAllBytes(path));
        Assert.Equal("bytes=50000-", Hub.RequestsTo("/cdn/")[^1].Range);
    }

    [Fact]
    public async Task A_corrupted_LFS_file_fails_the_sha256_check_names_both_hashes_and_is_deleted()
    {
        Hub.AddRepo("gpt2", Weights);
        Hub.CorruptBody = true;
        using var client = Client();

        var error = await Assert.ThrowsAsync<HubException>(() => client.DownloadFileAsync("gpt2", "model.safetensors"));

        Assert.Equal(HubErrorKind.IntegrityMismatch, error.Kind);
        Assert.Equal(("gpt2", "model.safetensors"), (error.RepoId, error.FileName));
        Assert.Contains($"expected {Weights.Sha256}, got ", error.Message);
        Assert.Contains("'model.safetensors' of 'gpt2'", error.Message);
        Assert.Empty(Directory.GetFiles(Path.Combine(Cache.Root, "models--gpt2", "blobs")));
        Assert.Null(client.TryGetCachedFile("gpt2", "model.safetensors"));

        Hub.CorruptBody = false;
        Assert.Equal(Weights.Content, File.ReadAllBytes(await client.DownloadFileAsync("gpt2", "model.safetensors")));
    }

    [Fact]
    public async Task A_git_file_with_a_sha1_etag_is_not_checked_by_sha256()
    {
        var readme = new FakeFile("README.md", "# GPT-2\n"u8.ToArray(), Lfs: false);
        Hub.AddRepo("gpt2", readme);
        Hub.CorruptBody = true; // a git file's ETag is a git sha1: nothing to compare a sha256 with
        using var client = Client();

        var path = await client.DownloadFileAsync("gpt2", "README.md");

        Assert.Equal(readme.Content.Length, File.ReadAllBytes(path).Length);
        Assert.EndsWith(readme.GitSha1, new FileInfo(path).LinkTarget ?? Path.Combine("blobs", readme.GitSha1));
    }

    [Fact]
    public async Task Cancellation_stops_a_stalled_download_keeps_the_partial_file_and_the_next_call_resumes()
    {
        Hub.AddRepo("gpt2", Weights);
        Hub.StallAfterBytes = 80_000;
        using var client = Client();
        using var cancel = new CancellationTokenSource();

        var download = client.DownloadFileAsync("gpt2", "model.safetensors", cancellationToken: cancel.Token);
        await Hub.Stalled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(200);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => download);

        var partial = Path.Combine(Cache.Root, "models--gpt2", "blobs", Weights.Sha256 + ".incomplete");
        var kept = new FileInfo(partial).Length;
        Assert.InRange(kept, 0, 80_000);
        Hub.StallAfterBytes = null;
        Assert.Equal(Weights.Content, File.ReadAllBytes(await client.DownloadFileAsync("gpt2", "model.safetensors")));
        Assert.Equal(kept > 0 ? $"bytes={kept}-" : null, Hub.RequestsTo("/cdn/")[^1].Range);
    }

    [Fact]
    public async Task Progress_goes_from_zero_to_the_total_and_renders_as_a_progress_bar()
    {
        Hub.AddRepo("gpt2", Weights);
        using var client = Client();
        var progress = new ProgressLog();

        await client.DownloadFileAsync("gpt2", "model.safetensors", progress: progress);

        Assert.Equal(new DownloadProgress("model.safetensors", 0, 200_000), progress.Reports[0]);
        Assert.True(progress.Reports[^1].IsComplete);
        Assert.Equal(progress.Reports.Select(p => p.BytesDone).Order(), progress.Reports.Select(p => p.BytesDone));
        var bar = new DownloadProgress("model.safetensors", 100_000_000, 548_105_171).ToProgressBar();
        Assert.Equal(("model.safetensors (MB)", 100, 548), (bar.Label, bar.Done, bar.Total));
        Assert.Equal(
            ("config.json (kB)", 1, 1),
            (new DownloadProgress("config.json", 665, 665).ToProgressBar() is var small ? (small.Label, small.Done, small.Total) : default)
        );
        Assert.Equal(
            "model.safetensors 100.0/548.1 MB (18%)",
            new DownloadProgress("model.safetensors", 100_000_000, 548_105_171).ToString()
        );
    }

    [Fact]
    public async Task Missing_files_and_repositories_are_404s_that_name_both()
    {
        Hub.AddRepo("gpt2", Weights);
        using var client = Client();

        var file = await Assert.ThrowsAsync<HubException>(() => client.DownloadFileAsync("gpt2", "pytorch_model.bin"));
        Assert.Equal((HubErrorKind.NotFound, HttpStatusCode.NotFound), (file.Kind, file.StatusCode));
        Assert.Contains("File 'pytorch_model.bin' was not found in repository 'gpt2' at revision 'main'", file.Message);

        var repo = await Assert.ThrowsAsync<HubException>(() => client.DownloadFileAsync("nobody/gpt3", "config.json"));
        Assert.Equal(HubErrorKind.NotFound, repo.Kind);
        Assert.Contains("Repository 'nobody/gpt3' was not found", repo.Message);
        Assert.Contains("'config.json'", repo.Message);
        Assert.Contains("HF_TOKEN", repo.Message);

        var revision = await Assert.ThrowsAsync<HubException>(() => client.DownloadFileAsync("gpt2", "model.safetensors", revision: "v9"));
        Assert.Contains("Revision 'v9' was not found in repository 'gpt2'", revision.Message);
        Assert.Empty(Directory.GetFiles(Cache.Root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_gated_repository_answers_401_without_a_token_and_403_with_a_wrong_one_and_the_messages_say_HF_TOKEN()
    {
        Hub.AddRepo("meta/gated", "hf_right", Weights);

        using (var anonymous = Client())
        {
            var error = await Assert.ThrowsAsync<HubException>(() => anonymous.DownloadFileAsync("meta/gated", "model.safetensors"));
            Assert.Equal((HubErrorKind.Unauthorized, HttpStatusCode.Unauthorized), (error.Kind, error.StatusCode));
            Assert.Contains("Repository 'meta/gated' is gated", error.Message);
            Assert.Contains("no token was sent", error.Message);
            Assert.Contains("HF_TOKEN", error.Message);
        }
        using (var wrong = Client(token: "hf_wrong"))
        {
            var error = await Assert.ThrowsAsync<HubException>(() => wrong.DownloadFileAsync("meta/gated", "model.safetensors"));
            Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
            Assert.Contains("the token that was sent (HF_TOKEN or HubOptions.Token) does not give access", error.Message);
        }
        using var right = Client(token: "hf_right");
        Assert.Equal(Weights.Content, File.ReadAllBytes(await right.DownloadFileAsync("meta/gated", "model.safetensors")));
    }

    [Fact]
    public async Task An_unreachable_hub_says_so_and_how_to_work_offline()
    {
        using var client = Client(ClosedPort.Endpoint());

        var error = await Assert.ThrowsAsync<HubException>(() => client.DownloadFileAsync("gpt2", "config.json"));

        Assert.Equal(HubErrorKind.Unreachable, error.Kind);
        Assert.Null(error.StatusCode);
        Assert.Contains($"The Hugging Face hub at {client.Endpoint} is unreachable", error.Message);
        Assert.Contains("HF_HUB_OFFLINE=1", error.Message);
        Assert.Contains("local folder", error.Message);
        var reach = await client.CheckReachabilityAsync();
        Assert.False(reach.IsReachable);
        Assert.StartsWith($"The Hugging Face hub at {client.Endpoint} is unreachable (", reach.ToString());
        Assert.DoesNotContain('\n', reach.Message);
    }

    [Fact]
    public async Task A_hub_that_accepts_but_never_answers_times_out()
    {
        var silent = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        try
        {
            using var client = Client(
                $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}",
                requestTimeout: TimeSpan.FromMilliseconds(300)
            );

            var error = await Assert.ThrowsAsync<HubException>(() => client.DownloadFileAsync("gpt2", "config.json"));

            Assert.Equal(HubErrorKind.Unreachable, error.Kind);
            Assert.Contains("no answer within 0.3 s", error.Message);
        }
        finally
        {
            silent.Stop();
        }
    }

    [Fact]
    public async Task Reachability_and_offline_mode_are_one_line_each()
    {
        using (var online = Client())
        {
            var reach = await online.CheckReachabilityAsync();
            Assert.True(reach.IsReachable);
            Assert.Equal($"The Hugging Face hub at {Hub.Endpoint} answered (HTTP 200).", reach.Message);
        }
        using var offline = Client(offline: true);
        var off = await offline.CheckReachabilityAsync();
        Assert.False(off.IsReachable);
        Assert.Contains("HF_HUB_OFFLINE=1", off.Message);
        Assert.Single(Hub.Requests);
    }

    [Fact]
    public async Task A_server_without_the_hubs_headers_is_named_as_not_a_hub()
    {
        Hub.AddRepo("gpt2", Weights);
        Hub.PlainWebServer = true;
        using var client = Client();

        var error = await Assert.ThrowsAsync<HubException>(() => client.DownloadFileAsync("gpt2", "config.json"));

        Assert.Equal(HubErrorKind.ServerError, error.Kind);
        Assert.Contains("lacks the hub's X-Repo-Commit header", error.Message);
        Assert.Contains("does not look like a Hugging Face hub. Check HF_ENDPOINT", error.Message);
    }
}
