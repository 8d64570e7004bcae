using TorchSharp;
using Workbook.Gpt2;
using Workbook.Hub;
using static TorchSharp.torch;

namespace Workbook.Tests.Gpt2;

/// <summary>
/// Runs only when real gpt2 weights are on this machine; gated by <c>WORKBOOK_REAL_GPT2</c>:
/// a folder holding config.json, model.safetensors, vocab.json and merges.txt, or <c>cache</c> to use the
/// Hugging Face cache (openai-community/gpt2, as <c>huggingface-cli download openai-community/gpt2</c> or the
/// workbook's <see cref="HubClient"/> leaves it). Without it the test is listed as skipped, never faked.
/// </summary>
public sealed class RealGpt2FactAttribute : FactAttribute
{
    public const string Variable = "WORKBOOK_REAL_GPT2";

    public RealGpt2FactAttribute()
    {
        if (string.IsNullOrWhiteSpace(System.Environment.GetEnvironmentVariable(Variable)))
            Skip = $"set {Variable} to a folder with the real gpt2 files, or to 'cache' when they are in the Hugging Face cache";
    }
}

public class RealGpt2Tests
{
    static RealGpt2Tests() => InitializeDeviceType(DeviceType.CPU);

    /// <summary>The folder with the real gpt2 files named by the gate; a gate that names nothing usable fails the test, saying what is missing.</summary>
    private static string Folder()
    {
        var gate = System.Environment.GetEnvironmentVariable(RealGpt2FactAttribute.Variable)!;
        if (!string.Equals(gate, "cache", StringComparison.OrdinalIgnoreCase))
        {
            var missing = Gpt2TextGenerator.CheckpointFiles.Where(f => !File.Exists(Path.Combine(gate, f))).ToArray();
            return missing.Length == 0 ? gate
                : throw new InvalidOperationException($"{RealGpt2FactAttribute.Variable}={gate}, but that folder lacks {string.Join(", ", missing)}.");
        }
        using var hub = new HubClient(new HubOptions { Offline = true });
        foreach (var repo in new[] { "openai-community/gpt2", "gpt2" })
            if (hub.TryGetCachedFolder(repo, Gpt2TextGenerator.CheckpointFiles) is { } folder) return folder;
        throw new InvalidOperationException($"{RealGpt2FactAttribute.Variable}=cache, but the Hugging Face cache ({hub.Cache.Root}) lacks some of {string.Join(", ", Gpt2TextGenerator.CheckpointFiles)} for openai-community/gpt2.");
    }

    [RealGpt2Fact]
    public void The_published_greedy_continuation_of_The_dog_is_reproduced()
    {
        var text = Gpt2TextGenerator.FromFolder(Folder());
        long[] expected = [464, 3290, 373, 1043, 287, 257, 2214, 1474, 262, 16246, 286, 2688, 290, 2688, 27262, 13, 198, 198, 464, 3290];
        var ids = text.Generator.Generate([464, 3290], GenerationOptions.Greedy(18));
        Assert.Equal(expected, ids);
        Assert.Equal("The dog was found in a field near the intersection of West and West Streets.\n\nThe dog", text.Tokenizer.Decode(ids.Select(i => (int)i)));
        Assert.Equal(expected, text.Generator.Generate([464, 3290], GenerationOptions.Greedy(18) with { UseCache = false }));
    }
}
