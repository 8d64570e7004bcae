using static TorchSharp.torch;

namespace Workbook.Audio;

/// <summary>
/// What Hugging Face's <c>Wav2Vec2FeatureExtractor</c> does to raw audio before the model: check the sample rate, scale
/// each clip to zero mean and unit variance (population variance, plus 1e-7 inside the square root), and pad a batch to
/// its longest clip with an attention mask (1 = audio, 0 = padding; padding holds <see cref="PaddingValue"/>).
/// </summary>
public sealed record Wav2Vec2FeatureExtractor
{
    /// <summary>The rate the model was trained at; other rates are refused (resample first).</summary>
    public int SamplingRate { get; init; } = 16000;
    /// <summary>Normalise each clip (wav2vec2-base-960h: true).</summary>
    public bool DoNormalize { get; init; } = true;
    /// <summary>The value written into padded positions.</summary>
    public float PaddingValue { get; init; }

    /// <summary>The normalised samples of one clip: (x − mean) / √(variance + 1e-7), computed in double precision.</summary>
    /// <exception cref="ArgumentException">The clip is empty or holds a non-finite sample.</exception>
    public static float[] Normalize(IReadOnlyList<float> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0) throw new ArgumentException("The clip has no samples.", nameof(samples));
        double sum = 0;
        for (var i = 0; i < samples.Count; i++)
        {
            if (!float.IsFinite(samples[i])) throw new ArgumentException($"Sample {i} is {samples[i]}: audio must be finite.", nameof(samples));
            sum += samples[i];
        }
        var mean = sum / samples.Count;
        double squares = 0;
        foreach (var s in samples) squares += (s - mean) * (s - mean);
        var scale = 1.0 / Math.Sqrt(squares / samples.Count + 1e-7);
        var result = new float[samples.Count];
        for (var i = 0; i < result.Length; i++) result[i] = (float)((samples[i] - mean) * scale);
        return result;
    }

    /// <summary>Model inputs for a batch of clips: input values [batch, longest] float32 and attention mask [batch, longest] int64.</summary>
    /// <exception cref="ArgumentException">No clips, a clip at another sample rate or with more than one channel.</exception>
    public (Tensor InputValues, Tensor AttentionMask) Prepare(IReadOnlyList<AudioClip> clips, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(clips);
        if (clips.Count == 0) throw new ArgumentException("Give at least one clip.", nameof(clips));
        for (var i = 0; i < clips.Count; i++)
        {
            if (clips[i].SampleRate != SamplingRate)
                throw new ArgumentException($"Clip {i} is sampled at {clips[i].SampleRate} Hz but the model expects {SamplingRate} Hz: resample it first (Resampler.Resample(clip, {SamplingRate})).", nameof(clips));
            if (clips[i].ChannelCount != 1)
                throw new ArgumentException($"Clip {i} has {clips[i].ChannelCount} channels; the model takes mono audio (clip.ToMono()).", nameof(clips));
        }
        var longest = clips.Max(c => c.FrameCount);
        var values = new float[clips.Count * longest];
        var mask = new long[clips.Count * longest];
        Array.Fill(values, PaddingValue);
        for (var b = 0; b < clips.Count; b++)
        {
            var samples = DoNormalize ? Normalize(clips[b].Channels[0]) : clips[b].Channels[0];
            samples.CopyTo(values, b * longest);
            Array.Fill(mask, 1L, b * longest, samples.Length);
        }
        return (tensor(values, [clips.Count, longest], device: device), tensor(mask, [clips.Count, longest], device: device));
    }
}
