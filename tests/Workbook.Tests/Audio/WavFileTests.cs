using System.Buffers.Binary;
using System.Text;
using Workbook.Audio;

namespace Workbook.Tests.Audio;

public sealed class WavFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("wb-wav-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A WAV file built byte by byte: RIFF header, then the given chunks in order (odd sizes padded).</summary>
    private static byte[] Wav(params (string Id, byte[] Body)[] chunks)
    {
        var body = new MemoryStream();
        body.Write("WAVE"u8);
        foreach (var (id, data) in chunks)
        {
            body.Write(Encoding.ASCII.GetBytes(id));
            body.Write(BitConverter.GetBytes((uint)data.Length));
            body.Write(data);
            if (data.Length % 2 == 1)
                body.WriteByte(0);
        }
        return [.. "RIFF"u8.ToArray(), .. BitConverter.GetBytes((uint)body.Length), .. body.ToArray()];
    }

    private static byte[] Fmt(ushort tag, ushort channels, uint rate, ushort bits, bool extensible = false)
    {
        var blockAlign = (ushort)(channels * bits / 8);
        var fmt = new List<byte>();
        fmt.AddRange(BitConverter.GetBytes(extensible ? (ushort)0xFFFE : tag));
        fmt.AddRange(BitConverter.GetBytes(channels));
        fmt.AddRange(BitConverter.GetBytes(rate));
        fmt.AddRange(BitConverter.GetBytes(rate * blockAlign));
        fmt.AddRange(BitConverter.GetBytes(blockAlign));
        fmt.AddRange(BitConverter.GetBytes(bits));
        if (extensible)
        {
            fmt.AddRange(BitConverter.GetBytes((ushort)22));
            fmt.AddRange(BitConverter.GetBytes(bits)); // valid bits
            fmt.AddRange(BitConverter.GetBytes(3u)); // channel mask: front left and right
            fmt.AddRange(BitConverter.GetBytes(tag)); // sub-format GUID: code, then the fixed tail
            fmt.AddRange([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71]);
        }
        return [.. fmt];
    }

    private static AudioClip ReadBytes(byte[] bytes, bool mono = false) => WavFile.Read(new MemoryStream(bytes), "test.wav", mono);

    [Fact]
    public void Decodes_every_integer_width_as_torchaudio_scales_it()
    {
        Assert.Equal([-1f, 0f, 127f / 128], ReadBytes(Wav(("fmt ", Fmt(1, 1, 8000, 8)), ("data", [0, 128, 255]))).Channels[0]);
        var pcm16 = new byte[6];
        BinaryPrimitives.WriteInt16LittleEndian(pcm16, short.MinValue);
        BinaryPrimitives.WriteInt16LittleEndian(pcm16.AsSpan(2), 16384);
        BinaryPrimitives.WriteInt16LittleEndian(pcm16.AsSpan(4), short.MaxValue);
        Assert.Equal([-1f, 0.5f, 32767f / 32768], ReadBytes(Wav(("fmt ", Fmt(1, 1, 16000, 16)), ("data", pcm16))).Channels[0]);
        Assert.Equal(
            [-1f, 0.5f, -0.5f],
            ReadBytes(Wav(("fmt ", Fmt(1, 1, 16000, 24)), ("data", [0x00, 0x00, 0x80, 0x00, 0x00, 0x40, 0x00, 0x00, 0xC0]))).Channels[0]
        );
        Assert.Equal([-1f, 0.25f], ReadBytes(Wav(("fmt ", Fmt(1, 1, 16000, 32)), ("data", [0, 0, 0, 0x80, 0, 0, 0, 0x20]))).Channels[0]);
    }

    [Fact]
    public void Walks_past_other_chunks_odd_sizes_and_reads_extensible_float_stereo()
    {
        var samples = new byte[16];
        BinaryPrimitives.WriteSingleLittleEndian(samples, 0.25f);
        BinaryPrimitives.WriteSingleLittleEndian(samples.AsSpan(4), -0.75f);
        BinaryPrimitives.WriteSingleLittleEndian(samples.AsSpan(8), 1.5f); // float WAVs may exceed ±1
        BinaryPrimitives.WriteSingleLittleEndian(samples.AsSpan(12), 0f);
        var clip = ReadBytes(
            Wav(
                ("LIST", Encoding.ASCII.GetBytes("INFOISFT odd")),
                ("fmt ", Fmt(3, 2, 44100, 32, extensible: true)),
                ("fact", new byte[4]),
                ("data", samples)
            )
        );
        Assert.Equal(44100, clip.SampleRate);
        Assert.Equal([0.25f, 1.5f], clip.Channels[0]);
        Assert.Equal([-0.75f, 0f], clip.Channels[1]);
        Assert.Equal([-0.25f, 0.75f], ReadBytes(Wav(("fmt ", Fmt(3, 2, 44100, 32)), ("data", samples)), mono: true).Channels[0]);
    }

    [Theory]
    [InlineData(WavSampleFormat.Pcm8, 1 / 128.0)]
    [InlineData(WavSampleFormat.Pcm16, 1 / 32768.0)]
    [InlineData(WavSampleFormat.Pcm24, 1 / 8388608.0)]
    [InlineData(WavSampleFormat.Pcm32, 1e-7)]
    [InlineData(WavSampleFormat.Float32, 0)]
    [InlineData(WavSampleFormat.Float64, 0)]
    public void Round_trips_through_the_writer_within_one_quantisation_step(WavSampleFormat format, double step)
    {
        var left = Enumerable.Range(0, 1000).Select(i => (float)Math.Sin(i * 0.05) * 0.9f).ToArray();
        var right = Enumerable.Range(0, 1000).Select(i => (float)Math.Cos(i * 0.03) * 0.5f).ToArray();
        var path = Path.Combine(_folder, $"{format}.wav");
        WavFile.Write(path, new AudioClip(16000, [left, right]), format);
        var back = WavFile.Read(path);
        Assert.Equal((16000, 2, 1000), (back.SampleRate, back.ChannelCount, back.FrameCount));
        for (var i = 0; i < 1000; i++)
        {
            Assert.InRange(Math.Abs(back.Channels[0][i] - left[i]), 0, step / 2 + 1e-7);
            Assert.InRange(Math.Abs(back.Channels[1][i] - right[i]), 0, step / 2 + 1e-7);
        }
        Assert.Single(Directory.GetFiles(_folder, "*.wav"));
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));
    }

    [Fact]
    public void Bad_files_are_named_and_explained()
    {
        string Problem(byte[] bytes) => Assert.Throws<InvalidDataException>(() => ReadBytes(bytes)).Message;
        var pcm = Fmt(1, 1, 16000, 16);
        Assert.Contains("is not a WAV file: it starts with 'ID3", Problem([.. "ID3\u0004 an mp3 file"u8.ToArray()]));
        Assert.Contains("truncated: it ends inside the RIFF header", Problem([.. "RIFF"u8.ToArray(), 1, 2]));
        Assert.Contains("truncated: it ends inside the 'fmt ' chunk", Problem(Wav(("fmt ", pcm))[..30]));
        var shortData = Wav(("fmt ", pcm), ("data", new byte[100]));
        Assert.Contains("'data' chunk declares 100 bytes but only 60 remain", Problem(shortData[..^40]));
        Assert.Contains("has no samples", Problem(Wav(("fmt ", pcm), ("data", []))));
        Assert.Contains("is encoded as µ-law", Problem(Wav(("fmt ", Fmt(7, 1, 8000, 8)), ("data", new byte[4]))));
        Assert.Contains("is encoded as IMA ADPCM", Problem(Wav(("fmt ", Fmt(0x11, 1, 8000, 4)), ("data", new byte[4]))));
        Assert.Contains("is encoded as MP3", Problem(Wav(("fmt ", Fmt(0x55, 1, 8000, 16, extensible: true)), ("data", new byte[4]))));
        Assert.Contains("sample rate of 0 Hz", Problem(Wav(("fmt ", Fmt(1, 1, 0, 16)), ("data", new byte[4]))));
        Assert.Contains("before the 'fmt ' chunk", Problem(Wav(("data", new byte[4]), ("fmt ", pcm))));
        Assert.Contains("has no 'data' chunk", Problem(Wav(("fmt ", pcm))));
        var nan = new byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(nan, float.NaN);
        Assert.Contains("non-finite sample (NaN) at frame 0, channel 0", Problem(Wav(("fmt ", Fmt(3, 1, 16000, 32)), ("data", nan))));
        Assert.Contains("not a whole number of 2-byte sample frames", Problem(Wav(("fmt ", pcm), ("data", new byte[3]))));
        Assert.Throws<FileNotFoundException>(() => WavFile.Read(Path.Combine(_folder, "missing.wav")));
    }

    [Fact]
    public void Clips_validate_what_they_hold()
    {
        Assert.Contains(
            "Sample 1 of channel 0 is Infinity",
            Assert.Throws<ArgumentException>(() => new AudioClip(16000, [0f, float.PositiveInfinity])).Message
        );
        Assert.Contains(
            "Channel 1 has 1 samples but channel 0 has 2",
            Assert
                .Throws<ArgumentException>(() =>
                    new AudioClip(
                        16000,
                        [
                            [0f, 0f],
                            [0f],
                        ]
                    )
                )
                .Message
        );
        Assert.Throws<ArgumentOutOfRangeException>(() => new AudioClip(0, [0f]));
        var clip = new AudioClip(
            4,
            [
                [1f, 2f],
                [3f, 4f],
            ]
        );
        Assert.Equal(0.5, clip.DurationSeconds);
        Assert.Equal([2f, 3f], clip.ToMono().Channels[0]);
        using var tensor = clip.ToTensor();
        Assert.Equal([2L, 2], tensor.shape);
    }

    /// <summary>A stream that cannot seek or tell its length, like a pipe or a network body.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override void Flush() { }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>The bytes of one chunk header with a size that need not match what follows.</summary>
    private static byte[] ChunkHeader(string id, uint size) => [.. Encoding.ASCII.GetBytes(id), .. BitConverter.GetBytes(size)];

    private static byte[] Riff(params byte[][] parts) =>
        [.. "RIFF"u8.ToArray(), .. BitConverter.GetBytes(uint.MaxValue), .. "WAVE"u8.ToArray(), .. parts.SelectMany(p => p)];

    [Fact]
    public void A_chunk_of_size_0xFFFFFFFF_does_not_wrap_to_zero_and_let_its_bytes_pass_for_a_data_chunk()
    {
        var fmt = Fmt(1, 1, 16000, 16);
        var hidden = Wav(("data", [1, 0, 2, 0]))[12..]; // a data chunk right where the huge chunk's body starts
        var bytes = Riff(ChunkHeader("fmt ", (uint)fmt.Length), fmt, ChunkHeader("LIST", uint.MaxValue), hidden);

        foreach (var stream in new Stream[] { new MemoryStream(bytes), new ForwardOnlyStream(bytes) })
        {
            var error = Assert.Throws<InvalidDataException>(() => WavFile.Read(stream, "huge.wav"));
            Assert.Contains("'huge.wav' is truncated: it ends inside the 'LIST' chunk", error.Message);
        }
    }

    [Fact]
    public void Absurd_fmt_and_data_sizes_on_a_stream_without_a_length_are_clear_errors_not_overflow_or_out_of_memory()
    {
        var hugeFormat = Riff(ChunkHeader("fmt ", 0xFFFFFFF0), Fmt(1, 1, 16000, 16));
        Assert.Contains(
            "has a 'fmt ' chunk of 4,294,967,280 bytes; a format description has at most 65,553",
            Assert.Throws<InvalidDataException>(() => WavFile.Read(new ForwardOnlyStream(hugeFormat), "fmt.wav")).Message
        );

        var fmt = Fmt(1, 1, 16000, 16);
        var overLimit = Riff(ChunkHeader("fmt ", (uint)fmt.Length), fmt, ChunkHeader("data", 0xFFFFFFF0), [1, 0]);
        Assert.Contains(
            "declares a 'data' chunk of 4,294,967,280 bytes, more than this reader holds in memory",
            Assert.Throws<InvalidDataException>(() => WavFile.Read(new ForwardOnlyStream(overLimit), "data.wav")).Message
        );

        // Under the limit but far more than arrives: read as the bytes come, so the lie costs no 2 GB allocation.
        var lying = Riff(ChunkHeader("fmt ", (uint)fmt.Length), fmt, ChunkHeader("data", 0x7FFFFF00), new byte[3000]);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var truncated = Assert.Throws<InvalidDataException>(() => WavFile.Read(new ForwardOnlyStream(lying), "lying.wav"));
        Assert.Contains("is truncated: it ends inside the 'data' chunk (3,000 of 2,147,483,392 bytes)", truncated.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20, "the declared size was allocated up front");
    }

    [Fact]
    public void A_directory_given_as_the_audio_file_is_named_as_a_directory()
    {
        var error = Assert.Throws<FileNotFoundException>(() => WavFile.Read(_folder));
        Assert.Contains("is a directory, not a file", error.Message);
        Assert.Contains(
            "does not exist",
            Assert.Throws<FileNotFoundException>(() => WavFile.Read(Path.Combine(_folder, "none.wav"))).Message
        );
    }
}
