using TorchSharp;
using Workbook.Data;
using static TorchSharp.torch;

namespace Workbook.Tests.Data;

/// <summary>The IDX reader on fixtures written by tests/fixtures/data/idx/make_idx_fixtures.py, and on damaged copies of them.</summary>
public sealed class IdxFileTests : IDisposable
{
    static IdxFileTests() => torch.InitializeDeviceType(DeviceType.CPU);

    private readonly string folder = Directory.CreateTempSubdirectory("idx-tests-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static string Fixture(string name) => Repository.Fixture(Path.Combine("data", "idx", name));

    private static byte[] LabelBytes => File.ReadAllBytes(Fixture("labels-3-ubyte.idx"));

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private InvalidDataException Refused(byte[] bytes, long maxBytes = IdxFile.DefaultMaxBytes)
    {
        var path = Write("bad.idx", bytes);
        var error = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path, maxBytes));
        Assert.Contains(path, error.Message);
        return error;
    }

    [Fact]
    public void Gzip_images_read_with_their_dimensions_and_pixels()
    {
        var file = IdxFile.Read(Fixture("images-3x4x5-ubyte.idx.gz"));
        Assert.Equal(IdxDataType.UnsignedByte, file.DataType);
        Assert.Equal([3, 4, 5], file.Dimensions);
        var expected = Enumerable
            .Range(0, 3)
            .SelectMany(i => Enumerable.Range(0, 20).Select(p => (byte)((20 * i + 5 * (p / 5) + p % 5 + (i == 2 ? 180 : 0)) % 256)))
            .ToArray();
        Assert.Equal(expected, file.ToBytes());
        using var tensor = file.ToTensor();
        Assert.Equal([3L, 4, 5], tensor.shape);
        Assert.Equal(ScalarType.Byte, tensor.dtype);
        Assert.Equal(expected[59], tensor[2, 3, 4].item<byte>());
    }

    [Fact]
    public void Every_element_type_converts_from_big_endian()
    {
        using (var ints = IdxFile.Read(Fixture("int32-2x3.idx")).ToTensor())
            Assert.Equal([1, -2, 300000, -400000, 5, int.MaxValue], ints.data<int>().ToArray());
        using (var floats = IdxFile.Read(Fixture("float32-4.idx")).ToTensor())
            Assert.Equal([0.5f, -1.25f, 3.0e10f, -0.0f], floats.data<float>().ToArray());
        using (var shorts = IdxFile.Read(Fixture("int16-3.idx")).ToTensor())
            Assert.Equal([short.MinValue, (short)1, short.MaxValue], shorts.data<short>().ToArray());
        using (var signed = IdxFile.Read(Fixture("sbyte-4.idx")).ToTensor())
        {
            Assert.Equal(ScalarType.Int8, signed.dtype);
            Assert.Equal([-128L, -1, 0, 127], signed.to(ScalarType.Int64).data<long>().ToArray());
        }
        using (var doubles = IdxFile.Read(Fixture("float64-2.idx")).ToTensor())
            Assert.Equal([1.0 / 3.0, -2.5e-300], doubles.data<double>().ToArray());
    }

    [Fact]
    public void A_file_without_the_magic_number_is_refused()
    {
        var bytes = LabelBytes;
        bytes[0] = 0x50;
        Assert.Contains("magic number", Refused(bytes).Message);
        Assert.Contains("4-byte magic number", Refused([0, 0]).Message);
    }

    [Fact]
    public void An_unknown_element_type_is_refused_by_its_code()
    {
        var bytes = LabelBytes;
        bytes[2] = 0x0A;
        Assert.Contains("0x0A", Refused(bytes).Message);
    }

    [Fact]
    public void Truncated_data_and_header_are_refused_with_the_sizes()
    {
        var bytes = LabelBytes;
        var data = Refused(bytes[..^1]).Message;
        Assert.Contains("truncated", data);
        Assert.Contains("3 bytes", data);
        Assert.Contains("only 2 bytes", data);
        Assert.Contains("truncated in its header", Refused(bytes[..6]).Message);
    }

    [Fact]
    public void Trailing_bytes_are_refused()
    {
        Assert.Contains("data after", Refused([.. LabelBytes, 7]).Message);
    }

    [Fact]
    public void A_zero_dimension_is_refused()
    {
        var bytes = LabelBytes;
        bytes[7] = 0;
        Assert.Contains("dimension 0 is 0", Refused(bytes).Message);
    }

    [Fact]
    public void A_header_declaring_more_than_the_limit_is_refused_before_allocating()
    {
        // 2^30 × 2^30 bytes would not fit in memory: the reader must refuse from the header alone.
        byte[] huge = [0, 0, 0x08, 2, 0x40, 0, 0, 0, 0x40, 0, 0, 0];
        Assert.Contains("more than", Refused(huge).Message);
        Assert.Contains("maxBytes", Refused(LabelBytes, maxBytes: 2).Message);
    }

    [Fact]
    public void A_damaged_gzip_stream_is_refused_naming_the_file()
    {
        var gzip = File.ReadAllBytes(Fixture("images-3x4x5-ubyte.idx.gz"));
        var path = Write("cut.idx.gz", gzip[..(gzip.Length / 2)]);
        var error = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var path = Path.Combine(folder, "absent.idx");
        Assert.Contains(path, Assert.Throws<FileNotFoundException>(() => IdxFile.Read(path)).Message);
    }
}
