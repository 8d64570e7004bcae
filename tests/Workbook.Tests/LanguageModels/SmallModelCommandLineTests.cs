using Workbook.Encoders;
using Workbook.LanguageModels;

namespace Workbook.Tests.LanguageModels;

/// <summary>The one parser behind tools/train-small-gpt.sh and tools/train-small-bert.sh.</summary>
public class SmallModelCommandLineTests
{
    [Fact]
    public void Every_option_lands_in_its_setting_and_the_derived_record_keeps_its_type_and_its_own_fields()
    {
        string[] args =
        [
            "--out",
            "/tmp/m",
            "--minutes",
            "2.5",
            "--steps",
            "900",
            "--layers",
            "2",
            "--width",
            "64",
            "--heads",
            "2",
            "--vocab",
            "500",
            "--context",
            "32",
            "--batch",
            "8",
            "--lr",
            "3e-4",
            "--warmup",
            "10",
            "--eval-every",
            "50",
            "--seed",
            "7",
            "--threads",
            "2",
        ];
        var run = SmallModelCommandLine.Parse(args, new SmallBertSettings { ValidationSequences = 64 });

        Assert.IsType<SmallBertSettings>(run.Settings);
        Assert.Equal(
            new SmallBertSettings
            {
                TimeBudgetMinutes = 2.5,
                Steps = 900,
                Layers = 2,
                Width = 64,
                Heads = 2,
                VocabularySize = 500,
                ContextLength = 32,
                BatchSize = 8,
                PeakLearningRate = 3e-4,
                WarmupSteps = 10,
                EvaluateEvery = 50,
                Seed = 7,
                ValidationSequences = 64,
            },
            run.Settings
        );
        Assert.Equal(("/tmp/m", (int?)2), (run.OutputFolder, run.Threads));
    }

    [Fact]
    public void No_options_but_the_folder_give_the_shipped_models_settings()
    {
        var gpt = SmallModelCommandLine.Parse(["--out", "x"], new SmallGptSettings());
        Assert.Equal(new SmallGptSettings(), gpt.Settings);
        Assert.Null(gpt.Threads);
        Assert.Null(SmallModelCommandLine.Parse(["--no-time-budget", "--out", "x"], new SmallGptSettings()).Settings.TimeBudgetMinutes);
    }

    [Theory]
    [InlineData(new[] { "--steps", "10" }, "--out <folder>")]
    [InlineData(new[] { "--out", "x", "--layer", "2" }, "Unknown option '--layer'")]
    [InlineData(new[] { "--out", "x", "--steps" }, "--steps needs a value")]
    [InlineData(new[] { "--out", "x", "--steps", "ten" }, "--steps takes an integer; got 'ten'")]
    [InlineData(new[] { "--out", "x", "--lr", "NaN" }, "--lr takes a number; got 'NaN'")]
    [InlineData(new[] { "--out", "x", "--threads", "0" }, "--threads takes a positive integer")]
    [InlineData(new[] { "--out", "x", "--width", "65" }, "Width divisible by Heads")]
    [InlineData(new[] { "--out", "x", "--warmup", "200", "--steps", "100" }, "WarmupSteps must lie in [0, Steps = 100)")]
    [InlineData(new[] { "--out", "x", "--vocab", "10" }, "VocabularySize must be at least 64")]
    public void Bad_command_lines_are_refused_naming_the_option(string[] args, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => SmallModelCommandLine.Parse(args, new SmallBertSettings()));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void The_derived_records_own_checks_run_on_a_parsed_command_line()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            SmallModelCommandLine.Parse(["--out", "x"], new SmallBertSettings { ValidationSequences = 0 })
        );
        Assert.Equal("ValidationSequences", error.ParamName);
    }

    [Fact]
    public void Main_trains_with_the_parsed_settings_and_records_the_command_or_returns_2_without_training()
    {
        (SmallGptSettings Settings, string Folder, string Command)? trained = null;
        int Train(SmallGptSettings settings, string folder, string command, Action<string>? log)
        {
            trained = (settings, folder, command);
            return 0;
        }

        Assert.Equal(2, SmallModelCommandLine.Main("tools/train-small-gpt.sh", ["--steps", "5"], new SmallGptSettings(), Train));
        Assert.Null(trained);

        Assert.Equal(
            0,
            SmallModelCommandLine.Main("tools/train-small-gpt.sh", ["--out", "m", "--seed", "3"], new SmallGptSettings(), Train)
        );
        Assert.Equal((new SmallGptSettings { Seed = 3 }, "m", "tools/train-small-gpt.sh --out m --seed 3"), trained);
    }
}
