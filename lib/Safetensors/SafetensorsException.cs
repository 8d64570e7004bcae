namespace Workbook.Safetensors;

/// <summary>A safetensors file (or sharded index) is malformed: truncated, a bad header, offsets outside the data, an unknown dtype.
/// The message names the file and what is wrong. Introduced with chapter 08.</summary>
public sealed class SafetensorsException : IOException
{
    /// <summary>Creates the exception for <paramref name="path"/>; the message is prefixed with the file name.</summary>
    public SafetensorsException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner) => FilePath = path;

    /// <summary>The file that is malformed.</summary>
    public string FilePath { get; }
}
