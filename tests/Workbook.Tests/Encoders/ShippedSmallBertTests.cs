using System.Text.Json;
using TorchSharp;
using Workbook.Encoders;
using Workbook.Text;
using static TorchSharp.torch;

namespace Workbook.Tests.Encoders;

/// <summary>The shipped data/models/kjv-bert against the PyTorch reference in tests/fixtures/kjv-bert/make_golden.py.</summary>
public class ShippedSmallBertTests
{
    static ShippedSmallBertTests() => InitializeDeviceType(DeviceType.CPU);

    // Both sides read the same fp16 weights; the reference computes in float64, the model in float32 (4 layers,
    // LayerNorm eps 1e-12): differences are float32 rounding, well under these bounds.
    private const double HiddenTolerance = 1e-3,
        LogitTolerance = 2e-3;

    private static readonly Lazy<JsonElement> Golden = new(() =>
        JsonDocument.Parse(File.ReadAllText(Repository.Fixture("kjv-bert/golden.json"))).RootElement
    );

    private static string Folder => SmallBertPretraining.ShippedFolder();

    [Fact]
    public void The_folder_is_complete_small_and_consistent()
    {
        Assert.All(SmallBertPretraining.Files, f => Assert.True(File.Exists(Path.Combine(Folder, f)), $"{f} is missing"));
        var bytes = Directory.GetFiles(Folder).Sum(f => new FileInfo(f).Length);
        Assert.True(bytes <= 10L << 20, $"{bytes:N0} bytes");
        var config = BertConfig.FromFile(Folder);
        var vocabulary = WordPieceVocabulary.Load(Folder);
        Assert.Equal(vocabulary.Count, config.VocabSize);
        var provenance = SmallBertProvenance.Load(Folder);
        Assert.Equal(provenance.Curve[^1].Step, provenance.Steps);
        Assert.True(provenance.FinalValidationAccuracy > provenance.Curve[0].ValidationAccuracy);
        Assert.True(provenance.FinalValidationLoss < Math.Log(config.VocabSize));
        Assert.Equal(64, provenance.CorpusFileSha256.Length);
    }

    [Fact]
    public void Tokenization_matches_the_reference()
    {
        var vocabulary = WordPieceVocabulary.Load(Folder);
        var tokenizer = vocabulary.CreateTokenizer();
        var texts = Golden.Value.GetProperty("texts").EnumerateArray().Select(t => t.GetString()!).ToList();
        var rows = Golden
            .Value.GetProperty("input_ids")
            .EnumerateArray()
            .Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray())
            .ToList();
        for (var i = 0; i < texts.Count; i++)
            Assert.Equal(rows[i].Where(id => id != vocabulary.PadId), BertInputs.Encode(tokenizer, texts[i], 128));
    }

    [Fact]
    public void Hidden_states_and_logits_of_a_padded_batch_match_the_reference()
    {
        using var model = BertForMaskedLM.FromPretrained(Folder);
        var golden = Golden.Value;
        long[,] Matrix(string name)
        {
            var rows = golden
                .GetProperty(name)
                .EnumerateArray()
                .Select(r => r.EnumerateArray().Select(v => v.GetInt64()).ToArray())
                .ToArray();
            var m = new long[rows.Length, rows[0].Length];
            for (var r = 0; r < rows.Length; r++)
            for (var c = 0; c < rows[0].Length; c++)
                m[r, c] = rows[r][c];
            return m;
        }
        using var noGrad = no_grad();
        using var ids = tensor(Matrix("input_ids"));
        using var mask = tensor(Matrix("attention_mask"));
        using var encoding = model.Bert.Encode(ids, mask);
        using var logits = model.Forward(ids, mask);
        var hidden = golden.GetProperty("hidden").EnumerateArray().ToList();
        double worstHidden = 0,
            worstLogit = 0;
        for (var r = 0; r < hidden.Count; r++)
        {
            var tokens = hidden[r].EnumerateArray().ToList();
            for (var t = 0; t < tokens.Count; t++)
            {
                var actual = encoding.LastHiddenState[r, t].data<float>().ToArray();
                worstHidden = Math.Max(worstHidden, tokens[t].EnumerateArray().Select((v, i) => Math.Abs(v.GetDouble() - actual[i])).Max());
            }
        }
        var positions = golden
            .GetProperty("logit_positions")
            .EnumerateArray()
            .Select(p => p.EnumerateArray().Select(v => v.GetInt32()).ToArray())
            .ToList();
        var expectedLogits = golden.GetProperty("logits").EnumerateArray().ToList();
        for (var p = 0; p < positions.Count; p++)
        {
            var actual = logits[positions[p][0], positions[p][1]].data<float>().ToArray();
            worstLogit = Math.Max(
                worstLogit,
                expectedLogits[p].EnumerateArray().Select((v, i) => Math.Abs(v.GetDouble() - actual[i])).Max()
            );
        }
        Assert.True(worstHidden <= HiddenTolerance, $"largest hidden-state difference {worstHidden:E2}");
        Assert.True(worstLogit <= LogitTolerance, $"largest logit difference {worstLogit:E2}");
    }
}
