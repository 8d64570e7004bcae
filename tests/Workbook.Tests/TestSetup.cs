using System.Runtime.CompilerServices;
using Workbook.Native;

namespace Workbook.Tests;

/// <summary>Runs before any test touches TorchSharp: the same native fix every user path applies.</summary>
internal static class TestSetup
{
    [ModuleInitializer]
    internal static void FixNativeLibrary()
    {
        foreach (var line in LibTorchSharpGlibcxxFix.EnsureLoadable(AppContext.BaseDirectory))
            Console.WriteLine(line);
    }
}

/// <summary>Tests that run notebooks or change the process's current directory run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    /// <summary>The collection name.</summary>
    public const string Name = "Serial: notebooks and current directory";
}

/// <summary>A fact that only means something on Linux (ELF files, /proc, Unix modes); skipped, visibly, elsewhere.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
            Skip = "Linux only";
    }
}
