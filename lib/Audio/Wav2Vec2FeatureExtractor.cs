using System.Text.Json;
using System.Text.Json.Nodes;
using Workbook.IO;
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

    /// <summary>Hugging Face's <c>preprocessor_config.json</c> for these settings (what <c>Wav2Vec2FeatureExtractor.from_pretrained</c> reads).</summary>
    public string ToJson() => new JsonObject
    {
        ["feature_extractor_type"] = "Wav2Vec2FeatureExtractor",
        ["processor_class"] = "Wav2Vec2Processor",
        ["feature_size"] = 1,
        ["sampling_rate"] = SamplingRate,
        ["do_normalize"] = DoNormalize,
        ["padding_side"] = "right",
        ["padding_value"] = PaddingValue,
        // The group-norm (base) models were trained without one: their padded batches are not masked.
        ["return_attention_mask"] = false,
    }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    /// <summary>
    /// Reads a <c>preprocessor_config.json</c> (the file or its folder): <c>sampling_rate</c>, <c>do_normalize</c> and
    /// <c>padding_value</c>; absent fields keep wav2vec2-base-960h's values.
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not JSON, another feature extractor, a field of the wrong type or out of range (named).</exception>
    public static Wav2Vec2FeatureExtractor FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (Directory.Exists(path)) path = Path.Combine(path, "preprocessor_config.json");
        RequiredFile.Check(path, "preprocessor config");
        if (new FileInfo(path).Length > 1 << 20) throw new InvalidDataException($"'{path}' is over 1 MiB: not a preprocessor_config.json.");
        JsonObject json;
        try { json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"'{path}' is not a JSON object."); }
        catch (JsonException e) { throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e); }
        InvalidDataException Bad(string field, string problem) => new($"'{path}': field '{field}' {problem}.");
        var defaults = new Wav2Vec2FeatureExtractor();
        if (json["feature_extractor_type"] is { } type && (type is not JsonValue tv || !tv.TryGetValue<string>(out var name) || name != "Wav2Vec2FeatureExtractor"))
            throw Bad("feature_extractor_type", $"is {type.ToJsonString()}, not \"Wav2Vec2FeatureExtractor\"");
        var rate = defaults.SamplingRate;
        if (json["sampling_rate"] is { } r)
            rate = r is JsonValue rv && rv.TryGetValue<long>(out var n) && n is > 0 and <= 1_000_000 ? (int)n : throw Bad("sampling_rate", $"must be a whole number of hertz in 1..1000000, found {r.ToJsonString()}");
        var normalize = defaults.DoNormalize;
        if (json["do_normalize"] is { } d)
            normalize = d is JsonValue dv && dv.TryGetValue<bool>(out var b) ? b : throw Bad("do_normalize", $"must be true or false, found {d.ToJsonString()}");
        var padding = defaults.PaddingValue;
        if (json["padding_value"] is { } p)
            padding = p is JsonValue pv && pv.TryGetValue<double>(out var x) && double.IsFinite(x) ? (float)x : throw Bad("padding_value", $"must be a finite number, found {p.ToJsonString()}");
        if (json["feature_size"] is { } f && (f is not JsonValue fv || !fv.TryGetValue<long>(out var size) || size != 1))
            throw Bad("feature_size", $"must be 1 (raw mono audio), found {f.ToJsonString()}");
        return new Wav2Vec2FeatureExtractor { SamplingRate = rate, DoNormalize = normalize, PaddingValue = padding };
    }

    /// <summary>Writes <see cref="ToJson"/> as <c>preprocessor_config.json</c> into <paramref name="folder"/>.</summary>
    public void Save(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        AtomicFile.WriteAllText(Path.Combine(folder, "preprocessor_config.json"), ToJson());
    }

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
