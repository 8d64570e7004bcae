using System.Buffers.Binary;
using System.Text;
using Workbook.IO;

namespace Workbook.Audio;

/// <summary>
/// Reads and writes RIFF/WAVE files. The reader walks the chunks (it never assumes a 44-byte header, so LIST, fact,
/// cue and other chunks anywhere are skipped), and decodes integer PCM of 8, 16, 24 and 32 bits, IEEE float of 32 and 64
/// bits, and WAVE_FORMAT_EXTENSIBLE with either, in any channel count. Integers are scaled as torchaudio does
/// (divided by 2^(bits−1); 8-bit is unsigned around 128). Anything else is refused with a message naming the problem.
/// Introduced in chapter 13.
/// </summary>
public static class WavFile
{
    private const ushort FormatPcm = 1,
        FormatFloat = 3,
        FormatExtensible = 0xFFFE;

    /// <summary>The largest 'fmt ' chunk there can be: 18 bytes of WAVEFORMATEX and at most 65,535 extra bytes.</summary>
    private const uint MaxFormatChunk = 18 + ushort.MaxValue;

    /// <summary>Bytes read at a time from a stream that cannot tell its length, so a header that lies costs no more memory than the bytes
    /// that come.</summary>
    private const int ReadBlock = 1 << 20;

    private static readonly Dictionary<ushort, string> KnownCodecs = new()
    {
        [2] = "Microsoft ADPCM",
        [6] = "A-law",
        [7] = "µ-law",
        [0x11] = "IMA ADPCM",
        [0x31] = "GSM 6.10",
        [0x50] = "MPEG",
        [0x55] = "MP3",
        [0xFF] = "AAC",
    };

    /// <summary>Reads a WAV file; with <paramref name="mixToMono"/> the channels are averaged into one.</summary>
    /// <exception cref="FileNotFoundException">No such file, or a directory is there; the message says which.</exception>
    /// <exception cref="InvalidDataException">Not a WAV file, damaged, unsupported, empty or with non-finite samples; the message names the
    /// file and the problem.</exception>
    public static AudioClip Read(string path, bool mixToMono = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        RequiredFile.Check(path, "audio");
        using var stream = File.OpenRead(path);
        return Read(stream, path, mixToMono);
    }

