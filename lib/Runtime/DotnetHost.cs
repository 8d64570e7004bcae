namespace Workbook.Runtime;

/// <summary>
/// The <c>dotnet</c> executable to start a framework-dependent .dll with (a model server, a distributed worker), so a
/// child process runs on the same runtime as its parent. Introduced in chapter 17.
/// </summary>
public static class DotnetHost
{
    /// <summary>
    /// The host running this process when it is <c>dotnet</c> (a notebook kernel, a test host), else
    /// <c>DOTNET_HOST_PATH</c> (set by the SDK for tools and tests), else <c>$DOTNET_ROOT/dotnet</c>, else <c>dotnet</c>
    /// from PATH.
    /// </summary>
    public static string Executable
    {
        get
        {
            var current = System.Environment.ProcessPath;
            if (current is not null && Path.GetFileNameWithoutExtension(current).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
                return current;
            var hostPath = System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(hostPath) && File.Exists(hostPath))
                return hostPath;
            var root = System.Environment.GetEnvironmentVariable("DOTNET_ROOT");
            var candidate = root is null ? null : Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
            return candidate is not null && File.Exists(candidate) ? candidate : "dotnet";
        }
    }
}
