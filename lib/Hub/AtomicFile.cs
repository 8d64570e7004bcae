using System.Text;

namespace Workbook.Hub;

/// <summary>Writes files so that a reader sees either the old content or the new, never a part: temp file in the same folder, then a rename.</summary>
internal static class AtomicFile
{
    /// <summary>A fresh temporary name beside <paramref name="path"/> (same folder, so the final move is a rename).</summary>
    public static string TemporaryPath(string path) => $"{path}.{Guid.NewGuid():N}.tmp";

    /// <summary>Writes <paramref name="text"/> as UTF-8 without a byte order mark, creating the folder if needed.</summary>
    public static void WriteAllText(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = TemporaryPath(path);
        try
        {
            File.WriteAllText(temporary, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }
}