    /// <summary>Reads WAV data from a stream; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="InvalidDataException">As for <see cref="Read(string, bool)"/>.</exception>
    public static AudioClip Read(Stream stream, string source, bool mixToMono = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        source ??= "stream";
        var header = ReadBytes(stream, 12, source, "the RIFF header");
        var riff = Encoding.ASCII.GetString(header, 0, 4);
        if (riff is "RF64" or "BW64")
            throw Bad(source, $"is an {riff} file (WAV over 4 GB), which this reader does not support");
        if (riff != "RIFF" || Encoding.ASCII.GetString(header, 8, 4) != "WAVE")
            throw Bad(
                source,
                "is not a WAV file: "
                    + $"it starts with '{Printable(header.AsSpan(0, 4))}…{Printable(header.AsSpan(8, 4))}' instead of 'RIFF…WAVE'"
            );

        Format? format = null;
        while (true)
        {
            var chunkHeader = new byte[8];
            var got = stream.ReadAtLeast(chunkHeader, 8, throwOnEndOfStream: false);
            if (got == 0)
                throw Bad(source, format is null ? "has no 'fmt ' chunk" : "has no 'data' chunk");
            if (got < 8)
                throw Bad(source, "is truncated inside a chunk header");
            var id = Encoding.ASCII.GetString(chunkHeader, 0, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(chunkHeader.AsSpan(4));
            if (id == "fmt ")
            {
                if (size < 16)
                    throw Bad(source, $"has a 'fmt ' chunk of {size} bytes; at least 16 are needed");
                if (size > MaxFormatChunk)
                    throw Bad(
                        source,
                        $"has a 'fmt ' chunk of {size:N0} bytes; "
                            + $"a format description has at most {MaxFormatChunk:N0}, so the file is damaged"
                    );
                format = ParseFormat(ReadBytes(stream, (int)size, source, "the 'fmt ' chunk"), source);
                SkipPadding(stream, size);
            }
            else if (id == "data")
            {
                if (format is null)
                    throw Bad(source, "has its 'data' chunk before the 'fmt ' chunk that describes it");
                var remaining = stream.CanSeek ? stream.Length - stream.Position : long.MaxValue;
                if (size > remaining)
                    throw Bad(source, $"is truncated: its 'data' chunk declares {size} bytes but only {remaining} remain");
                if (size == 0)
                    throw Bad(source, "has no samples (its 'data' chunk is empty)");
                if (size % format.BlockAlign != 0)
                    throw Bad(source, $"has a 'data' chunk of {size} bytes, not a whole number of {format.BlockAlign}-byte sample frames");
                if (size > Array.MaxLength)
                    throw Bad(
                        source,
                        $"declares a 'data' chunk of {size:N0} bytes, more than this reader holds in memory ({Array.MaxLength:N0}); "
                            + "split the recording (e.g. with sox or ffmpeg)"
                    );
                var data = ReadBytes(stream, (int)size, source, "the 'data' chunk");
                var clip = Decode(data, format, source);
                return mixToMono ? clip.ToMono() : clip;
            }
            else
            {
                // long: 0xFFFFFFFF + 1 must not wrap to 0
                Skip(stream, (long)size + (size & 1), source, $"the '{Printable(chunkHeader.AsSpan(0, 4))}' " + "chunk");
            }
        }
    }

    /// <summary>Writes <paramref name="clip"/> as a WAV file, atomically (a temporary file renamed over the target).</summary>
    /// <remarks>Integer formats clip samples to [-1, 1] and round to the nearest step.</remarks>
    public static void Write(string path, AudioClip clip, WavSampleFormat format = WavSampleFormat.Pcm16)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(clip);
        var (tag, bits) = format switch
        {
            WavSampleFormat.Pcm8 => (FormatPcm, 8),
            WavSampleFormat.Pcm16 => (FormatPcm, 16),
            WavSampleFormat.Pcm24 => (FormatPcm, 24),
            WavSampleFormat.Pcm32 => (FormatPcm, 32),
            WavSampleFormat.Float32 => (FormatFloat, 32),
            WavSampleFormat.Float64 => (FormatFloat, 64),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown sample format."),
        };
        var bytesPerSample = bits / 8;
        var blockAlign = bytesPerSample * clip.ChannelCount;
        var dataSize = checked((long)blockAlign * clip.FrameCount);
        if (dataSize + 36 > uint.MaxValue)
            throw new ArgumentException($"{dataSize} bytes of samples do not fit a WAV file (4 GB limit).", nameof(clip));

        AtomicFile.Write(
            path,
            file =>
            {
                using var writer = new BinaryWriter(file, Encoding.ASCII, leaveOpen: true);
                writer.Write("RIFF"u8);
                writer.Write((uint)(36 + dataSize));
                writer.Write("WAVE"u8);
                writer.Write("fmt "u8);
                writer.Write(16u);
                writer.Write(tag);
                writer.Write((ushort)clip.ChannelCount);
                writer.Write((uint)clip.SampleRate);
                writer.Write((uint)(clip.SampleRate * blockAlign));
                writer.Write((ushort)blockAlign);
                writer.Write((ushort)bits);
                writer.Write("data"u8);
                writer.Write((uint)dataSize);
                var frame = new byte[blockAlign];
                for (var i = 0; i < clip.FrameCount; i++)
                {
                    for (var c = 0; c < clip.ChannelCount; c++)
                        Encode(clip.Channels[c][i], format, frame.AsSpan(c * bytesPerSample, bytesPerSample));
                    writer.Write(frame);
                }
                if ((dataSize & 1) == 1)
                    writer.Write((byte)0);
            }
        );
    }

    private sealed record Format(ushort Tag, int Channels, int SampleRate, int BlockAlign, int Bits);

    private static Format ParseFormat(byte[] chunk, string source)
    {
        var tag = BinaryPrimitives.ReadUInt16LittleEndian(chunk);
        var channels = BinaryPrimitives.ReadUInt16LittleEndian(chunk.AsSpan(2));
        var sampleRate = BinaryPrimitives.ReadUInt32LittleEndian(chunk.AsSpan(4));
        var blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(chunk.AsSpan(12));
        var bits = BinaryPrimitives.ReadUInt16LittleEndian(chunk.AsSpan(14));
        if (tag == FormatExtensible)
        {
            if (chunk.Length < 40)
                throw Bad(source, $"declares WAVE_FORMAT_EXTENSIBLE but its 'fmt ' chunk has {chunk.Length} bytes instead of 40");
            tag = BinaryPrimitives.ReadUInt16LittleEndian(chunk.AsSpan(24)); // the sub-format GUID starts with the format code
        }
        if (tag != FormatPcm && tag != FormatFloat)
        {
            var name = KnownCodecs.TryGetValue(tag, out var known) ? known : $"format code 0x{tag:X4}";
            throw Bad(
                source,
                $"is encoded as {name}; only uncompressed PCM (8/16/24/32-bit) and IEEE float (32/64-bit) are supported — "
                    + "convert it first (e.g. ffmpeg -i in.wav -c:a pcm_s16le out.wav)"
            );
        }
        if (channels == 0)
            throw Bad(source, "declares 0 channels");
        if (sampleRate == 0)
            throw Bad(source, "declares a sample rate of 0 Hz");
        if (sampleRate > int.MaxValue)
            throw Bad(source, $"declares an impossible sample rate of {sampleRate} Hz");
        var valid = tag == FormatPcm ? bits is 8 or 16 or 24 or 32 : bits is 32 or 64;
        if (!valid)
            throw Bad(source, $"has {bits}-bit {(tag == FormatPcm ? "PCM" : "float")} samples, which are not supported");
        if (blockAlign != channels * bits / 8)
            throw Bad(
                source,
                $"declares {blockAlign}-byte sample frames, but {channels} channel(s) of {bits} bits need {channels * bits / 8}"
            );
        return new Format(tag, channels, (int)sampleRate, blockAlign, bits);
    }

