using static TorchSharp.torch;

namespace Workbook.Audio;

/// <summary>
/// Audio samples in memory: one float array per channel, values nominally in [-1, 1], at a sample rate in Hz.
/// What <see cref="WavFile.Read(string, bool)"/> returns and <see cref="WavFile.Write"/> takes.
/// Introduced in chapter 13.
/// </summary>
public sealed class AudioClip
{
    /// <summary>Creates a clip after checking that it has samples, a positive rate, equal-length channels and finite values.</summary>
    /// <exception cref="ArgumentException">Something is empty, unequal or not finite; the message says what and where.</exception>
    public AudioClip(int sampleRate, IReadOnlyList<float[]> channels)
    {
        ArgumentNullException.ThrowIfNull(channels);
        if (sampleRate <= 0)
            throw new ArgumentOutOfRangeException(
                nameof(sampleRate),
                sampleRate,
                "The sample rate must be a positive number of samples per second."
            );
        if (channels.Count == 0)
            throw new ArgumentException("Audio needs at least one channel.", nameof(channels));
        var frames = channels[0]?.Length ?? throw new ArgumentException("Channel 0 is null.", nameof(channels));
        for (var c = 0; c < channels.Count; c++)
        {
            var channel = channels[c] ?? throw new ArgumentException($"Channel {c} is null.", nameof(channels));
            if (channel.Length != frames)
                throw new ArgumentException(
                    $"Channel {c} has {channel.Length} samples but channel 0 has {frames}; all channels need the same length.",
                    nameof(channels)
                );
            for (var i = 0; i < channel.Length; i++)
                if (!float.IsFinite(channel[i]))
                    throw new ArgumentException(
                        $"Sample {i} of channel {c} is {channel[i].ToString(System.Globalization.CultureInfo.InvariantCulture)}: "
                            + "audio samples must be finite numbers.",
                        nameof(channels)
                    );
        }
        SampleRate = sampleRate;
        Channels = [.. channels];
    }

    /// <summary>A mono clip.</summary>
    public AudioClip(int sampleRate, float[] samples)
        : this(sampleRate, [samples]) { }

    /// <summary>Samples per second.</summary>
    public int SampleRate { get; }

    /// <summary>The samples of each channel (index 0 is left in a stereo file).</summary>
    public IReadOnlyList<float[]> Channels { get; }

    /// <summary>Number of channels.</summary>
    public int ChannelCount => Channels.Count;

    /// <summary>Samples per channel.</summary>
    public int FrameCount => Channels[0].Length;

    /// <summary>Length in seconds.</summary>
    public double DurationSeconds => (double)FrameCount / SampleRate;

    /// <summary>One channel: the mean of all channels (a clip that is already mono is returned as is).</summary>
    public AudioClip ToMono()
    {
        if (ChannelCount == 1)
            return this;
        var mono = new float[FrameCount];
        for (var i = 0; i < mono.Length; i++)
        {
            double sum = 0;
            foreach (var channel in Channels)
                sum += channel[i];
            mono[i] = (float)(sum / ChannelCount);
        }
        return new AudioClip(SampleRate, mono);
    }

    /// <summary>The samples as a float32 tensor [channels, frames].</summary>
    public Tensor ToTensor(Device? device = null)
    {
        var flat = new float[ChannelCount * FrameCount];
        for (var c = 0; c < ChannelCount; c++)
            Channels[c].CopyTo(flat, c * FrameCount);
        return tensor(flat, [ChannelCount, FrameCount], dtype: ScalarType.Float32, device: device);
    }

    /// <inheritdoc />
    public override string ToString() => $"{ChannelCount} channel(s), {SampleRate} Hz, {FrameCount} samples ({DurationSeconds:F3} s)";
}
