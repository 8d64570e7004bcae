using TorchSharp;
using Workbook.Encoders;
using Workbook.Text;
using static TorchSharp.torch;

namespace Workbook.Tests.Encoders;

/// <summary>
/// Runs only when real bert-base-uncased files are on this machine; gated by <c>WORKBOOK_REAL_BERT</c>: a folder holding
/// config.json, model.safetensors and vocab.txt (as <c>huggingface-cli download google-bert/bert-base-uncased</c>
/// leaves them), or <c>cache</c> to use the Hugging Face cache. Without it the test is listed as skipped, never faked.
/// </summary>
public sealed class RealBertFactAttribute() : RealCheckpointFactAttribute(Variable, "the real bert-base-uncased files")
{
    public const string Variable = "WORKBOOK_REAL_BERT";
}

public class RealBertTests
{
    static RealBertTests() => InitializeDeviceType(DeviceType.CPU);

    private static string Folder() =>
        RealCheckpoint.Folder(
            RealBertFactAttribute.Variable,
            ["google-bert/bert-base-uncased", "bert-base-uncased"],
            ["config.json", "model.safetensors", "vocab.txt"]
        );

    [RealBertFact]
    public void The_model_cards_fill_mask_example_is_reproduced()
    {
        // bert-base-uncased's model card: unmasker("Hello I'm a [MASK] model.") gives fashion 0.1073, role 0.0878,
        // new 0.0537, super 0.0294, fine 0.0219.
        var folder = Folder();
        using var model = BertForMaskedLM.FromPretrained(folder);
        var vocabulary = WordPieceVocabulary.Load(folder);
        var predictions = FillMask.Predict(model, vocabulary, vocabulary.CreateTokenizer(), "Hello I'm a [MASK] model.", 5);
        Assert.Equal(["fashion", "role", "new", "super", "fine"], predictions.Select(p => p.Token));
        Assert.InRange(predictions[0].Probability, 0.1073 - 0.002, 0.1073 + 0.002);
        using var encoder = BertModel.FromPretrained(folder);
        Assert.True(encoder.HasPooler);
    }
}
