using Workbook.Hub;

namespace Workbook.Tests;

/// <summary>
/// The gate of the tests that need real pretrained weights: an environment variable naming a folder with the
/// checkpoint's files, or <c>cache</c> for the Hugging Face cache. Unset: the test is skipped (see the attributes);
/// set but unusable: the test fails saying what is missing.
/// </summary>
internal static class RealCheckpoint
{
    public static bool IsGateOpen(string variable) => !string.IsNullOrWhiteSpace(System.Environment.GetEnvironmentVariable(variable));

    public static string Folder(string variable, IReadOnlyList<string> repoIds, IReadOnlyList<string> files)
    {
        var gate = System.Environment.GetEnvironmentVariable(variable)!;
        if (!string.Equals(gate, "cache", StringComparison.OrdinalIgnoreCase))
        {
            var missing = files.Where(f => !File.Exists(Path.Combine(gate, f))).ToArray();
            return missing.Length == 0
                ? gate
                : throw new InvalidOperationException($"{variable}={gate}, but that folder lacks {string.Join(", ", missing)}.");
        }
        using var hub = new HubClient(new HubOptions { Offline = true });
        foreach (var repo in repoIds)
            if (hub.TryGetCachedFolder(repo, files) is { } folder)
                return folder;
        throw new InvalidOperationException(
            $"{variable}=cache, but the Hugging Face cache ({hub.Cache.Root}) "
                + $"lacks some of {string.Join(", ", files)} for {string.Join(" / ", repoIds)}."
        );
    }
}

/// <summary>
/// A test that needs real pretrained weights: skipped, saying which variable to set, unless the gate
/// <paramref name="variable"/> is set (see <see cref="RealCheckpoint"/>).
/// </summary>
public abstract class RealCheckpointFactAttribute : FactAttribute
{
    protected RealCheckpointFactAttribute(string variable, string files)
    {
        if (!RealCheckpoint.IsGateOpen(variable))
            Skip = $"set {variable} to a folder with {files}, or to 'cache' when they are in the Hugging Face cache";
    }
}
