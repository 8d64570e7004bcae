using System.Reflection;
using Workbook.Runtime;

namespace Workbook.Notebook;

/// <summary>
/// The first cell of a chapter run as a .NET file-based app (<c>dotnet run apps/NN-name.cs</c>; introduced with the
/// apps of chapter 00), in place of the notebook's <see cref="ChapterSetup.LoadAsync"/>. A plain process cannot add
/// packages while it runs, so the native libtorch is chosen when the app is built (apps/Directory.Build.targets,
/// by the same rule as <see cref="TorchBackend.Choose()"/>: <c>WORKBOOK_TORCH_BACKEND</c>, else an NVIDIA GPU, else
/// the CPU) and recorded in the app's assembly; this class initialises that backend, makes
/// <see cref="ChapterSetup.Device"/> answer, sets the working directory to <c>notebooks/</c> (so the chapter's
/// relative paths mean what they mean in its notebook) and installs the console display (<see cref="ConsoleDisplay"/>).
/// </summary>
public static class AppSetup
{
    /// <summary>The assembly metadata key under which the build records the native package it referenced.</summary>
    public const string BackendPackageKey = "WorkbookTorchBackendPackage";

    /// <summary>The assembly metadata key under which the build records why it chose that package.</summary>
    public const string BackendReasonKey = "WorkbookTorchBackendReason";

    /// <summary>Set to a folder to put the app's chart pages there instead of <c>artifacts/apps/NN-name/</c>.</summary>
    public const string OutputVariable = "WORKBOOK_APP_OUTPUT";

    /// <summary>Initialises the backend and the console display; returns the display.</summary>
    /// <exception cref="InvalidOperationException">Not run as a file-based app of the workbook, or built without a recorded
    /// backend.</exception>
    public static ConsoleDisplay Load()
    {
        var appFile =
            AppContext.GetData("EntryPointFilePath") as string
            ?? throw new InvalidOperationException(
                "AppSetup.Load is the first cell of a chapter's app: run it as `dotnet run apps/NN-name.cs`."
            );
        var repository = RepositoryOf(appFile);
        var chapter = Path.GetFileNameWithoutExtension(appFile);
        Directory.SetCurrentDirectory(Path.Combine(repository, "notebooks"));

        var console = new ConsoleLineWriter(Console.Out);
        Console.SetOut(console);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => console.EndLine();
        var chartFolder = System.Environment.GetEnvironmentVariable(OutputVariable) is { Length: > 0 } chosen
            ? chosen
            : Path.Combine(repository, "artifacts", "apps", chapter);
        var display = new ConsoleDisplay(console, chartFolder);
        ConsoleDisplay.Current = display;

        var backend = BuiltBackend(Assembly.GetEntryAssembly(), appFile);
        ChapterSetup.UseLoaded(backend, backend.Initialize(Console.Out));
        return display;
    }

    /// <summary>The backend the app's build recorded in <paramref name="app"/>'s metadata.</summary>
    /// <exception cref="InvalidOperationException">No backend is recorded, or the one recorded is not a TorchSharp native
    /// package.</exception>
    public static TorchBackend BuiltBackend(Assembly? app, string appFile)
    {
        var metadata = (app?.GetCustomAttributes<AssemblyMetadataAttribute>() ?? [])
            .GroupBy(a => a.Key)
            .ToDictionary(g => g.Key, g => g.Last().Value);
        if (!metadata.TryGetValue(BackendPackageKey, out var package) || string.IsNullOrEmpty(package))
            throw new InvalidOperationException(
                $"{appFile} was built without a native libtorch: apps/Directory.Build.targets chooses one; "
                    + "keep the app in the workbook's apps/ folder."
            );
        var kind =
            package.Contains("cuda", StringComparison.OrdinalIgnoreCase) ? TorchBackendKind.Cuda
            : package.Contains("cpu", StringComparison.OrdinalIgnoreCase) ? TorchBackendKind.Cpu
            : throw new InvalidOperationException(
                $"{appFile} records '{package}' as its native package, which is not a TorchSharp CPU or CUDA package."
            );
        var reason = metadata.GetValueOrDefault(BackendReasonKey) is { Length: > 0 } why ? why : "recorded by the build";
        return new TorchBackend(kind, package, PackageVersions.Of(package), $"chosen when the app was built: {reason}");
    }

    // The checkout the app lives in: the nearest folder upward with notebooks/ and lib/Workbook.csproj.
    private static string RepositoryOf(string appFile)
    {
        for (var folder = Path.GetDirectoryName(Path.GetFullPath(appFile)); folder is not null; folder = Path.GetDirectoryName(folder))
            if (Directory.Exists(Path.Combine(folder, "notebooks")) && File.Exists(Path.Combine(folder, "lib", "Workbook.csproj")))
                return folder;
        throw new InvalidOperationException(
            $"{appFile} is not inside the workbook (no folder above it has notebooks/ and lib/Workbook.csproj)."
        );
    }
}
