namespace Workbook.Deployment;

/// <summary>The columns a request sends, in the order the model expects them.</summary>
/// <param name="FeatureCount">How many numbers one row has.</param>
/// <param name="FeatureNames">The name of each, in order.</param>
public sealed record ManifestInputSchema(int FeatureCount, IReadOnlyList<string> FeatureNames);
