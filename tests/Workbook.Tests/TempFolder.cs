namespace Workbook.Tests;

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() =>
        Directory.CreateDirectory(
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "workbook-tests-" + Guid.NewGuid().ToString("N"))
        );

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException) { }
    }
}
