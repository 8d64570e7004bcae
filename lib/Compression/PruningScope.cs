namespace Workbook.Compression;

/// <summary>How <see cref="MagnitudePruning.Unstructured"/> picks the weights to prune.</summary>
public enum PruningScope
{
    /// <summary>Each selected parameter loses the same fraction of its own smallest-magnitude weights.</summary>
    PerLayer,
    /// <summary>One threshold over all selected parameters together: layers with many small weights lose more.</summary>
    Global,
}
