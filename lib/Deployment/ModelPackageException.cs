namespace Workbook.Deployment;

/// <summary>A model package cannot be loaded: a file is missing, the manifest is invalid, or the weights do not match it.</summary>
public sealed class ModelPackageException : Exception
{
    /// <summary>Creates the exception for the package in <paramref name="folder"/>.</summary>
    public ModelPackageException(string folder, string message, Exception? inner = null)
        : base($"Model package {folder}: {message}", inner) => Folder = folder;

    /// <summary>The package folder.</summary>
    public string Folder { get; }
}
