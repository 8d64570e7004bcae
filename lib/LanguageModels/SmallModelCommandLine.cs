using System.Globalization;

namespace Workbook.LanguageModels;

/// <summary>What the training tools' command lines hold: the settings, the folder to write, and the torch threads. Introduced in
/// chapter 09.</summary>
/// <param name="Settings">The defaults with every option given applied.</param>
/// <param name="OutputFolder">The model folder to write (<c>--out</c>).</param>
/// <param name="Threads">Torch threads (<c>--threads</c>); null leaves libtorch's choice.</param>
public sealed record SmallModelRun<T>(T Settings, string OutputFolder, int? Threads)
    where T : SmallModelSettings;

/// <summary>
/// Reads the options of <c>tools/train-small-gpt.sh</c> and <c>tools/train-small-bert.sh</c> into their settings records: one
/// parser for both, since both records are <see cref="SmallModelSettings"/>. Introduced in chapter 09.
/// </summary>
public static class SmallModelCommandLine
{
    /// <summary>The options, as the usage line lists them.</summary>
    public const string Usage =
        "--out <folder> [--minutes X | --no-time-budget] [--steps N] [--layers N] [--width N] [--heads N] [--vocab N] "
        + "[--context N] [--batch N] [--lr X] [--warmup N] [--eval-every N] [--seed N] [--threads N]";

    /// <summary>Applies each option to <paramref name="defaults"/>; the settings are validated.</summary>
    /// <exception cref="ArgumentException">An unknown option, a missing or malformed value, no <c>--out</c>, or settings out of range;
    /// the message names the option.</exception>
    public static SmallModelRun<T> Parse<T>(IReadOnlyList<string> args, T defaults)
        where T : SmallModelSettings
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(defaults);
        SmallModelSettings settings = defaults;
        string? output = null;
        int? threads = null;
        for (var i = 0; i < args.Count; i++)
        {
            var option = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{option} needs a value.");
            int Int() =>
                int.TryParse(Value(), CultureInfo.InvariantCulture, out var n) ? n : throw Malformed(option, args[i], "an integer");
            double Real() =>
                double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.IsFinite(x)
                    ? x
                    : throw Malformed(option, args[i], "a number");
            switch (option)
            {
                case "--out":
                    output = Value();
                    continue;
                case "--threads":
                    threads = Int() is var t and > 0 ? t : throw Malformed(option, args[i], "a positive integer");
                    continue;
            }
            settings = option switch
            {
                "--steps" => settings with { Steps = Int() },
                "--minutes" => settings with { TimeBudgetMinutes = Real() },
                "--no-time-budget" => settings with { TimeBudgetMinutes = null },
                "--layers" => settings with { Layers = Int() },
                "--width" => settings with { Width = Int() },
                "--heads" => settings with { Heads = Int() },
                "--vocab" => settings with { VocabularySize = Int() },
                "--context" => settings with { ContextLength = Int() },
                "--batch" => settings with { BatchSize = Int() },
                "--lr" => settings with { PeakLearningRate = Real() },
                "--warmup" => settings with { WarmupSteps = Int() },
                "--eval-every" => settings with { EvaluateEvery = Int() },
                "--seed" => settings with { Seed = Int() },
                _ => throw new ArgumentException($"Unknown option '{option}'; the options are: {Usage}"),
            };
        }
        if (string.IsNullOrWhiteSpace(output))
            throw new ArgumentException($"Give the model folder to write with --out <folder>; the options are: {Usage}");
        settings.CheckAll(); // a with-expression keeps the runtime type, so the derived record's own checks run too
        return new SmallModelRun<T>((T)settings, output, threads);
    }

    /// <summary>
    /// A training tool's whole program: parses <paramref name="args"/>, sets the torch threads, trains on the CPU with
    /// <paramref name="train"/>(settings, folder, command, log) and logs each line with the time. Returns the exit code: 0, or
    /// 2 after printing what is wrong with the command line.
    /// </summary>
    /// <param name="script">The script users run (recorded as the command in the provenance), e.g. <c>tools/train-small-gpt.sh</c>.</param>
    /// <param name="args">The command line after the program name.</param>
    /// <param name="defaults">The settings before any option: the shipped model's.</param>
    /// <param name="train">The pretraining run, e.g. <see cref="SmallGptPretraining.Run"/>.</param>
    public static int Main<TSettings, TResult>(
        string script,
        IReadOnlyList<string> args,
        TSettings defaults,
        Func<TSettings, string, string, Action<string>?, TResult> train
    )
        where TSettings : SmallModelSettings
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(script);
        ArgumentNullException.ThrowIfNull(train);
        SmallModelRun<TSettings> run;
        try
        {
            run = Parse(args, defaults);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"{Path.GetFileName(script)}: {e.Message}");
            return 2;
        }
        if (run.Threads is { } threads)
            TorchSharp.torch.set_num_threads(threads);
        TorchSharp.torch.InitializeDeviceType(TorchSharp.DeviceType.CPU);
        train(
            run.Settings,
            run.OutputFolder,
            script + " " + string.Join(' ', args),
            line => Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}")
        );
        return 0;
    }

    private static ArgumentException Malformed(string option, string value, string expected) =>
        new($"{option} takes {expected}; got '{value}'.");
}
