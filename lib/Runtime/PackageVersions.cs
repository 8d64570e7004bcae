namespace Workbook.Runtime;

/// <summary>
/// The package versions this repository pins centrally (Directory.Packages.props), embedded at build time.
/// Introduced with chapter 00.
/// </summary>
public static partial class PackageVersions
{
    /// <summary>The pinned version of a package, e.g. <c>Of("TorchSharp")</c> is "0.107.0".</summary>
    /// <exception cref="KeyNotFoundException">The package is not pinned in Directory.Packages.props.</exception>
    public static string Of(string packageId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(packageId);
        return Central.TryGetValue(packageId, out var version)
            ? version
            : throw new KeyNotFoundException(
                $"Package '{packageId}' is not pinned in Directory.Packages.props; pinned are: {string.Join(", ", Central.Keys.Order())}."
            );
    }

    /// <summary>All pinned packages and versions.</summary>
    public static IReadOnlyDictionary<string, string> All => Central;
}
