using Workbook.LanguageModels;

// Usage: workbook-small-gpt, then the options of SmallModelCommandLine.Usage (the defaults are SmallGptSettings's).
SmallModelRun<SmallGptSettings> run;
try
{
    run = SmallModelCommandLine.Parse(args, new SmallGptSettings());
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"workbook-small-gpt: {e.Message}");
    return 2;
}
if (run.Threads is { } threads)
    TorchSharp.torch.set_num_threads(threads);
TorchSharp.torch.InitializeDeviceType(TorchSharp.DeviceType.CPU);
var command = "tools/train-small-gpt.sh " + string.Join(' ', args);
SmallGptPretraining.Run(run.Settings, run.OutputFolder, command, line => Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}"));
return 0;
