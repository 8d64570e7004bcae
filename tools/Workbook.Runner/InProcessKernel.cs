using System.Collections.Concurrent;
using System.Reactive.Linq;
using System.Runtime.Loader;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.PackageManagement;

namespace Workbook.Runner;

/// <summary>
/// Builds the kernel a notebook front end would: a composite root with the real .NET Interactive C# kernel,
/// `#r "nuget: ..."` support, the kernel helpers (display(), ...), and the loading of packages' notebook
/// extensions (Plotly.NET's chart formatter, Microsoft.Data.Analysis' DataFrame table) when a package that
/// ships one is referenced — as dotnet-interactive does.
/// </summary>
public static class InProcessKernel
{
    /// <summary>Creates a fresh kernel; dispose it when the notebook is done.</summary>
    public static CompositeKernel Create()
    {
        var csharp = new CSharpKernel().UseKernelHelpers().UseValueSharing();
        csharp.UseNugetDirective(
            (kernel, resolved) =>
            {
                kernel.AddAssemblyReferences(resolved.SelectMany(r => r.AssemblyPaths));
                return Task.CompletedTask;
            }
        );

        var root = new CompositeKernel { DefaultKernelName = csharp.Name };
        root.Add(csharp, ["c#", "C#"]);
        LoadPackageExtensions(root);
        return root;
    }

    /// <summary>After each command, loads the <c>interactive-extensions/dotnet/*.dll</c> of packages it added.</summary>
    private static void LoadPackageExtensions(CompositeKernel root)
    {
        var added = new ConcurrentQueue<PackageAdded>();
        var loaded = new HashSet<string>(StringComparer.Ordinal);
        root.RegisterForDisposal(root.KernelEvents.OfType<PackageAdded>().Subscribe(added.Enqueue));
        root.AddMiddleware(
            async (command, context, next) =>
            {
                await next(command, context);
                while (added.TryDequeue(out var package))
                {
                    var folder = Path.Combine(package.PackageReference.PackageRoot, "interactive-extensions", "dotnet");
                    if (!Directory.Exists(folder))
                        continue;
                    foreach (var dll in Directory.EnumerateFiles(folder, "*.dll"))
                    {
                        if (!loaded.Add(dll))
                            continue;
                        var assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(dll);
                        var extensions = assembly.ExportedTypes.Where(t =>
                            t is { IsAbstract: false, IsInterface: false, IsGenericTypeDefinition: false }
                            && typeof(IKernelExtension).IsAssignableFrom(t)
                        );
                        foreach (var type in extensions)
                        {
                            var extension = (IKernelExtension)Activator.CreateInstance(type)!;
                            await extension.OnLoadAsync(root);
                            context.Publish(new KernelExtensionLoaded(extension, context.Command));
                        }
                    }
                }
            }
        );
    }
}
