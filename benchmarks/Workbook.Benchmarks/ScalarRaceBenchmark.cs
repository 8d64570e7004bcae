using System.Diagnostics;
using System.Runtime.InteropServices;
using TorchSharp;
using Workbook.Data;
using Workbook.Models;
using Workbook.Native;
using Workbook.Notebook;
using Workbook.Training;
using static TorchSharp.torch;

namespace Workbook.Benchmarks;

/// <summary>
/// How often training fails from TorchSharp 0.107's implicit-Scalar race: the <see cref="Trainer"/> runs one-epoch
/// <c>Fit</c> calls on a small, deep model (many small parameters: many Scalars per step) while another thread calls
/// <c>GC.Collect()</c> without pause, first with TorchSharp's own optimizer, then with the library's kept-scalar one with
/// the same settings. A failure is an <see cref="ExternalException"/> out of <c>Fit</c> (libtorch read a freed Scalar);
/// it ends that epoch, and the next call goes on. Usage: <c>tools/bench.sh gc-race [seconds per optimizer]</c>.
/// </summary>
internal static class ScalarRaceBenchmark
{
    public static int Run(double secondsPerOptimizer)
    {
        (string Name, Func<IEnumerable<TorchSharp.Modules.Parameter>, optim.Optimizer> Create)[] optimizers =
        [
            ("torch.optim.Adam", p => optim.Adam(p, lr: 1e-3, weight_decay: 1e-4)),
            ("Optimizers.Adam", p => Optimizers.Adam(p, lr: 1e-3, weight_decay: 1e-4)),
            ("torch.optim.AdamW", p => optim.AdamW(p, lr: 1e-3, weight_decay: 0.01)),
            ("Optimizers.AdamW", p => Optimizers.AdamW(p, lr: 1e-3, weight_decay: 0.01)),
            ("torch.optim.SGD (momentum)", p => optim.SGD(p, 0.01, momentum: 0.9, weight_decay: 1e-4)),
            ("Optimizers.Sgd (momentum)", p => Optimizers.Sgd(p, 0.01, momentum: 0.9, weight_decay: 1e-4)),
        ];
        var rows = new List<IReadOnlyList<string>>();
        string? firstFailure = null;
        foreach (var (name, create) in optimizers)
        {
            var (steps, failures, first) = Measure(create, TimeSpan.FromSeconds(secondsPerOptimizer));
            firstFailure ??= first;
            rows.Add([name, $"{steps}", $"{failures}", $"{failures * 1e4 / Math.Max(1, steps + failures):F1}"]);
        }
        Console.WriteLine(
            new Table(
                ["optimizer", "steps done", "steps failed", "failures per 10⁴ steps"],
                rows,
                caption: $"Trainer.Fit under a thread calling GC.Collect() in a loop, {secondsPerOptimizer:F0} s per optimizer, "
                    + $"SimpleModel 10-8-8-8-8-2, batch 8, libtorch {torch.__version__}, {Environment.ProcessorCount} logical CPUs"
            )
        );
        if (firstFailure is not null)
            Console.WriteLine($"first failure: {firstFailure}");
        return 0;
    }

    private static (long Steps, int Failures, string? First) Measure(
        Func<IEnumerable<TorchSharp.Modules.Parameter>, optim.Optimizer> create,
        TimeSpan duration
    )
    {
        var (x, y) = SyntheticData.MakeClassification(samples: 128, features: 10, informative: 5, seed: 1).ToTensors();
        torch.manual_seed(0);
        var model = new SimpleModel(new SimpleModelOptions(Inputs: 10, HiddenWidths: [8, 8, 8, 8]));
        var trainer = new Trainer(model, create(model.parameters()), nn.CrossEntropyLoss(), new TrainingOptions(Epochs: 1, BatchSize: 8));
        long steps = 0;
        trainer.AfterOptimizerStep = () => steps++;
        var failures = 0;
        string? first = null;
        using (new ConcurrentCollector())
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < duration)
            {
                try
                {
                    trainer.Fit(x, y);
                }
                catch (ExternalException e)
                {
                    failures++;
                    first ??=
                        $"{e.Message.Split('\n')[0]} — "
                        + $"{(e.StackTrace ?? "").Split('\n').Select(f => f.Trim()).FirstOrDefault(f => f.Contains("Modules."))}";
                }
            }
        }
        return (steps, failures, first);
    }
}
