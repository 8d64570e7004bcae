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
foreach (var line in LibTorchSharpGlibcxxFix.EnsureLoadable(AppContext.BaseDirectory))
    Console.WriteLine(line);
WebApplication app;
try
{
    app = ServingApp.Build(options);
}
catch (Exception e)
    when (e
            is ModelPackageException
                or IOException
                or ArgumentException
                or InvalidOperationException
                or Workbook.Safetensors.CheckpointMismatchException
    )
{
    Console.Error.WriteLine($"Workbook.Serving: cannot start: {e.Message}");
    return 3;
}
app.Lifetime.ApplicationStarted.Register(() => ParentProcessWatch.Start(app.Lifetime)); // watching during start-up would cancel the bind
try
{
    await app.RunAsync();
}
catch (OperationCanceledException)
{
    // SIGTERM (or Ctrl+C) arrived while Kestrel was still binding: an orderly stop, not a crash.
    Console.WriteLine("Workbook.Serving: stopped before it had finished starting.");
    return 0;
}
Console.WriteLine("Workbook.Serving: stopped.");
return 0;
