using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;
using Workbook.Notebook;

namespace Workbook.Tests.Notebook;

/// <summary>The real .NET Interactive C# kernel: CS1701 under every torch.tensor call, gone after the set-up cell's call.</summary>
public class NotebookCompilerTests
{
    // Compiles against TorchSharp without running it: torch.tensor's overloads include System.Numerics.Complex ones,
    // which raise CS1701 (TorchSharp was built against .NET 8's System.Runtime.Numerics).
    private const string Cell = "System.Func<TorchSharp.torch.Tensor> make = () => TorchSharp.torch.tensor(new float[] { 1, 2 });";

    private static async Task<string[]> WarningsOf(bool severeOnly)
    {
        using var kernel = new CSharpKernel();
        kernel.AddAssemblyReferences([typeof(TorchSharp.torch).Assembly.Location]);
        if (severeOnly)
            NotebookCompiler.ReportSevereWarningsOnly(kernel);
        var result = await kernel.SendAsync(new SubmitCode(Cell));
        Assert.DoesNotContain(result.Events, e => e is CommandFailed);
        return
        [
            .. result
                .Events.OfType<DiagnosticsProduced>()
                .SelectMany(d => d.Diagnostics)
                .Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Warning)
                .Select(d => d.Code),
        ];
    }

    [Fact]
    public async Task Torch_tensor_raises_CS1701_until_only_severe_warnings_are_reported()
    {
        Assert.Contains("CS1701", await WarningsOf(severeOnly: false));
        Assert.Empty(await WarningsOf(severeOnly: true));
    }

    [Fact]
    public void A_kernel_without_script_options_is_refused_with_a_reason()
    {
        var error = Assert.Throws<NotSupportedException>(() => NotebookCompiler.ReportSevereWarningsOnly(new object()));
        Assert.Contains("keeps no script options", error.Message);
    }
}
