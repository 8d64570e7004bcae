using Workbook.Models;

namespace Workbook.Deployment;

/// <summary>The network a package's weights belong to.</summary>
/// <param name="Model">The class to build; <c>SimpleModel</c>.</param>
/// <param name="Options">Its constructor options (inputs, hidden widths, outputs, dropout, normalization, activation).</param>
public sealed record ManifestArchitecture(string Model, SimpleModelOptions Options);
