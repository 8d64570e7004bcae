using Workbook.Audio;
using Workbook.Hub;
using static TorchSharp.torch;

namespace Workbook.Wav2Vec2;

/// <summary>One window of a long recording: where it starts, how long it is, and how much of each edge is context only.</summary>
/// <param name="Start">First sample.</param>
/// <param name="Length">Samples in the window.</param>
/// <param name="LeftStride">Samples at the start that only give context (their frames are dropped).</param>
/// <param name="RightStride">Samples at the end that only give context.</param>
public sealed record AudioChunk(long Start, long Length, long LeftStride, long RightStride);

/// <summary>
/// Speech to text with a wav2vec2 CTC model: resampling to 16 kHz and down-mixing when needed, normalisation, the model,
/// and CTC decoding — HF's <c>pipeline("automatic-speech-recognition")</c>. Long recordings go through overlapping
/// windows (<see cref="Chunks"/>, HF's <c>chunk_length_s</c> / <c>stride_length_s</c>), so memory stays bounded by one
/// window however long the audio is.
/// </summary>
public sealed class SpeechRecognizer
{
    /// <summary>The files a wav2vec2 CTC checkpoint folder needs.</summary>
    public static IReadOnlyList<string> CheckpointFiles { get; } = ["config.json", "model.safetensors", "vocab.json"];

    /// <summary>A recogniser from a model and the decoder of its vocabulary.</summary>
    public SpeechRecognizer(Wav2Vec2ForCtc model, CtcDecoder decoder, Wav2Vec2FeatureExtractor? featureExtractor = null)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Decoder = decoder ?? throw new ArgumentNullException(nameof(decoder));
        if (decoder.Vocabulary.Count != model.Config.VocabSize)
            throw new ArgumentException($"The vocabulary has {decoder.Vocabulary.Count} symbols but the model predicts {model.Config.VocabSize}: they do not belong together.", nameof(decoder));
        FeatureExtractor = featureExtractor ?? new Wav2Vec2FeatureExtractor();
    }

    /// <summary>The acoustic model.</summary>
    public Wav2Vec2ForCtc Model { get; }
    /// <summary>The CTC decoder.</summary>
    public CtcDecoder Decoder { get; }
    /// <summary>Normalisation and batching.</summary>
    public Wav2Vec2FeatureExtractor FeatureExtractor { get; }

    /// <summary>Loads a checkpoint folder: config.json, model.safetensors and vocab.json.</summary>
    public static SpeechRecognizer FromFolder(string folder, Device? device = null)
    {
        var vocabulary = CtcVocabulary.FromFile(Path.Combine(folder, "vocab.json"));
        var model = Wav2Vec2ForCtc.FromPretrained(folder, device);
        return new SpeechRecognizer(model, new CtcDecoder(vocabulary, model.Config.SamplesPerFrame / 16000.0));
    }

    /// <summary>Downloads (or finds in the Hugging Face cache) a wav2vec2 CTC checkpoint, e.g. <c>facebook/wav2vec2-base-960h</c>.</summary>
    public static async Task<SpeechRecognizer> FromHubAsync(HubClient hub, string repoId = "facebook/wav2vec2-base-960h", string? revision = null,
        IProgress<DownloadProgress>? progress = null, Device? device = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hub);
        var folder = await hub.DownloadFilesAsync(repoId, CheckpointFiles, revision, progress, cancellationToken: cancellationToken).ConfigureAwait(false);
        return FromFolder(folder, device);
    }

    /// <summary>The clip as the model needs it: mono, at the feature extractor's rate.</summary>
    public AudioClip Prepare(AudioClip clip)
    {
        ArgumentNullException.ThrowIfNull(clip);
        return Resampler.Resample(clip.ToMono(), FeatureExtractor.SamplingRate);
    }

    /// <summary>Logits [frames, vocab] for a whole clip in one pass.</summary>
    public Tensor Logits(AudioClip clip)
    {
        var (values, _) = FeatureExtractor.Prepare([Prepare(clip)]);
        using var noGrad = no_grad();
        using (values) return Model.call(values)[0];
    }

    /// <summary>Transcribes a clip in one pass (greedy CTC, with word timestamps).</summary>
    public CtcTranscript Transcribe(AudioClip clip)
    {
        using var scope = NewDisposeScope();
        return Decoder.Greedy(Logits(clip));
    }

    /// <summary>
    /// Transcribes a recording of any length through overlapping windows of <paramref name="chunkSeconds"/> with
    /// <paramref name="strideSeconds"/> of context on each inner edge (HF's default stride is chunk / 6). Each window is
    /// normalised and run alone; the frames of its context edges are dropped; the kept frames are decoded as one sequence.
    /// </summary>
    public CtcTranscript TranscribeLong(AudioClip clip, double chunkSeconds = 10, double? strideSeconds = null)
    {
        var audio = Prepare(clip);
        var rate = audio.SampleRate;
        var samples = audio.Channels[0];
        var frameIds = new List<int>();
        foreach (var chunk in Chunks(samples.Length, (long)Math.Round(chunkSeconds * rate), (long)Math.Round((strideSeconds ?? chunkSeconds / 6) * rate)))
        {
            using var scope = NewDisposeScope();
            var window = new AudioClip(rate, samples.AsSpan((int)chunk.Start, (int)chunk.Length).ToArray());
            if (window.FrameCount < Model.Config.MinimumSamples) continue;                    // a tail shorter than one frame adds nothing
            var logits = Logits(window);
            var frames = logits.shape[0];
            var left = (long)Math.Round((double)chunk.LeftStride / Model.Config.SamplesPerFrame);
            var right = (long)Math.Round((double)chunk.RightStride / Model.Config.SamplesPerFrame);
            var kept = Math.Max(0, frames - left - right);
            if (kept > 0) frameIds.AddRange(logits.narrow(0, left, kept).argmax(-1).cpu().data<long>().Select(v => (int)v));
        }
        return Decoder.FromFrameIds(frameIds);
    }

    /// <summary>
    /// HF's chunking: windows of <paramref name="chunkLength"/> samples advancing by chunk − 2 · stride; the first window
    /// has no left context, the last none on the right, and the last window reaches the end of the audio.
    /// </summary>
    /// <exception cref="ArgumentException">The stride leaves no step (2 · stride ≥ chunk), or a length is not positive.</exception>
    public static IReadOnlyList<AudioChunk> Chunks(long samples, long chunkLength, long stride)
    {
        if (samples <= 0) throw new ArgumentOutOfRangeException(nameof(samples), samples, "There is no audio to chunk.");
        if (chunkLength <= 0) throw new ArgumentOutOfRangeException(nameof(chunkLength), chunkLength, "Chunks must hold at least one sample.");
        if (stride < 0 || 2 * stride >= chunkLength)
            throw new ArgumentException($"A stride of {stride} samples on each side leaves no step in a chunk of {chunkLength}; use a stride below chunk / 2.", nameof(stride));
        var step = chunkLength - 2 * stride;
        var chunks = new List<AudioChunk>();
        for (long start = 0; start < samples; start += step)
        {
            var end = Math.Min(start + chunkLength, samples);
            var isLast = start + chunkLength >= samples;
            chunks.Add(new AudioChunk(start, end - start, start == 0 ? 0 : stride, isLast ? 0 : stride));
            if (isLast) break;
        }
        return chunks;
    }
}
