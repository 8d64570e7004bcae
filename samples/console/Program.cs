// The Workbook library outside a notebook: the training loop of chapter 03 on the data of chapter 01, then GPT-2's
// tokenizer from chapter 10. Run with `dotnet run --project samples/console` after `dotnet pack` (see the .csproj).
using TorchSharp;
using Workbook.Data;
using Workbook.Models;
using Workbook.Runtime;
using Workbook.Text;
using Workbook.Training;
using static TorchSharp.torch;

// Before the first tensor: the CPU natives this project references, and the device to compute on.
var device = TorchBackend.ForCpu().Initialize(Console.Out).Device;

var data = SyntheticData.MakeClassification(samples: 600, features: 10, informative: 5, seed: 42);
var (train, test) = TrainTestSplit.Split(data, testSize: 0.2, seed: 42);
var (x, y) = train.ToTensors();
var (xTest, yTest) = test.ToTensors();

torch.manual_seed(0);
var model = new SimpleModel(new SimpleModelOptions(Inputs: 10, Outputs: 2));
var trainer = new Trainer(
    model,
    Optimizers.Adam(model.parameters(), lr: 0.01),
    nn.CrossEntropyLoss(),
    new TrainingOptions(Epochs: 20, Seed: 7)
);
trainer.Metrics["accuracy"] = EpochMetrics.Accuracy;
var history = trainer.Fit(x, y, xTest, yTest);
var last = history.Epochs[^1];
Console.WriteLine($"After {history.Epochs.Count} epochs: training loss {last["loss"]:F3}, held-out accuracy {last["val_accuracy"]:P1}");

var tokenizer = Gpt2Tokenizer.FromPackage();
var ids = tokenizer.Encode("Deep learning in C#");
Console.WriteLine($"GPT-2 tokens of \"Deep learning in C#\": [{string.Join(", ", ids)}] → \"{tokenizer.Decode(ids)}\"");

// A run that learned nothing is a failure: the test script reads the exit code.
return last["val_accuracy"] > 0.8 ? 0 : 1;
