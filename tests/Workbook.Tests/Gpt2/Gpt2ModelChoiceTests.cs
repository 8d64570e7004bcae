using Workbook.Gpt2;
using Workbook.Tests.Hub;

namespace Workbook.Tests.Gpt2;

/// <summary>The chapters' choice of model: the real gpt2 from the cache or the hub (a local fake here), else the shipped small
/// GPT.</summary>
public class Gpt2ModelChoiceTests
{
    private static readonly FakeFile[] Gpt2Files =
    [
        .. Gpt2TextGenerator.CheckpointFiles.Select((name, i) => FakeFile.Random(name, 2_000, lfs: name.EndsWith(".safetensors"), seed: i)),
    ];

    [LinuxFact]
    public async Task The_real_gpt2_is_taken_from_the_hub_then_from_the_cache()
    {
        await using var hub = await FakeHub.StartAsync();
        hub.AddRepo(Gpt2ModelChoice.RealRepoId, Gpt2Files);
        using var cache = new TempCache();
        using var client = cache.Client(hub.Endpoint);

        var downloaded = await Gpt2ModelChoice.FindAsync(client);
        Assert.True(downloaded.IsRealGpt2);
        Assert.Equal("gpt2", downloaded.Name);
        Assert.All(Gpt2TextGenerator.CheckpointFiles, f => Assert.True(File.Exists(Path.Combine(downloaded.Folder, f)), f));

        using var offline = cache.Client(ClosedPort.Endpoint());
        var cached = Gpt2ModelChoice.FromCache(offline);
        Assert.True(cached.IsRealGpt2);
        Assert.Equal(downloaded.Folder, cached.Folder);
        Assert.StartsWith("Using openai-community/gpt2 from the Hugging Face cache", cached.Message);
    }

    [LinuxFact]
    public async Task Without_the_real_gpt2_the_shipped_small_model_is_chosen_and_says_so()
    {
        using var cache = new TempCache();
        using var unreachable = cache.Client(ClosedPort.Endpoint());
        foreach (var choice in new[] { await Gpt2ModelChoice.FindAsync(unreachable), Gpt2ModelChoice.FromCache(unreachable) })
        {
            Assert.False(choice.IsRealGpt2);
            Assert.Equal("data/models/kjv-gpt", choice.Name);
            Assert.Equal(Path.Combine(Repository.Root, "data", "models", "kjv-gpt"), choice.Folder);
            Assert.Contains("King James Bible", choice.Message);
            Assert.Contains("not GPT-2's", choice.Message);
            Assert.All(Gpt2TextGenerator.CheckpointFiles, f => Assert.True(File.Exists(Path.Combine(choice.Folder, f)), f));
        }
    }
}
