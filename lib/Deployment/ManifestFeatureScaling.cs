namespace Workbook.Deployment;

/// <summary>Standardisation fitted on the training split: x → (x − mean) / scale, per feature.</summary>
/// <param name="Method">"standard" (scikit-learn's <c>StandardScaler</c>).</param>
/// <param name="Mean">Per-feature mean.</param>
/// <param name="Scale">Per-feature divisor (standard deviation, or 1 for a constant feature).</param>
public sealed record ManifestFeatureScaling(string Method, IReadOnlyList<double> Mean, IReadOnlyList<double> Scale)
{
    /// <summary>The only method so far.</summary>
    public const string StandardMethod = "standard";
}
