using Workbook.Encoders;
using Workbook.LanguageModels;

// Usage: workbook-small-bert, then the options of SmallModelCommandLine.Usage (the defaults are SmallBertSettings's).
SmallModelRun<SmallBertSettings> run;
try
{
    run = SmallModelCommandLine.Parse(args, new SmallBertSettings());
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"workbook-small-bert: {e.Message}");
    return 2;
}
if (run.Threads is { } threads)
    TorchSharp.torch.set_num_threads(threads);
TorchSharp.torch.InitializeDeviceType(TorchSharp.DeviceType.CPU);
var command = "tools/train-small-bert.sh " + string.Join(' ', args);
SmallBertPretraining.Run(run.Settings, run.OutputFolder, command, line => Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}"));
return 0;
