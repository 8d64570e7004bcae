using System.Text.Json.Nodes;
using Workbook.Gpt2;
using Workbook.LanguageModels;
using Workbook.Safetensors;

namespace Workbook.Tests.LanguageModels;

/// <summary>The code path of tools/train-small-gpt.sh on a tiny budget: a complete folder that loads and reproduces its own
/// figures.</summary>
[Collection(SerialCollection.Name)] // seeds TorchSharp's global generator
public sealed class SmallGptPretrainingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("wb-small-gpt-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_few_steps_write_a_complete_folder_that_loads_and_reproduces_its_provenance()
    {
        var output = Path.Combine(_folder, "kjv-gpt");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "stale.txt"), "replaced as a whole");
        var settings = new SmallGptSettings
        {
            VocabularySize = 300,
            Layers = 1,
            Width = 32,
            Heads = 2,
            ContextLength = 32,
            Steps = 4,
            TimeBudgetMinutes = null,
            BatchSize = 4,
            WarmupSteps = 1,
            EvaluateEvery = 2,
        };
        var lines = new List<string>();
        var provenance = SmallGptPretraining.Run(settings, output, "test", lines.Add);

        Assert.Equal(SmallGptPretraining.Files.Order(), Directory.EnumerateFiles(output).Select(Path.GetFileName).Order());
        Assert.DoesNotContain(Directory.EnumerateDirectories(_folder), d => Path.GetFileName(d).StartsWith('.')); // no temporary left
        Assert.Contains(lines, l => l.StartsWith("step      4", StringComparison.Ordinal));
        Assert.Equal(4, provenance.Steps);
        Assert.Equal(4L * 4 * 32, provenance.TokensSeen);
        Assert.Equal(
            provenance,
            SmallGptProvenance.Load(Path.Combine(output, "provenance.json")) with
            {
                ValidationBooks = provenance.ValidationBooks,
            }
        );

        var text = Gpt2TextGenerator.FromFolder(output);
        Assert.Equal(300, text.Tokenizer.VocabularySize);
        Assert.Equal(299, text.Tokenizer.EosTokenId);
        Assert.Equal(299, text.Model.Config.EosTokenId);
        using (var checkpoint = SafetensorsCheckpoint.Open(output))
            Assert.All(checkpoint.Names, name => Assert.Equal("F16", checkpoint.Info(name).Dtype));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "config.json")))!;
        Assert.Equal(32, (int)config["n_ctx"]!);
        Assert.Equal(0.0, (double)config["resid_pdrop"]!);

        var bible = Workbook.Data.KingJamesBible.Load();
        var validation = text.Tokenizer.Encode(Workbook.Data.KingJamesBible.Text(bible.SplitByBook().Validation));
        Assert.Equal(provenance.ValidationTokens, validation.Length);
        Assert.Equal(provenance.ValidationLoss, LanguageModelTrainer.ValidationLoss(text.Model, validation, 32, 4), 4);
    }
}
