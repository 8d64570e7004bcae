using System.Globalization;
using Workbook.Notebook;

namespace Workbook.Hub;

/// <summary>
/// How far a file download has got, reported through <see cref="IProgress{T}"/>. A notebook can show it in place:
/// <code>
/// var shown = new ProgressBar("model.safetensors", 0, 1).Display();
/// var progress = new Progress&lt;DownloadProgress&gt;(p =&gt; shown.Update(p.ToProgressBar()));
/// </code>
/// Introduced in chapter 10.
/// </summary>
/// <param name="FileName">The file inside the repository, e.g. <c>model.safetensors</c>.</param>
/// <param name="BytesDone">Bytes on disk so far, including those of a resumed partial download.</param>
/// <param name="TotalBytes">The file's size when the hub announced it, else null.</param>
public readonly record struct DownloadProgress(string FileName, long BytesDone, long? TotalBytes)
{
    /// <summary>The fraction done, 0 to 1; 0 while the size is unknown.</summary>
    public double Fraction => TotalBytes is > 0 ? Math.Clamp((double)BytesDone / TotalBytes.Value, 0, 1) : 0;

    /// <summary>True once every byte is on disk.</summary>
    public bool IsComplete => TotalBytes is { } total && BytesDone >= total;

    /// <summary>
    /// The same progress as a <see cref="ProgressBar"/>, counted in MB (kB below 10 MB) so large files fit its
    /// integer counts; the label names the file and the unit.
    /// </summary>
    public ProgressBar ToProgressBar()
    {
        var total = TotalBytes ?? BytesDone;
        var (unit, scale) = total >= 10_000_000 ? ("MB", 1_000_000d) : ("kB", 1_000d);
        var totalUnits = (int)Math.Round(total / scale);
        var doneUnits = Math.Min((int)Math.Round(BytesDone / scale), totalUnits);
        return new ProgressBar($"{FileName} ({unit})", Math.Max(doneUnits, 0), Math.Max(totalUnits, 0));
    }

    /// <summary>One line, e.g. <c>model.safetensors 12.3/548.1 MB (2%)</c>.</summary>
    public override string ToString() =>
        TotalBytes is { } total
            ? string.Create(CultureInfo.InvariantCulture, $"{FileName} {BytesDone / 1e6:0.0}/{total / 1e6:0.0} MB ({Fraction * 100:0}%)")
            : string.Create(CultureInfo.InvariantCulture, $"{FileName} {BytesDone / 1e6:0.0} MB");
}
