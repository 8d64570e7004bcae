using Workbook;
using Workbook.Benchmarks;
using Workbook.Runtime;

// Benchmarks, each printing a table. Run from the repository root:
//   tools/bench.sh            float32 matmul throughput, TorchSharp beside Debian's PyTorch
//   tools/bench.sh gpt2       GPT-2 124M (random weights): load time, peak RSS, prefill, decode tokens/s
//   tools/bench.sh wav2vec2   wav2vec2-base (random weights): load time, real-time factor for 10 s and 60 s, beside torchaudio
//   tools/bench.sh distributed  data-parallel samples/s under mpirun with 1, 2 and 4 processes (chapter 17's worker)
//   tools/bench.sh cnn        chapter 07's small CNN: training images/s, beside Debian's PyTorch
//   tools/bench.sh gc-race [s]  training failures under a concurrent GC: TorchSharp's optimizers beside the kept-scalar ones
var backend = TorchBackend.Choose(TorchBackendKind.Cpu.ToString(), NvidiaGpu.Detect(), TorchBackend.CurrentPlatform());
backend.Initialize(Console.Out);

switch (args.FirstOrDefault())
{
    case null or "matmul":
        return MatmulBenchmark.Run();
    case "gpt2":
        return Gpt2Benchmark.Run();
    case "wav2vec2":
        return Wav2Vec2Benchmark.Run();
    case "distributed":
        return DistributedBenchmark.Run();
    case "cnn":
        return CnnBenchmark.Run();
    case "gc-race":
        return ScalarRaceBenchmark.Run(
            args.Length > 1 && double.TryParse(args[1], System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0
                ? seconds
                : 30
        );
    case Wav2Vec2Benchmark.MeasureCommand when args.Length == 3:
        return Wav2Vec2Benchmark.Measure(args[1], int.Parse(args[2]));
    case Gpt2Benchmark.MeasureCommand when args.Length == 3:
        return Gpt2Benchmark.Measure(args[1], int.Parse(args[2]));
    default:
        Console.Error.WriteLine("usage: workbook-bench [matmul | gpt2 | wav2vec2 | distributed | cnn | gc-race [seconds]]");
        return 2;
}
