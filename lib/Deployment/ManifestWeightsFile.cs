namespace Workbook.Deployment;

/// <summary>The weights file of a package.</summary>
/// <param name="File">File name inside the package folder (<c>model.safetensors</c>).</param>
/// <param name="Format">"safetensors".</param>
/// <param name="Bytes">File length.</param>
/// <param name="Sha256">SHA-256 of the whole file, lowercase hex.</param>
public sealed record ManifestWeightsFile(string File, string Format, long Bytes, string Sha256);
