using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Workbook.IO;
using static TorchSharp.torch;

namespace Workbook.Audio;

/// <summary>
/// What Hugging Face's <c>Wav2Vec2FeatureExtractor</c> does to raw audio before the model: check the sample rate, scale
/// each clip to zero mean and unit variance (population variance, plus 1e-7 inside the square root), and pad a batch to
/// its longest clip with an attention mask (1 = audio, 0 = padding; padding holds <see cref="PaddingValue"/>).
/// Introduced with chapter 13.
/// </summary>
public sealed record Wav2Vec2FeatureExtractor : IJsonConfig<Wav2Vec2FeatureExtractor>
{
    /// <summary>The rate the model was trained at; other rates are refused (resample first).</summary>
    [JsonPropertyName("sampling_rate")]
    public int SamplingRate { get; init; } = 16000;

    /// <summary>Normalise each clip (wav2vec2-base-960h: true).</summary>
    [JsonPropertyName("do_normalize")]
    public bool DoNormalize { get; init; } = true;

    /// <summary>The value written into padded positions.</summary>
    [JsonPropertyName("padding_value")]
    public float PaddingValue { get; init; }

    /// <summary>The class <c>transformers</c> builds (<c>feature_extractor_type</c>); a file naming another is refused.</summary>
    [JsonPropertyName("feature_extractor_type")]
    public string FeatureExtractorType => "Wav2Vec2FeatureExtractor";

    /// <summary>The processor that pairs it with the CTC tokenizer (<c>processor_class</c>).</summary>
    [JsonPropertyName("processor_class")]
    public string ProcessorClass => "Wav2Vec2Processor";

    /// <summary>Values per time step (<c>feature_size</c>): 1, raw mono audio; a file with another is refused.</summary>
    [JsonPropertyName("feature_size")]
    public int FeatureSize => 1;

    /// <summary>Where a batch is padded (<c>padding_side</c>): on the right.</summary>
    [JsonPropertyName("padding_side")]
    public string PaddingSide => "right";

    /// <summary>
    /// Whether the model takes an attention mask (<c>return_attention_mask</c>): false, because the group-norm (base)
    /// models were trained without one and their padded batches are not masked.
    /// </summary>
    [JsonPropertyName("return_attention_mask")]
    public bool ReturnAttentionMask => false;

    static string IJsonConfig<Wav2Vec2FeatureExtractor>.FileName => "preprocessor_config.json";

    /// <summary>Hugging Face's <c>preprocessor_config.json</c> for these settings (what <c>Wav2Vec2FeatureExtractor.from_pretrained</c>
    /// reads).</summary>
    public string ToJson() => JsonConfig.ToJson(this);

    /// <summary>
    /// Reads a <c>preprocessor_config.json</c> (the file or its folder): <c>sampling_rate</c>, <c>do_normalize</c> and
    /// <c>padding_value</c>; absent fields keep wav2vec2-base-960h's values.
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not JSON, another feature extractor, a field of the wrong type or out of range
    /// (named).</exception>
    public static Wav2Vec2FeatureExtractor FromFile(string path) => JsonConfig.FromFile<Wav2Vec2FeatureExtractor>(path);

    /// <summary>Refuses another feature extractor and anything but raw mono audio.</summary>
    static void IJsonConfig<Wav2Vec2FeatureExtractor>.Prepare(JsonObject root, string source)
    {
        InvalidDataException Bad(string field, string problem) => new($"{source}: field '{field}' {problem}.");
        if (
            root["feature_extractor_type"] is { } type
            && (type is not JsonValue tv || !tv.TryGetValue<string>(out var name) || name != "Wav2Vec2FeatureExtractor")
        )
            throw Bad("feature_extractor_type", $"is {type.ToJsonString()}, not \"Wav2Vec2FeatureExtractor\"");
        if (root["feature_size"] is { } f && (f is not JsonValue fv || !fv.TryGetValue<long>(out var size) || size != 1))
            throw Bad("feature_size", $"must be 1 (raw mono audio), found {f.ToJsonString()}");
        foreach (
            var written in new[] { "feature_extractor_type", "processor_class", "feature_size", "padding_side", "return_attention_mask" }
        )
            root.Remove(written);
    }

    /// <summary>Checks the sampling rate and the padding value; returns these settings.</summary>
    /// <exception cref="InvalidDataException">The rate is outside 1 Hz–1 MHz or the padding value is not finite; the message names
    /// <paramref name="source"/> and the field.</exception>
    public Wav2Vec2FeatureExtractor Validate(string source = nameof(Wav2Vec2FeatureExtractor))
    {
        if (SamplingRate is <= 0 or > 1_000_000)
            throw new InvalidDataException(
                $"{source}: field 'sampling_rate' must be a whole number of hertz in 1..1000000, found {SamplingRate}."
            );
        if (!float.IsFinite(PaddingValue))
            throw new InvalidDataException($"{source}: field 'padding_value' must be a finite number, found {PaddingValue}.");
        return this;
    }

    /// <summary>Writes <see cref="ToJson"/> as <c>preprocessor_config.json</c> into <paramref name="folder"/>.</summary>
    public void Save(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        JsonConfig.Save(this, Path.Combine(folder, "preprocessor_config.json"));
    }

    /// <summary>The normalised samples of one clip: (x − mean) / √(variance + 1e-7), computed in double precision.</summary>
    /// <exception cref="ArgumentException">The clip is empty or holds a non-finite sample.</exception>
    public static float[] Normalize(IReadOnlyList<float> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0)
            throw new ArgumentException("The clip has no samples.", nameof(samples));
        double sum = 0;
        for (var i = 0; i < samples.Count; i++)
        {
            if (!float.IsFinite(samples[i]))
                throw new ArgumentException($"Sample {i} is {samples[i]}: audio must be finite.", nameof(samples));
            sum += samples[i];
        }
        var mean = sum / samples.Count;
        double squares = 0;
        foreach (var s in samples)
            squares += (s - mean) * (s - mean);
        var scale = 1.0 / Math.Sqrt(squares / samples.Count + 1e-7);
        var result = new float[samples.Count];
        for (var i = 0; i < result.Length; i++)
            result[i] = (float)((samples[i] - mean) * scale);
        return result;
    }

    /// <summary>Model inputs for a batch of clips: input values [batch, longest] float32 and attention mask [batch, longest]
    /// int64.</summary>
    /// <exception cref="ArgumentException">No clips, a clip at another sample rate or with more than one channel.</exception>
    public (Tensor InputValues, Tensor AttentionMask) Prepare(IReadOnlyList<AudioClip> clips, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(clips);
        if (clips.Count == 0)
            throw new ArgumentException("Give at least one clip.", nameof(clips));
        for (var i = 0; i < clips.Count; i++)
        {
            if (clips[i].SampleRate != SamplingRate)
                throw new ArgumentException(
                    $"Clip {i} is sampled at {clips[i].SampleRate} Hz but the model expects {SamplingRate} Hz: "
                        + $"resample it first (Resampler.Resample(clip, {SamplingRate})).",
                    nameof(clips)
                );
            if (clips[i].ChannelCount != 1)
                throw new ArgumentException(
                    $"Clip {i} has {clips[i].ChannelCount} channels; the model takes mono audio (clip.ToMono()).",
                    nameof(clips)
                );
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
