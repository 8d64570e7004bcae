using System.Reflection;

namespace Workbook.Notebook;

/// <summary>
/// Sets how the notebook's C# kernel reports compiler warnings. Every chapter's set-up cell (introduced in chapter 00)
/// calls <see cref="ReportSevereWarningsOnly"/>, so no cell shows warnings the reader cannot act on: chiefly CS1701,
/// which every <c>torch.tensor(...)</c> call raises because TorchSharp was built against .NET 8's
/// System.Runtime.Numerics and the notebook runs on a newer one (a normal project hides it with its default NoWarn;
/// the kernel has no such list).
/// </summary>
/// <remarks>
/// The .NET Interactive C# kernel compiles each cell with Roslyn script options it keeps in a private field and
/// offers no setting for them; Roslyn takes only the warning level from those options (no NoWarn list, no nullable
/// context). This class sets that level by reflection on the kernel passed in, and fails with a clear message if a
/// kernel version keeps its options elsewhere. The workbook pins that version (.config/dotnet-tools.json and
/// Directory.Packages.props), and the tests check both.
/// </remarks>
public static class NotebookCompiler
{
    /// <summary>Roslyn's level 1: severe warnings only (CS1701 and most style-like warnings are level 2 and above).</summary>
    public const int SevereWarningLevel = 1;

    /// <summary>
    /// Makes <paramref name="csharpKernel"/> (the notebook's <c>Kernel.Root.FindKernelByName("csharp")</c>) report only
    /// level-1 warnings in the cells that follow. Errors are unaffected.
    /// </summary>
    /// <exception cref="NotSupportedException">The kernel keeps no script options where this version of it does.</exception>
    public static void ReportSevereWarningsOnly(object csharpKernel)
    {
        ArgumentNullException.ThrowIfNull(csharpKernel);
        var kernelType = csharpKernel.GetType();
        FieldInfo? field = null;
        for (var type = kernelType; type is not null && field is null; type = type.BaseType)
            field = type.GetField("_scriptOptions", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.DeclaredOnly);
        var version = kernelType.Assembly.GetName().Version;
        var options =
            field?.GetValue(csharpKernel)
            ?? throw new NotSupportedException(
                $"{kernelType.FullName} {version} keeps no script options in a _scriptOptions field, so its warning level cannot be set; "
                    + "use the dotnet-interactive version the workbook pins (tools/jupyter/setup.sh installs it)."
            );
        var withWarningLevel =
            options.GetType().GetMethod("WithWarningLevel", [typeof(int)])
            ?? throw new NotSupportedException(
                $"{options.GetType().FullName} has no WithWarningLevel(int); this Roslyn version is not one the workbook knows."
            );
        field!.SetValue(csharpKernel, withWarningLevel.Invoke(options, [SevereWarningLevel]));
    }
}
