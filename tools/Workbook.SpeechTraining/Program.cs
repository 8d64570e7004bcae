// Trains the small wav2vec2 CTC recogniser from scratch on the flite corpus and writes a Hugging Face folder with its
// provenance (see SpeechRecognizerTraining). tools/train-small-speech.sh builds and runs it.
//   workbook-speech-training --corpus DIR --out DIR [--committed TSV] [--minutes M] [--steps N] [--batch-seconds S]
//                            [--lr X] [--warmup N] [--seed N] [--threads N] [--tiny]
// --tiny trains a much smaller model (for the test that runs this code path in seconds). Exit code 0 on success;
// on error the message goes to stderr and the exit code is 1 (2 for a usage error).
using System.Globalization;
using Workbook.Native;
using Workbook.Wav2Vec2;
using static TorchSharp.torch;

try
{
    foreach (var line in LibTorchSharpGlibcxxFix.EnsureLoadable(AppContext.BaseDirectory))
        Console.Error.WriteLine(line);
    var options = new Dictionary<string, string>();
    var tiny = false;
    for (var i = 0; i < args.Length; i++)
    {
        if (args[i] == "--tiny")
        {
            tiny = true;
            continue;
        }
        if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            return Usage($"'{args[i]}' is not an option with a value");
        options[args[i][2..]] = args[++i];
    }
    string? Take(string name) => options.Remove(name, out var v) ? v : null;
    double Number(string name, double fallback) =>
        Take(name) is { } v ? double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture) : fallback;
    var corpus = Take("corpus");
    var output = Take("out");
    if (corpus is null || output is null)
        return Usage("--corpus and --out are required");
    var committed = Take("committed");
    var defaults = new CtcTrainingOptions();
    var settings = new CtcTrainingOptions
    {
        Config = tiny
            ? CtcTrainingOptions.SmallConfig with
            {
                ConvChannels = [16, 16, 16, 16, 16, 16, 16],
                HiddenSize = 32,
                LayerCount = 1,
                HeadCount = 2,
                IntermediateSize = 64,
                PositionalKernel = 8,
                PositionalGroups = 4,
            }
            : CtcTrainingOptions.SmallConfig,
        MaxMinutes = Number("minutes", defaults.MaxMinutes),
        Steps = (int)Number("steps", defaults.Steps),
        BatchSeconds = Number("batch-seconds", defaults.BatchSeconds),
        LearningRate = Number("lr", defaults.LearningRate),
        WarmupSteps = (int)Number("warmup", defaults.WarmupSteps),
        Seed = (int)Number("seed", defaults.Seed),
        LogEvery = (int)Number("log-every", defaults.LogEvery),
    };
    set_num_threads((int)Number("threads", 1));
    if (options.Count > 0)
        return Usage($"unknown option --{options.Keys.First()}");
    var command = "workbook-speech-training " + string.Join(' ', args);
    SpeechRecognizerTraining.Run(
        corpus,
        output,
        settings,
        committed,
        command,
        line => Console.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}")
    );
    Console.WriteLine($"wrote {Path.GetFullPath(output)}");
    return 0;
}
catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or InvalidOperationException or FormatException)
{
    Console.Error.WriteLine($"workbook-speech-training: {e.GetType().Name}: {e.Message}");
    return 1;
}

static int Usage(string problem)
{
    Console.Error.WriteLine(
        $"workbook-speech-training: {problem}.\nusage: workbook-speech-training --corpus DIR --out DIR [--committed TSV] [--minutes M] "
            + "[--steps N] [--batch-seconds S] [--lr X] [--warmup N] [--seed N] [--threads N] [--log-every N] [--tiny]"
    );
    return 2;
}
