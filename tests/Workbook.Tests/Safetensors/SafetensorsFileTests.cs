using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TorchSharp;
using Workbook.Safetensors;
using static TorchSharp.torch;

namespace Workbook.Tests.Safetensors;

public class SafetensorsFileTests
{
    static SafetensorsFileTests() => InitializeDeviceType(DeviceType.CPU);

    private static string PythonFile => Repository.Fixture("safetensors/dtypes.safetensors");

    private static double[] Values(Tensor t)
    {
        if (t.numel() == 0)
            return []; // TorchSharp's accessor throws on an empty tensor
        using var d = t.to(ScalarType.Float64).flatten();
        return d.data<double>().ToArray();
    }

    [Fact]
    public void Reads_every_dtype_written_by_python()
    {
        var expected = JsonDocument.Parse(File.ReadAllText(Repository.Fixture("safetensors/dtypes.json"))).RootElement;
        using var file = SafetensorsFile.Open(PythonFile);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal("make_fixtures.py", file.Metadata["source"]);
        var tensors = expected.GetProperty("tensors");
        Assert.Equal(tensors.EnumerateObject().Select(p => p.Name).Order(), file.Names.Order());
        foreach (var entry in tensors.EnumerateObject())
        {
            var info = file.Info(entry.Name);
            Assert.Equal(entry.Value.GetProperty("dtype").GetString(), info.Dtype);
            var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64()).ToArray();
            Assert.Equal(shape, info.Shape);
            using var t = file.ReadTensor(entry.Name);
            Assert.Equal(SafetensorsDtypes.ToScalarType(info.Dtype), t.dtype);
            Assert.Equal(shape, t.shape);
            Assert.Equal(entry.Value.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()), Values(t));
        }
    }

    [Fact]
    public void Half_precision_upcasts_to_float32_exactly()
    {
        using var file = SafetensorsFile.Open(PythonFile);
        foreach (var name in new[] { "f16", "bf16" })
        {
            using var stored = file.ReadTensor(name);
            using var up = file.ReadTensor(name, upcastToFloat32: true);
            Assert.Equal(ScalarType.Float32, up.dtype);
            Assert.Equal(Values(stored), Values(up));
        }
        using var ints = file.ReadTensor("i32", upcastToFloat32: true);
        Assert.Equal(ScalarType.Int32, ints.dtype);
    }

    [Fact]
    public void Round_trip_keeps_every_dtype_shape_value_and_metadata()
    {
        using var folder = new TempFolder();
        var path = folder.File("round.safetensors");
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>
        {
            ["a.f32"] = randn(3, 5),
            ["b.f64"] = randn(2, 2, dtype: ScalarType.Float64),
            ["c.f16"] = randn(7, dtype: ScalarType.Float16),
            ["d.bf16"] = randn(2, 3, dtype: ScalarType.BFloat16),
            ["e.i64"] = arange(-5, 5, dtype: ScalarType.Int64),
            ["f.i32"] = tensor(new[] { int.MinValue, 0, int.MaxValue }),
            ["g.i8"] = tensor(new sbyte[] { -128, 3, 127 }),
            ["h.u8"] = tensor(new byte[] { 0, 200, 255 }),
            ["i.bool"] = tensor(new[] { true, false, true }),
            ["j.scalar"] = tensor(1.5f),
            ["k.empty"] = zeros(0, 3),
            ["l.transposed"] = arange(6, dtype: ScalarType.Float32).reshape(2, 3).t(),
        };
        File.WriteAllText(path, "an older file to overwrite");
        SafetensorsWriter.Save(path, tensors, new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ü" });

        Assert.Equal([Path.GetFileName(path)], Directory.GetFiles(folder.Path).Select(Path.GetFileName));
        var bytes = File.ReadAllBytes(path);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, headerLength % 8);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal("ü", file.Metadata["note"]);
        Assert.Equal(tensors.Keys.Order(StringComparer.Ordinal), file.Names);
        foreach (var (name, original) in tensors)
        {
            var read = file.ReadTensor(name);
            Assert.Equal(original.dtype, read.dtype);
            Assert.Equal(original.shape, read.shape);
            Assert.Equal(Values(original), Values(read));
        }
    }

    [Fact]
    public void A_python_file_survives_a_read_write_read_cycle()
    {
        using var folder = new TempFolder();
        using var file = SafetensorsFile.Open(PythonFile);
        var all = file.ReadAll();
        try
        {
            SafetensorsWriter.Save(folder.File("copy.safetensors"), all, file.Metadata);
            using var copy = SafetensorsFile.Open(folder.File("copy.safetensors"));
            Assert.Equal(file.Metadata, copy.Metadata);
            foreach (var (name, t) in all)
            {
                using var again = copy.ReadTensor(name);
                Assert.Equal(Values(t), Values(again));
            }
        }
        finally
        {
            foreach (var t in all.Values)
                t.Dispose();
        }
    }

    [Fact]
    public void ReadInto_fills_an_existing_tensor_converting_dtype_and_checks_the_shape()
    {
        using var file = SafetensorsFile.Open(PythonFile);
        using var same = zeros(3, 4);
        file.ReadInto("layer.0.weight", same);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (double)i), Values(same));

        using var fromHalf = zeros(2, 3);
        file.ReadInto("f16", fromHalf);
        using var half = file.ReadTensor("f16");
        Assert.Equal(Values(half), Values(fromHalf));

        using var wrong = zeros(4, 3);
        var e = Assert.Throws<ArgumentException>(() => file.ReadInto("layer.0.weight", wrong));
        Assert.Contains("'layer.0.weight'", e.Message);
        Assert.Contains("[3, 4]", e.Message);
        Assert.Contains("[4, 3]", e.Message);
        Assert.Contains("dtypes.safetensors", e.Message);
    }

    [Fact]
    public void ReadInto_a_transposed_destination_goes_through_bounded_slices()
    {
        using var folder = new TempFolder();
        var path = folder.File("big.safetensors");
        using (var big = arange(4_500_000, dtype: ScalarType.Float32).reshape(9000, 500)) // 18 MB: many 1 MB slices
            SafetensorsWriter.Save(path, new Dictionary<string, Tensor> { ["w"] = big.to(ScalarType.Float16) });
        using var file = SafetensorsFile.Open(path);
        using var storage = zeros(500, 9000);
        using var destination = storage.t();
        Assert.False(destination.is_contiguous());
        file.ReadInto("w", destination);
        using var expected = arange(4_500_000, dtype: ScalarType.Float32).reshape(9000, 500).to(ScalarType.Float16).to(ScalarType.Float32);
        Assert.True((expected == destination).all().item<bool>());
    }

    [Fact]
    public void Unknown_names_and_missing_files_are_named()
    {
        using var file = SafetensorsFile.Open(PythonFile);
        Assert.Contains("'nope'", Assert.Throws<KeyNotFoundException>(() => file.ReadTensor("nope")).Message);
        var missing = Path.Combine(Path.GetTempPath(), "no-such-" + Guid.NewGuid() + ".safetensors");
        Assert.Contains(missing, Assert.Throws<FileNotFoundException>(() => SafetensorsFile.Open(missing)).Message);
    }

    /// <summary>A file with the given header text and data bytes, the length field computed from the header (unless given).</summary>
    private static string Raw(TempFolder folder, string header, int dataBytes, ulong? lengthField = null)
    {
        var path = folder.File("bad.safetensors");
        var headerBytes = Encoding.UTF8.GetBytes(header);
        using var stream = File.Create(path);
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, lengthField ?? (ulong)headerBytes.Length);
        stream.Write(length);
        stream.Write(headerBytes);
        stream.Write(new byte[dataBytes]);
        return path;
    }

    private static string Entry(string name, string dtype, string shape, long begin, long end) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":[{begin},{end}]}}";

    public static TheoryData<string, string, int, string> BadFiles =>
        new()
        {
            { "tiny", "", -1, "truncated: the file has 4 bytes" },
            { "header cut", "{\"a\":{}}", -2, "truncated: the header length field says" },
            { "huge length", "{}", -3, "bad header: its length field says" },
            { "not json", "{\"a\": [", 0, "bad header: not valid JSON" },
            { "not an object", "[1, 2]", 0, "bad header: expected a JSON object" },
            {
                "unknown dtype",
                "{" + Entry("w", "Q8", "[2]", 0, 2) + "}",
                2,
                "tensor 'w' has dtype 'Q8', which is not a safetensors dtype"
            },
            {
                "size mismatch",
                "{" + Entry("w", "F32", "[2, 3]", 0, 20) + "}",
                20,
                "tensor 'w': F32 [2, 3] needs 24 bytes, but data_offsets [0, 20] span 20"
            },
            {
                "gap",
                "{" + Entry("a", "F32", "[1]", 0, 4) + "," + Entry("b", "F32", "[1]", 8, 12) + "}",
                12,
                "tensor 'b' starts at byte 8, but 'a' ends at 4"
            },
            {
                "overlap",
                "{" + Entry("a", "F32", "[2]", 0, 8) + "," + Entry("b", "F32", "[1]", 4, 8) + "}",
                8,
                "tensor 'b' starts at byte 4, but 'a' ends at 8"
            },
            {
                "data cut",
                "{" + Entry("a", "F32", "[2]", 0, 8) + "," + Entry("b", "F64", "[2]", 8, 24) + "}",
                20,
                "truncated or offsets outside the file: tensor 'b' ends at byte 24 of the data section, which holds only 20 bytes"
            },
            {
                "trailing bytes",
                "{" + Entry("a", "F32", "[2]", 0, 8) + "}",
                12,
                "the tensors end at byte 8 of the data section, but it holds 12 bytes"
            },
            { "missing offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "tensor 'a': missing the array field 'data_offsets'" },
            { "negative shape", "{" + Entry("a", "F32", "[-1]", 0, 4) + "}", 4, "'shape' must hold non-negative integers" },
            { "bad metadata", "{\"__metadata__\":{\"n\":3}}", 0, "__metadata__.n must be a string" },
        };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Malformed_files_are_refused_with_a_message_naming_file_and_problem(
        string caseName,
        string header,
        int dataBytes,
        string message
    )
    {
        using var folder = new TempFolder();
        string path;
        if (dataBytes == -1)
            File.WriteAllBytes(path = folder.File("bad.safetensors"), [1, 2, 3, 4]);
        else if (dataBytes == -2)
            path = Raw(folder, header, 0, lengthField: 1000);
        else if (dataBytes == -3)
            path = Raw(folder, header, 0, lengthField: ulong.MaxValue / 2);
        else
            path = Raw(folder, header, dataBytes);
        var e = Assert.Throws<SafetensorsException>(() => SafetensorsFile.Open(path));
        Assert.True(e.Message.Contains(message), $"{caseName}: {e.Message}");
        Assert.StartsWith(path, e.Message);
        Assert.Equal(path, e.FilePath);
    }

    [Fact]
    public void A_dtype_torchsharp_lacks_parses_but_refuses_to_read()
    {
        using var folder = new TempFolder();
        var path = Raw(folder, "{" + Entry("u", "U16", "[2]", 0, 4) + "}", 4);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(4, file.Info("u").ByteLength);
        Assert.Contains("tensor 'u' is U16", Assert.Throws<NotSupportedException>(() => file.ReadTensor("u")).Message);
    }

    [Fact]
    public void Writer_refuses_meta_tensors_and_reserved_names_and_leaves_no_file()
    {
        using var folder = new TempFolder();
        var path = folder.File("x.safetensors");
        using var meta = empty(2, 2, device: META);
        Assert.Contains(
            "'w' is on the meta device",
            Assert.Throws<ArgumentException>(() => SafetensorsWriter.Save(path, new Dictionary<string, Tensor> { ["w"] = meta })).Message
        );
        using var t = zeros(1);
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Save(path, new Dictionary<string, Tensor> { ["__metadata__"] = t }));
        using var complex = zeros(2, dtype: ScalarType.ComplexFloat32);
        Assert.Contains(
            "'c'",
            Assert.Throws<ArgumentException>(() => SafetensorsWriter.Save(path, new Dictionary<string, Tensor> { ["c"] = complex })).Message
        );
        Assert.Empty(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void A_header_that_is_not_valid_utf8_is_refused()
    {
        using var folder = new TempFolder();
        var path = Raw(folder, "{" + Entry("ab", "F32", "[1]", 0, 4) + "}", 4);
        var bytes = File.ReadAllBytes(path);
        bytes[8 + 2] = 0xFF; // the 'a' of the name becomes a byte UTF-8 never uses
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<SafetensorsException>(() => SafetensorsFile.Open(path));
        Assert.Contains("bad header: not valid UTF-8 (the invalid bytes start at byte 10 of the file)", e.Message);
    }

    [Fact]
    public void A_directory_is_reported_as_a_directory()
    {
        using var folder = new TempFolder();
        Assert.Contains(
            "is a directory, not a safetensors file",
            Assert.Throws<FileNotFoundException>(() => SafetensorsFile.Open(folder.Path)).Message
        );
    }

    [Fact]
    public void A_tensor_larger_than_the_limit_is_refused_before_allocating_and_the_limit_can_be_raised()
    {
        using var folder = new TempFolder();
        const long eightGiB = 8L << 30;
        var path = Raw(
            folder,
            "{" + Entry("huge", "F32", $"[{eightGiB / 4}]", 0, eightGiB) + "," + Entry("small", "F16", "[4]", eightGiB, eightGiB + 8) + "}",
            0
        );
        using (var stream = new FileStream(path, FileMode.Open))
            stream.SetLength(stream.Length + eightGiB + 8); // sparse: no disk used
        using var file = SafetensorsFile.Open(path);
        var e = Assert.Throws<InsufficientMemoryException>(() => file.ReadTensor("huge"));
        Assert.Contains(
            "tensor 'huge' (F32 [2147483648]) needs 8.0 GiB, more than the limit of 4.0 GiB; raise SafetensorsFile.MaxTensorBytes",
            e.Message
        );
        file.MaxTensorBytes = 16;
        Assert.Contains(
            "needs 0.0 MiB with its float32 copy",
            Assert.Throws<InsufficientMemoryException>(() => file.ReadTensor("small", upcastToFloat32: true)).Message
        );
        file.MaxTensorBytes = 24;
        using var small = file.ReadTensor("small", upcastToFloat32: true);
        Assert.Equal(ScalarType.Float32, small.dtype);
    }
}
