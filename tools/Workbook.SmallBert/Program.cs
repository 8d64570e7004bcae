using System.Globalization;
using Workbook.Encoders;

// Usage: workbook-small-bert --out <folder> [--minutes X | --no-time-budget] [--steps N] [--layers N] [--width N] [--heads N] [--vocab N]
//        [--context N] [--batch N] [--lr X] [--warmup N] [--eval-every N] [--seed N] [--threads N]
var settings = new SmallBertSettings();
string? output = null;
for (var i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    int Int() => int.Parse(Value(), CultureInfo.InvariantCulture);
    if (args[i] == "--out")
    {
        output = Value();
        continue;
    }
    if (args[i] == "--threads")
    {
        TorchSharp.torch.set_num_threads(Int());
        continue;
    }
    settings = args[i] switch
    {
        "--steps" => settings with { Steps = Int() },
        "--minutes" => settings with { TimeBudgetMinutes = double.Parse(Value(), CultureInfo.InvariantCulture) },
        "--no-time-budget" => settings with { TimeBudgetMinutes = null },
        "--layers" => settings with { Layers = Int() },
        "--width" => settings with { Width = Int() },
        "--heads" => settings with { Heads = Int() },
        "--vocab" => settings with { VocabularySize = Int() },
        "--context" => settings with { ContextLength = Int() },
        "--batch" => settings with { BatchSize = Int() },
        "--lr" => settings with { PeakLearningRate = double.Parse(Value(), CultureInfo.InvariantCulture) },
        "--warmup" => settings with { WarmupSteps = Int() },
        "--eval-every" => settings with { EvaluateEvery = Int() },
        "--seed" => settings with { Seed = Int() },
        _ => throw new ArgumentException($"Unknown option {args[i]}; see the usage line at the top of Program.cs."),
    };
}
if (output is null)
{
    Console.Error.WriteLine("Give the model folder to write with --out <folder>.");
    return 2;
}
TorchSharp.torch.InitializeDeviceType(TorchSharp.DeviceType.CPU);
var command = "tools/train-small-bert.sh " + string.Join(' ', args);
SmallBertPretraining.Run(settings, output, command, line => Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}"));
return 0;
