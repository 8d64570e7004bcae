namespace Workbook.Deployment;

/// <summary>What wrote the package, for reproducing and debugging it.</summary>
/// <param name="Workbook">Version of this library.</param>
/// <param name="TorchSharp">The TorchSharp package version.</param>
/// <param name="LibTorch">The libtorch version it pairs with.</param>
/// <param name="DotNet">The .NET runtime version.</param>
public sealed record ManifestVersions(string Workbook, string TorchSharp, string LibTorch, string DotNet);
