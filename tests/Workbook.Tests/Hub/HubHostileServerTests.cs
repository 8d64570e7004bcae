using Workbook.Hub;

namespace Workbook.Tests.Hub;

/// <summary>A server that lies about sizes, trickles, or redirects somewhere odd gets a HubException, never a full disk or a
/// hang.</summary>
public class HubHostileServerTests : HubTest
{
    private static readonly FakeFile Weights = FakeFile.Random("model.safetensors", 50_000, lfs: true, seed: 5);
    private static readonly FakeFile Config = new("config.json", "{\"n_layer\": 2}"u8.ToArray(), Lfs: false);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_body_longer_than_the_announced_size_is_stopped_there_and_nothing_is_kept(bool lfs)
    {
        var file = lfs ? Weights : Config;
        Hub.AddRepo("gpt2", file);
        Hub.ExtraBodyBytes = 300_000;
        using var client = Client(maxRetries: 2);

        var error = await Assert.ThrowsAsync<HubException>(() => client.DownloadFileAsync("gpt2", file.Name));

        Assert.Equal(HubErrorKind.IntegrityMismatch, error.Kind);
        Assert.Contains($"sent more than the {file.Content.Length:N0} bytes announced for '{file.Name}' of 'gpt2'", error.Message);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(Cache.Root, "models--gpt2", "blobs")));
        Assert.Null(client.TryGetCachedFile("gpt2", file.Name));
    }

    [Fact]
    public async Task A_body_that_trickles_ends_at_the_download_deadline_with_the_bytes_kept_for_a_resume()
    {
        Hub.AddRepo("gpt2", Weights);
        Hub.TrickleInterval = TimeSpan.FromMilliseconds(50); // far quicker than the 10 s read timeout: only the deadline can end it
        using var client = Client(maxRetries: 3, downloadTimeout: TimeSpan.FromSeconds(1.5));

        var error = await Assert.ThrowsAsync<HubException>(() => client.DownloadFileAsync("gpt2", "model.safetensors"));

        Assert.Equal(HubErrorKind.Interrupted, error.Kind);
        Assert.Contains("did not finish within 1.5 s (HubOptions.DownloadTimeout)", error.Message);
        Assert.Contains("the next call resumes", error.Message);
        var partial = Path.Combine(Cache.Root, "models--gpt2", "blobs", Weights.Sha256 + ".incomplete");
        Assert.InRange(new FileInfo(partial).Length, 1, Weights.Content.Length - 1);
    }

    [Theory]
    [InlineData("file:///etc/passwd", "a file: address; only http and https are followed")]
    [InlineData("ftp://127.0.0.1/x", "a ftp: address; only http and https are followed")]
    [InlineData("http://[::1", "an address that cannot be parsed")]
    public async Task A_redirect_to_another_scheme_or_an_unparseable_address_is_a_HubException(string location, string expected)
    {
        Hub.AddRepo("gpt2", Config);
        Hub.ForcedLocation = location;
        using var client = Client();

        var error = await Assert.ThrowsAsync<HubException>(() => client.DownloadFileAsync("gpt2", "config.json"));

        Assert.Equal(HubErrorKind.ServerError, error.Kind);
        Assert.Contains(expected, error.Message);
        Assert.Contains("'config.json' of 'gpt2'", error.Message);
    }

    [Fact]
    public async Task A_NUL_or_an_over_long_name_is_refused_before_any_request()
    {
        Hub.AddRepo("gpt2", Config);
        using var client = Client();

        var nul = await Assert.ThrowsAsync<ArgumentException>(() => client.DownloadFileAsync("gpt2", "config.json\0.exe"));
        Assert.Contains("has the control character U+0000 at position 11", nul.Message);
        var longName = await Assert.ThrowsAsync<ArgumentException>(() =>
            client.DownloadFileAsync("gpt2", "onnx/" + new string('a', 300) + ".onnx")
        );
        Assert.Contains("has a part of 305 bytes", longName.Message);
        Assert.Contains("at most 255", longName.Message);
        Assert.Contains("control character", Assert.Throws<ArgumentException>(() => HubCache.ValidateRevision("main\n")).Message);

        Assert.Empty(Hub.Requests);
    }

    [Fact]
    public async Task A_directory_standing_where_a_cached_file_belongs_is_named()
    {
        var commit = Hub.AddRepo("gpt2", Config);
        using var client = Client();
        await client.DownloadFileAsync("gpt2", "config.json");
        var entry = Path.Combine(Cache.Root, "models--gpt2", "snapshots", commit, "config.json");
        File.Delete(entry);
        Directory.CreateDirectory(entry);

        var error = Assert.Throws<IOException>(() => client.TryGetCachedFile("gpt2", "config.json"));
        Assert.Contains("is a directory, not a file", error.Message);
    }
}
