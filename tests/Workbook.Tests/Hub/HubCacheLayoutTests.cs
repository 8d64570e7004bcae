using Workbook.Hub;

namespace Workbook.Tests.Hub;

/// <summary>Downloads land in huggingface_hub's cache layout, so Python and .NET share one Cache.</summary>
public class HubCacheLayoutTests : HubTest
{
    private static readonly FakeFile Config = new("config.json", "{\"n_layer\": 12}"u8.ToArray(), Lfs: false);
    private static readonly FakeFile Weights = FakeFile.Random("model.safetensors", 300_000, lfs: true, seed: 1);
    private static readonly FakeFile Decoder = FakeFile.Random("onnx/decoder_model.onnx", 50_000, lfs: true, seed: 2);

    [LinuxFact]
    public async Task Files_are_blobs_named_by_etag_with_relative_snapshot_links_and_a_ref_to_the_commit()
    {
        var commit = Hub.AddRepo("openai-community/gpt2", Config, Weights, Decoder);
        using var client = Client();

        var folder = await client.DownloadFilesAsync(
            "openai-community/gpt2",
            ["config.json", "model.safetensors", "onnx/decoder_model.onnx"]
        );

        var repo = Path.Combine(Cache.Root, "models--openai-community--gpt2");
        Assert.Equal(Path.Combine(repo, "snapshots", commit), folder);
        Assert.Equal(commit, File.ReadAllText(Path.Combine(repo, "refs", "main"))); // no newline, as huggingface_hub writes it
        Assert.Equal(
            new[] { Config.GitSha1, Weights.Sha256, Decoder.Sha256 }.Order(),
            Directory.GetFiles(Path.Combine(repo, "blobs")).Select(Path.GetFileName).Order()
        );
        Assert.Equal(
            [
                "refs/main",
                "snapshots/" + commit + "/config.json",
                "snapshots/" + commit + "/model.safetensors",
                "snapshots/" + commit + "/onnx/decoder_model.onnx",
            ],
            Directory
                .GetFiles(repo, "*", SearchOption.AllDirectories)
                .Select(p => Path.GetRelativePath(repo, p).Replace('\\', '/'))
                .Where(p => !p.StartsWith("blobs/", StringComparison.Ordinal))
                .Order()
        );

        Assert.Equal($"../../blobs/{Config.GitSha1}", new FileInfo(Path.Combine(folder, "config.json")).LinkTarget);
        Assert.Equal($"../../blobs/{Weights.Sha256}", new FileInfo(Path.Combine(folder, "model.safetensors")).LinkTarget);
        Assert.Equal($"../../../blobs/{Decoder.Sha256}", new FileInfo(Path.Combine(folder, "onnx", "decoder_model.onnx")).LinkTarget);
        Assert.Equal(Weights.Content, File.ReadAllBytes(Path.Combine(folder, "model.safetensors")));
        Assert.Equal(Config.Content, File.ReadAllBytes(Path.Combine(folder, "config.json")));
        Assert.True(File.Exists(Path.Combine(Cache.Root, ".locks", "models--openai-community--gpt2", Weights.Sha256 + ".lock")));
        Assert.Empty(Directory.GetFiles(Cache.Root, "*.incomplete", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(Cache.Root, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_cached_file_is_served_with_one_HEAD_and_offline_or_by_commit_with_no_request()
    {
        var commit = Hub.AddRepo("gpt2", Config, Weights);
        using (var client = Client())
        {
            var first = await client.DownloadFileAsync("gpt2", "model.safetensors");
            Assert.Equal(2, Hub.Requests.Count); // HEAD on the hub, GET on the CDN
            Assert.Equal(first, await client.DownloadFileAsync("gpt2", "model.safetensors"));
            Assert.Equal(["HEAD", "GET", "HEAD"], Hub.Requests.Select(r => r.Method));
            Assert.Equal(first, await client.DownloadFileAsync("gpt2", "model.safetensors", revision: commit));
            Assert.Equal(3, Hub.Requests.Count);
        }

        using var offline = Client(offline: true);
        var path = await offline.DownloadFileAsync("gpt2", "model.safetensors");
        Assert.Equal(Path.Combine(Cache.Root, "models--gpt2", "snapshots", commit, "model.safetensors"), path);
        Assert.Equal(path, offline.TryGetCachedFile("gpt2", "model.safetensors"));
        Assert.Equal(path, offline.TryGetCachedFile("gpt2", "model.safetensors", commit));
        Assert.Null(offline.TryGetCachedFile("gpt2", "config.json"));
        Assert.Null(offline.TryGetCachedFile("gpt2", "model.safetensors", "v2"));
        Assert.Equal(
            Path.Combine(Cache.Root, "models--gpt2", "snapshots", commit),
            offline.TryGetCachedFolder("gpt2", ["model.safetensors"])
        );
        Assert.Null(offline.TryGetCachedFolder("gpt2", ["model.safetensors", "config.json"])); // all or nothing
        Assert.Equal(3, Hub.Requests.Count);

        var missing = await Assert.ThrowsAsync<HubException>(() => offline.DownloadFileAsync("gpt2", "config.json"));
        Assert.Equal(HubErrorKind.NotCached, missing.Kind);
        Assert.Contains("HF_HUB_OFFLINE=1", missing.Message);
        Assert.Contains("'config.json' of 'gpt2'", missing.Message);
        Assert.Contains(Cache.Root, missing.Message);
        Assert.Equal(3, Hub.Requests.Count);
    }

    [Fact]
    public async Task When_the_hub_is_unreachable_a_cached_copy_is_served()
    {
        Hub.AddRepo("gpt2", Config);
        using var client = Client();
        var cached = await client.DownloadFileAsync("gpt2", "config.json");
        using var later = Client(ClosedPort.Endpoint()); // nothing listens there: the hub is gone
        Assert.Equal(cached, await later.DownloadFileAsync("gpt2", "config.json"));
    }

    [Fact]
    public void Cache_folder_names_and_file_addresses_follow_the_hub()
    {
        Assert.Equal("models--openai-community--gpt2", HubCache.RepoFolderName("openai-community/gpt2"));
        Assert.Equal("datasets--wikitext", HubCache.RepoFolderName("wikitext", RepoType.Dataset));
        Assert.Equal("spaces--org--demo", HubCache.RepoFolderName("org/demo", RepoType.Space));
        Assert.Equal(
            "https://huggingface.co/openai-community/gpt2/resolve/main/model.safetensors",
            HubClient.FileUrl("https://huggingface.co", "openai-community/gpt2", "model.safetensors")
        );
        Assert.Equal(
            "http://mirror:8080/datasets/org/data/resolve/refs%2Fpr%2F1/dir/a%20b.txt",
            HubClient.FileUrl("http://mirror:8080/", "org/data", "dir/a b.txt", "refs/pr/1", RepoType.Dataset)
        );
    }

    [Fact]
    public void Invalid_ids_file_names_and_revisions_are_rejected_with_the_offending_value()
    {
        Assert.Contains(
            "'a/b/c' is not a valid hub repository id",
            Assert.Throws<ArgumentException>(() => HubCache.ValidateRepoId("a/b/c")).Message
        );
        Assert.Contains("no '--'", Assert.Throws<ArgumentException>(() => HubCache.ValidateRepoId("org--x/y")).Message);
        Assert.Contains("repository id is empty", Assert.Throws<ArgumentException>(() => HubCache.ValidateRepoId(" ")).Message);
        Assert.Contains(
            "'../secret' is not a file name inside a repository",
            Assert.Throws<ArgumentException>(() => HubCache.ValidateFileName("../secret")).Message
        );
        Assert.Contains("'/etc/passwd'", Assert.Throws<ArgumentException>(() => HubCache.ValidateFileName("/etc/passwd")).Message);
        Assert.Contains(
            "'main/../..' is not a valid revision",
            Assert.Throws<ArgumentException>(() => HubCache.ValidateRevision("main/../..")).Message
        );
        Assert.Contains(
            "is not a commit hash",
            Assert.Throws<ArgumentException>(() => new HubCache("/tmp").SnapshotFolder("gpt2", "main")).Message
        );
    }

    [Fact]
    public async Task A_renamed_repository_is_followed_through_its_relative_redirect()
    {
        var commit = Hub.AddRepo("org/new-name", Weights);
        Hub.Renamed["org/old-name"] = "org/new-name";
        using var client = Client();

        var path = await client.DownloadFileAsync("org/old-name", "model.safetensors");

        Assert.Equal(Path.Combine(Cache.Root, "models--org--old-name", "snapshots", commit, "model.safetensors"), path);
        Assert.Equal(Weights.Content, File.ReadAllBytes(path));
        Assert.Equal(
            [
                "HEAD /org/old-name/resolve/main/model.safetensors",
                "HEAD /org/new-name/resolve/main/model.safetensors",
                "GET /cdn/" + Weights.Sha256,
            ],
            Hub.Requests.Select(r => $"{r.Method} {r.Path}")
        );
    }

    [Fact]
    public async Task Find_or_download_prefers_the_cache_then_the_hub_and_says_which()
    {
        Hub.AddRepo("gpt2", Config, Weights);
        using var client = Client();

        var downloaded = await client.FindOrDownloadAsync("gpt2", ["config.json", "model.safetensors"]);
        Assert.True(downloaded.IsAvailable);
        Assert.StartsWith("Downloaded gpt2 into ", downloaded.Message);
        Assert.True(File.Exists(Path.Combine(downloaded.Folder!, "model.safetensors")));
        var requests = Hub.Requests.Count;

        var cached = await client.FindOrDownloadAsync("gpt2", ["config.json", "model.safetensors"]);
        Assert.Equal(downloaded.Folder, cached.Folder);
        Assert.StartsWith("Using gpt2 from the Hugging Face cache", cached.Message);
        Assert.Equal(requests, Hub.Requests.Count); // no request at all

        using var unreachable = Client(ClosedPort.Endpoint());
        var none = await unreachable.FindOrDownloadAsync("gpt2", ["tokenizer.json"]);
        Assert.False(none.IsAvailable);
        Assert.Contains("is unreachable", none.ToString());
    }
}
