using Workbook.Deployment;
using Workbook.Native;
using Workbook.Serving;

// The workbook's model server. See ServingOptions.Usage, or run with --help.
if (args is ["--help"] or ["-h"])
{
    Console.WriteLine(ServingOptions.Usage);
    return 0;
}
ServingOptions options;
try
{
    options = ServingOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"Workbook.Serving: {e.Message}");
    return 2;
}
foreach (var line in LibTorchSharpGlibcxxFix.EnsureLoadable(AppContext.BaseDirectory)) Console.WriteLine(line);
WebApplication app;
try
{
    app = ServingApp.Build(options);
}
catch (Exception e) when (e is ModelPackageException or IOException or ArgumentException or InvalidOperationException or Workbook.Safetensors.CheckpointMismatchException)
{
    Console.Error.WriteLine($"Workbook.Serving: cannot start: {e.Message}");
    return 3;
}
await app.RunAsync();
Console.WriteLine("Workbook.Serving: stopped.");
return 0;
