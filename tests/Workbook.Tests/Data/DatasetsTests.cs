using System.IO.Compression;
using TorchSharp;
using Workbook.Data;
using static TorchSharp.torch;

namespace Workbook.Tests.Data;

public class DatasetsTests
{
    static DatasetsTests() => torch.InitializeDeviceType(DeviceType.CPU);

    private static string BreastCancerFile => Path.Combine(Repository.Root, "data", "breast-cancer", "breast_cancer.csv");
    private static string DigitsFile => Path.Combine(Repository.Root, "data", "digits", "digits.csv.gz");

    [Fact]
    public void Breast_cancer_loads_569_by_30_with_scikit_learns_values_and_names()
    {
        var golden = Goldens.Get("breastCancer");
        var data = Datasets.LoadBreastCancer();
        Assert.Equal(golden.GetProperty("shape").Ints(), new[] { data.SampleCount, data.FeatureCount });
        Assert.Equal([212, 357], data.ClassCounts());
        Assert.Equal(golden.GetProperty("classCounts").Ints(), data.ClassCounts());
        Assert.Equal(golden.GetProperty("classNames").Strings(), data.ClassNames);
        Assert.Equal(golden.GetProperty("featureNames").Strings(), data.FeatureNames);
        Assert.Equal(golden.GetProperty("firstRow").Doubles(), Row(data, 0));
        Assert.Equal(golden.GetProperty("lastRow").Doubles(), Row(data, data.SampleCount - 1));
        Assert.Equal(golden.GetProperty("firstLabel").GetInt32(), data.Labels[0]);
        Assert.Equal(golden.GetProperty("sum").GetDouble(), data.Features.Cast<double>().Sum(), 6);
        var (x, y) = data.ToTensors();
        using (x)
        using (y)
        {
            Assert.Equal([569L, 30L], x.shape);
            Assert.Equal(357, y.sum().item<long>());
        }
    }

    [Fact]
    public void Digits_load_1797_images_of_64_pixels_with_scikit_learns_class_counts()
    {
        var golden = Goldens.Get("digits");
        var data = Datasets.LoadDigits();
        Assert.Equal(golden.GetProperty("shape").Ints(), new[] { data.SampleCount, data.FeatureCount });
        Assert.Equal(golden.GetProperty("classCounts").Ints(), data.ClassCounts());
        Assert.Equal(golden.GetProperty("firstRow").Doubles(), Row(data, 0));
        Assert.Equal(golden.GetProperty("firstLabel").GetInt32(), data.Labels[0]);
        Assert.Equal(golden.GetProperty("lastLabel").GetInt32(), data.Labels[^1]);
        Assert.Equal(golden.GetProperty("sum").GetDouble(), data.Features.Cast<double>().Sum());
        Assert.Equal("pixel_7_7", data.FeatureNames[63]);
    }

    [Fact]
    public void The_data_folder_is_found_from_a_notebooks_folder()
    {
        var found = DataDirectory.Find(Path.Combine("digits", "digits.csv.gz"), Path.Combine(Repository.Root, "notebooks"));
        Assert.Equal(DigitsFile, found);
        Assert.Contains(
            "pass the file's path",
            Assert.Throws<FileNotFoundException>(() => DataDirectory.Find("no-such.csv", Path.GetTempPath())).Message
        );
    }

    [Theory]
    [InlineData(5, "drop-column", "line 5: expected 31 comma-separated values (30 features and the label), found 30")]
    [InlineData(12, "not-a-number", "line 12: column 3 is \"abc\", not a finite number")]
    [InlineData(20, "bad-label", "line 20: the label (column 31) is \"2\"; expected an integer from 0 to 1")]
    [InlineData(1, "bad-header", "line 1: expected the header \"569,30,malignant,benign\"")]
    [InlineData(570, "truncate", "the file ends after 568 data rows; expected 569")]
    public void A_malformed_breast_cancer_file_names_the_file_and_line(int line, string damage, string expected)
    {
        var lines = File.ReadAllLines(BreastCancerFile).ToList();
        Damage(lines, line, damage);
        var path = TempFile("breast_cancer.csv");
        try
        {
            File.WriteAllLines(path, lines);
            var error = Assert.Throws<InvalidDataException>(() => Datasets.LoadBreastCancer(path));
            Assert.StartsWith(path, error.Message);
            Assert.Contains(expected, error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(7, "drop-column", "line 7: expected 65 comma-separated values (64 features and the label), found 64")]
    [InlineData(100, "pixel-17", "line 100: column 3 is 17; pixel values must be integers from 0 to 16")]
    [InlineData(3, "not-a-number", "line 3: column 3 is \"abc\", not a finite number")]
    public void A_malformed_digits_file_names_the_file_and_line(int line, string damage, string expected)
    {
        List<string> lines;
        using (var reader = new StreamReader(new GZipStream(File.OpenRead(DigitsFile), CompressionMode.Decompress)))
            lines = [.. reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries)];
        Damage(lines, line, damage);
        var path = TempFile("digits.csv.gz");
        try
        {
            using (var writer = new StreamWriter(new GZipStream(File.Create(path), CompressionLevel.Fastest)))
                foreach (var l in lines)
                    writer.Write(l + "\n");
            var error = Assert.Throws<InvalidDataException>(() => Datasets.LoadDigits(path));
            Assert.StartsWith(path, error.Message);
            Assert.Contains(expected, error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_file_that_is_not_gzip_is_reported_with_its_name()
    {
        var path = TempFile("digits.csv.gz");
        try
        {
            File.WriteAllText(path, "this is not gzip");
            var error = Assert.Throws<InvalidDataException>(() => Datasets.LoadDigits(path));
            Assert.StartsWith(path, error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void Damage(List<string> lines, int line, string damage)
    {
        var fields = lines[line - 1].Split(',').ToList();
        switch (damage)
        {
            case "drop-column":
                fields.RemoveAt(4);
                break;
            case "not-a-number":
                fields[2] = "abc";
                break;
            case "bad-label":
                fields[^1] = "2";
                break;
            case "pixel-17":
                fields[2] = "17";
                break;
            case "bad-header":
                fields[0] = "568";
                break;
            case "truncate":
                lines.RemoveAt(lines.Count - 1);
                return;
        }
        lines[line - 1] = string.Join(',', fields);
    }

    private static string TempFile(string name) => Path.Combine(Path.GetTempPath(), $"workbook-{Guid.NewGuid():N}-{name}");

    private static double[] Row(TabularDataset data, int row) =>
        [.. Enumerable.Range(0, data.FeatureCount).Select(j => data.Features[row, j])];

    [Fact]
    public void A_directory_given_as_the_dataset_file_is_named_as_a_directory()
    {
        var folder = Directory.CreateTempSubdirectory("wb-dataset-dir-");
        try
        {
            var error = Assert.Throws<FileNotFoundException>(() => Datasets.LoadBreastCancer(folder.FullName));
            Assert.Contains("is a directory, not a file", error.Message);
        }
        finally
        {
            folder.Delete();
        }
    }
}