    private static AudioClip Decode(byte[] data, Format format, string source)
    {
        var frames = data.Length / format.BlockAlign;
        var bytesPerSample = format.Bits / 8;
        var channels = new float[format.Channels][];
        for (var c = 0; c < format.Channels; c++)
            channels[c] = new float[frames];
        for (var i = 0; i < frames; i++)
        for (var c = 0; c < format.Channels; c++)
        {
            var s = data.AsSpan(i * format.BlockAlign + c * bytesPerSample, bytesPerSample);
            var value = (format.Tag, format.Bits) switch
            {
                (FormatPcm, 8) => (s[0] - 128) / 128f,
                (FormatPcm, 16) => BinaryPrimitives.ReadInt16LittleEndian(s) / 32768f,
                (FormatPcm, 24) => ((s[0] | (s[1] << 8) | (s[2] << 16)) << 8 >> 8) / 8388608f,
                (FormatPcm, 32) => (float)(BinaryPrimitives.ReadInt32LittleEndian(s) / 2147483648.0),
                (FormatFloat, 32) => BinaryPrimitives.ReadSingleLittleEndian(s),
                _ => (float)BinaryPrimitives.ReadDoubleLittleEndian(s),
            };
            if (!float.IsFinite(value))
                throw Bad(
                    source,
                    "has a non-finite sample "
                        + $"({value.ToString(System.Globalization.CultureInfo.InvariantCulture)}) at frame {i}, channel {c}"
                );
            channels[c][i] = value;
        }
        return new AudioClip(format.SampleRate, channels);
    }

    private static void Encode(float sample, WavSampleFormat format, Span<byte> destination)
    {
        double clipped = Math.Clamp(sample, -1f, 1f);
        switch (format)
        {
            case WavSampleFormat.Pcm8:
                destination[0] = (byte)Math.Clamp(Math.Round(clipped * 128) + 128, 0, 255);
                break;
            case WavSampleFormat.Pcm16:
                BinaryPrimitives.WriteInt16LittleEndian(
                    destination,
                    (short)Math.Clamp(Math.Round(clipped * 32768), short.MinValue, short.MaxValue)
                );
                break;
            case WavSampleFormat.Pcm24:
                var v24 = (int)Math.Clamp(Math.Round(clipped * 8388608), -8388608, 8388607);
                destination[0] = (byte)v24;
                destination[1] = (byte)(v24 >> 8);
                destination[2] = (byte)(v24 >> 16);
                break;
            case WavSampleFormat.Pcm32:
                BinaryPrimitives.WriteInt32LittleEndian(
                    destination,
                    (int)Math.Clamp(Math.Round(clipped * 2147483648.0), int.MinValue, int.MaxValue)
                );
                break;
            case WavSampleFormat.Float32:
                BinaryPrimitives.WriteSingleLittleEndian(destination, sample);
                break;
            default:
                BinaryPrimitives.WriteDoubleLittleEndian(destination, sample);
                break;
        }
    }

    private static byte[] ReadBytes(Stream stream, int count, string source, string what)
    {
        if (stream.CanSeek || count <= ReadBlock)
        {
            var buffer = new byte[count];
            var got = stream.ReadAtLeast(buffer, count, throwOnEndOfStream: false);
            if (got < count)
                throw Bad(source, $"is truncated: it ends inside {what} ({got:N0} of {count:N0} bytes)");
            return buffer;
        }
        // A stream without a length: grow with the bytes that arrive instead of trusting the declared size.
        using var collected = new MemoryStream();
        var block = new byte[ReadBlock];
        while (collected.Length < count)
        {
            var read = stream.Read(block, 0, (int)Math.Min(block.Length, count - collected.Length));
            if (read == 0)
                throw Bad(source, $"is truncated: it ends inside {what} ({collected.Length:N0} of {count:N0} bytes)");
            collected.Write(block, 0, read);
        }
        return collected.ToArray();
    }

    private static void SkipPadding(Stream stream, uint size)
    {
        if ((size & 1) == 1)
            stream.ReadByte();
    }

    private static void Skip(Stream stream, long count, string source, string what)
    {
        if (stream.CanSeek)
        {
            if (stream.Position + count > stream.Length)
                throw Bad(source, $"is truncated: it ends inside {what}");
            stream.Seek(count, SeekOrigin.Current);
            return;
        }
        var buffer = new byte[81920];
        while (count > 0)
        {
            var read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, count));
            if (read == 0)
                throw Bad(source, $"is truncated: it ends inside {what}");
            count -= read;
        }
    }

    private static string Printable(ReadOnlySpan<byte> bytes) =>
        string.Concat(bytes.ToArray().Select(b => b is >= 32 and < 127 ? ((char)b).ToString() : $"\\x{b:X2}"));

    private static InvalidDataException Bad(string source, string problem) => new($"'{source}' {problem}.");
}
