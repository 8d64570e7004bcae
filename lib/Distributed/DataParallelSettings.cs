using System.Globalization;

namespace Workbook.Distributed;

/// <summary>
/// One training run of the chapter-17 worker (tools/Workbook.Distributed): data, model, optimizer and how long. The
/// same settings give the same data, the same initial parameters (seeded on rank 0, then broadcast) and the same
/// batches whatever the number of processes, so runs with 1, 2 or 4 processes are comparable step by step.
/// They travel to the worker as command-line arguments (<see cref="ToArguments"/> / <see cref="Parse"/>).
/// </summary>
/// <param name="Steps">Optimizer steps.</param>
/// <param name="GlobalBatch">Rows per step over all ranks together (B); each rank trains on about B/N of them.</param>
/// <param name="Samples">Rows of the synthetic classification dataset.</param>
/// <param name="Features">Features per row.</param>
/// <param name="HiddenWidths">Hidden layer widths of the SimpleModel (ReLU, no dropout, no BatchNorm).</param>
/// <param name="LearningRate">Plain SGD learning rate (no momentum).</param>
/// <param name="Seed">Seed of the data, the initial parameters and the batch order.</param>
/// <param name="Threads">Torch intra-op threads per rank (1 keeps N ranks from fighting over the cores).</param>
/// <param name="CheckReplicas">Check after every step that all ranks hold identical parameters.</param>
/// <param name="WarmupSteps">Steps left out of the throughput average (first calls allocate and warm caches).</param>
public sealed record DataParallelSettings(
    int Steps = 60,
    int GlobalBatch = 64,
    int Samples = 2048,
    int Features = 20,
    IReadOnlyList<int>? HiddenWidths = null,
    double LearningRate = 0.1,
    int Seed = 11,
    int Threads = 1,
    bool CheckReplicas = true,
    int WarmupSteps = 5
)
{
    /// <summary>The hidden widths used (<see cref="HiddenWidths"/>, or [64, 64]).</summary>
    public IReadOnlyList<int> Widths => HiddenWidths ?? [64, 64];

    /// <summary>Throws if a setting is out of range, naming it; returns these options.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A count below its minimum, a non-positive learning rate, or a batch larger than the
    /// data.</exception>
    public DataParallelSettings Validate()
    {
        if (Steps < 1)
            throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "Train for at least one step.");
        if (GlobalBatch < 1)
            throw new ArgumentOutOfRangeException(nameof(GlobalBatch), GlobalBatch, "The global batch needs at least one row.");
        if (Samples < GlobalBatch)
            throw new ArgumentOutOfRangeException(
                nameof(Samples),
                Samples,
                $"The dataset ({Samples} rows) must hold at least one global batch ({GlobalBatch})."
            );
        if (Features < 2)
            throw new ArgumentOutOfRangeException(
                nameof(Features),
                Features,
                "The synthetic data need at least 2 features (2 informative)."
            );
        if (Widths.Any(w => w < 1))
            throw new ArgumentOutOfRangeException(nameof(HiddenWidths), string.Join(",", Widths), "Every hidden width must be at least 1.");
        if (!(LearningRate > 0 && double.IsFinite(LearningRate)))
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "The learning rate must be a positive number.");
        if (Threads < 1)
            throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "At least one torch thread per rank.");
        if (WarmupSteps < 0 || WarmupSteps >= Steps)
            throw new ArgumentOutOfRangeException(
                nameof(WarmupSteps),
                WarmupSteps,
                $"Warm-up steps must be in 0 … {Steps - 1} (fewer than the steps)."
            );
        return this;
    }

    /// <summary>The settings as worker arguments, e.g. <c>--steps 60 --batch 64 …</c>.</summary>
    public IReadOnlyList<string> ToArguments() =>
        [
            "--steps",
            Str(Steps),
            "--batch",
            Str(GlobalBatch),
            "--samples",
            Str(Samples),
            "--features",
            Str(Features),
            "--hidden",
            string.Join(",", Widths.Select(Str)),
            "--lr",
            LearningRate.ToString("R", CultureInfo.InvariantCulture),
            "--seed",
            Str(Seed),
            "--threads",
            Str(Threads),
            "--check",
            CheckReplicas ? "true" : "false",
            "--warmup",
            Str(WarmupSteps),
        ];

    /// <summary>Reads settings from worker arguments; unknown options are returned in <paramref name="rest"/>.</summary>
    /// <exception cref="ArgumentException">An option lacks its value or the value is not a number; the message names it.</exception>
    public static DataParallelSettings Parse(IReadOnlyList<string> arguments, out IReadOnlyList<string> rest)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var settings = new DataParallelSettings();
        var others = new List<string>();
        for (var i = 0; i < arguments.Count; i++)
        {
            var name = arguments[i];
            string Value() =>
                i + 1 < arguments.Count ? arguments[++i] : throw new ArgumentException($"Option {name} needs a value.", nameof(arguments));
            int Int()
            {
                var v = Value();
                return int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
                    ? n
                    : throw new ArgumentException($"Option {name} needs a whole number; got '{v}'.", nameof(arguments));
            }
            settings = name switch
            {
                "--steps" => settings with { Steps = Int() },
                "--batch" => settings with { GlobalBatch = Int() },
                "--samples" => settings with { Samples = Int() },
                "--features" => settings with { Features = Int() },
                "--hidden" => settings with { HiddenWidths = ParseWidths(name, Value()) },
                "--lr" => settings with { LearningRate = ParseDouble(name, Value()) },
                "--seed" => settings with { Seed = Int() },
                "--threads" => settings with { Threads = Int() },
                "--check" => settings with { CheckReplicas = ParseBool(name, Value()) },
                "--warmup" => settings with { WarmupSteps = Int() },
                _ => Keep(settings, others, name),
            };
        }
        rest = others;
        return settings;
    }

    private static DataParallelSettings Keep(DataParallelSettings settings, List<string> others, string argument)
    {
        others.Add(argument);
        return settings;
    }

    private static int[] ParseWidths(string name, string value) =>
        value.Length == 0
            ? []
            : value
                .Split(',')
                .Select(part =>
                    int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
                        ? n
                        : throw new ArgumentException(
                            $"Option {name} needs comma-separated widths like 64,64; got '{value}'.",
                            nameof(value)
                        )
                )
                .ToArray();

    private static double ParseDouble(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var x)
            ? x
            : throw new ArgumentException($"Option {name} needs a number; got '{value}'.", nameof(value));

    private static bool ParseBool(string name, string value) =>
        bool.TryParse(value, out var b)
            ? b
            : throw new ArgumentException($"Option {name} needs true or false; got '{value}'.", nameof(value));

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);
}
