using TorchSharp;
using Workbook.Gpt2;
using static TorchSharp.torch;

namespace Workbook.Tests.Gpt2;

/// <summary>
/// Runs only when real gpt2 weights are on this machine; gated by <c>WORKBOOK_REAL_GPT2</c>:
/// a folder holding config.json, model.safetensors, vocab.json and merges.txt, or <c>cache</c> to use the
/// Hugging Face cache (openai-community/gpt2, as <c>huggingface-cli download openai-community/gpt2</c> or the
/// workbook's <see cref="HubClient"/> leaves it). Without it the test is listed as skipped, never faked.
/// </summary>
public sealed class RealGpt2FactAttribute() : RealCheckpointFactAttribute(Variable, "the real gpt2 files")
{
    public const string Variable = "WORKBOOK_REAL_GPT2";
}

public class RealGpt2Tests
{
    static RealGpt2Tests() => InitializeDeviceType(DeviceType.CPU);

    private static string Folder() =>
        RealCheckpoint.Folder(RealGpt2FactAttribute.Variable, ["openai-community/gpt2", "gpt2"], Gpt2TextGenerator.CheckpointFiles);

    [RealGpt2Fact]
    public void The_published_greedy_continuation_of_The_dog_is_reproduced()
    {
        var text = Gpt2TextGenerator.FromFolder(Folder());
        int[] expected = [464, 3290, 373, 1043, 287, 257, 2214, 1474, 262, 16246, 286, 2688, 290, 2688, 27262, 13, 198, 198, 464, 3290];
        var ids = text.Generator.Generate([464, 3290], GenerationOptions.Greedy(18));
        Assert.Equal(expected, ids);
        Assert.Equal("The dog was found in a field near the intersection of West and West Streets.\n\nThe dog", text.Tokenizer.Decode(ids));
        Assert.Equal(expected, text.Generator.Generate([464, 3290], GenerationOptions.Greedy(18) with { UseCache = false }));
    }
}
