using Workbook.Audio;
using Workbook.Hub;
using static TorchSharp.torch;

namespace Workbook.Wav2Vec2;

/// <summary>One window of a long recording: where it starts, how long it is, and how much of each edge is context only. Introduced with
/// chapter 13.</summary>
/// <param name="Start">First sample.</param>
/// <param name="Length">Samples in the window.</param>
/// <param name="LeftStride">Samples at the start that only give context (their frames are dropped).</param>
/// <param name="RightStride">Samples at the end that only give context.</param>
public sealed record AudioChunk(long Start, long Length, long LeftStride, long RightStride);

/// <summary>
/// Speech to text with a wav2vec2 CTC model: resampling to 16 kHz and down-mixing when needed, normalisation, the model, and CTC decoding —
/// HF's <c>pipeline("automatic-speech-recognition")</c>. Long recordings go through overlapping windows
/// (<see cref="Chunks(long, long, long, long)"/>, HF's <c>chunk_length_s</c> / <c>stride_length_s</c>), so memory stays bounded by one
/// window however long the audio is. Introduced in chapter 13.
/// </summary>
public sealed class SpeechRecognizer
{
    /// <summary>The files a wav2vec2 CTC checkpoint folder needs.</summary>
    public static IReadOnlyList<string> CheckpointFiles { get; } =
    ["config.json", "model.safetensors", "vocab.json", "preprocessor_config.json"];

    /// <summary>A recogniser from a model and the decoder of its vocabulary.</summary>
    public SpeechRecognizer(Wav2Vec2ForCtc model, CtcDecoder decoder, Wav2Vec2FeatureExtractor? featureExtractor = null)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Decoder = decoder ?? throw new ArgumentNullException(nameof(decoder));
        if (decoder.Vocabulary.Count != model.Config.VocabSize)
            throw new ArgumentException(
                $"The vocabulary has {decoder.Vocabulary.Count} symbols but the model predicts "
                    + $"{model.Config.VocabSize}: they do not belong together.",
                nameof(decoder)
            );
        FeatureExtractor = featureExtractor ?? new Wav2Vec2FeatureExtractor();
    }

    /// <summary>The acoustic model.</summary>
    public Wav2Vec2ForCtc Model { get; }

    /// <summary>The CTC decoder.</summary>
    public CtcDecoder Decoder { get; }

    /// <summary>Normalisation and batching.</summary>
    public Wav2Vec2FeatureExtractor FeatureExtractor { get; }

    /// <summary>
    /// Loads a checkpoint folder: config.json, model.safetensors and vocab.json, and preprocessor_config.json when the
    /// folder has one (its sampling rate and normalisation; without it, wav2vec2-base-960h's 16 kHz and normalised).
    /// </summary>
    public static SpeechRecognizer FromFolder(string folder, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var vocabulary = CtcVocabulary.FromFile(Path.Combine(folder, "vocab.json"));
        var preprocessor = Path.Combine(folder, "preprocessor_config.json");
        var featureExtractor = File.Exists(preprocessor) ? Wav2Vec2FeatureExtractor.FromFile(preprocessor) : new Wav2Vec2FeatureExtractor();
        var model = Wav2Vec2ForCtc.FromPretrained(folder, device);
        return new SpeechRecognizer(
            model,
            new CtcDecoder(vocabulary, (double)model.Config.SamplesPerFrame / featureExtractor.SamplingRate),
            featureExtractor
        );
    }

    /// <summary>Downloads (or finds in the Hugging Face cache) a wav2vec2 CTC checkpoint, e.g.
    /// <c>facebook/wav2vec2-base-960h</c>.</summary>
    public static async Task<SpeechRecognizer> FromHubAsync(
        HubClient hub,
        string repoId = "facebook/wav2vec2-base-960h",
        string? revision = null,
        IProgress<DownloadProgress>? progress = null,
        Device? device = null,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(hub);
        var folder = await hub.DownloadFilesAsync(repoId, CheckpointFiles, revision, progress, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return FromFolder(folder, device);
    }

    /// <summary>The clip as the model needs it: mono, at the feature extractor's rate.</summary>
    public AudioClip Prepare(AudioClip clip)
    {
        ArgumentNullException.ThrowIfNull(clip);
        return Resampler.Resample(clip.ToMono(), FeatureExtractor.SamplingRate);
    }

    /// <summary>
    /// Logits [frames, vocab] for a whole clip in one pass: the model's forward gives [batch, frames, vocab], and this
    /// returns the one row of a batch of one, because a recognizer works clip by clip (the decoder and the chunking read
    /// one clip's frames). Batch clips yourself with <c>FeatureExtractor.Prepare</c> and
    /// <c>Model.forward(values, mask)</c>. The caller disposes the returned tensor (or runs this inside a dispose scope).
    /// </summary>
    public Tensor Logits(AudioClip clip)
    {
        var (values, _) = FeatureExtractor.Prepare([Prepare(clip)]);
        using var noGrad = no_grad();
        using (values)
            return Model.call(values)[0];
    }

    /// <summary>Transcribes a clip in one pass (greedy CTC, with word timestamps).</summary>
    public CtcTranscript Transcribe(AudioClip clip)
    {
        using var scope = NewDisposeScope();
        return Decoder.Greedy(Logits(clip));
    }

    /// <summary>
    /// Transcribes a recording of any length through overlapping windows of <paramref name="chunkSeconds"/> with
    /// <paramref name="strideSeconds"/> of context on each inner edge (HF's default stride is chunk / 6), exactly as
    /// Hugging Face's ASR pipeline chunks for CTC models: both lengths are rounded to whole model frames
    /// (<see cref="AlignedLength"/>), the windows are HF's (<see cref="Chunks(long, long, long, long)"/>), each window is
    /// normalised and run alone, and it keeps the frames <see cref="KeptFrames"/> names; the kept frames are decoded
    /// as one sequence, so word timestamps stay on the recording's clock.
    /// </summary>
    /// <exception cref="ArgumentException">The rounded window is empty, or its strides leave no step.</exception>
    public CtcTranscript TranscribeLong(AudioClip clip, double chunkSeconds = 10, double? strideSeconds = null)
    {
        var audio = Prepare(clip);
        var rate = audio.SampleRate;
        var samples = audio.Channels[0];
        var samplesPerFrame = Model.Config.SamplesPerFrame;
        var chunkLength = AlignedLength(chunkSeconds, rate, samplesPerFrame);
        var stride = AlignedLength(strideSeconds ?? chunkSeconds / 6, rate, samplesPerFrame);
        var frameIds = new List<int>();
        foreach (var chunk in Chunks(samples.Length, chunkLength, stride, stride))
        {
            // A window shorter than the receptive field has no frame (HF's model would fail on it): it adds nothing.
            if (chunk.Length < Model.Config.MinimumSamples)
                continue;
            using var scope = NewDisposeScope();
            var window = new AudioClip(rate, samples.AsSpan((int)chunk.Start, (int)chunk.Length).ToArray());
            var logits = Logits(window);
            var (first, end) = KeptFrames(chunk, samplesPerFrame);
            end = Math.Min(end, logits.shape[0]); // the nominal count can exceed the frames produced
            if (end > first)
                frameIds.AddRange(logits.narrow(0, first, end - first).argmax(-1).cpu().data<long>().Select(v => (int)v));
        }
        return Decoder.FromFrameIds(frameIds);
    }

    /// <summary>
    /// A duration in samples rounded to whole model frames, as HF's pipeline rounds <c>chunk_length_s</c> and
    /// <c>stride_length_s</c>: round(seconds · rate / samplesPerFrame) · samplesPerFrame (halves to even, as Python).
    /// </summary>
    public static long AlignedLength(double seconds, int sampleRate, int samplesPerFrame)
    {
        if (!(seconds >= 0) || double.IsInfinity(seconds))
            throw new ArgumentOutOfRangeException(
                nameof(seconds),
                seconds,
                "A window or stride length must be a finite number of seconds, at least 0."
            );
        return (long)Math.Round(seconds * sampleRate / samplesPerFrame, MidpointRounding.ToEven) * samplesPerFrame;
    }

    /// <summary>
    /// The logits frames [First, End) of a window that HF keeps (its <c>rescale_stride</c> and <c>postprocess</c>): on
    /// the window's nominal frame count n = round(length / samplesPerFrame), the strides become
    /// round(stride / length · n) frames, and the kept frames are [left, n − right). End may exceed the frames the model
    /// produced for the window (one fewer, with the 400-sample receptive field); the kept slice stops there.
    /// </summary>
    public static (long First, long End) KeptFrames(AudioChunk chunk, int samplesPerFrame)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        // The same floating-point steps as HF (length · (1 / ratio), then left / length · n), so halves round alike.
        var nominal = (long)Math.Round(chunk.Length * (1.0 / samplesPerFrame), MidpointRounding.ToEven);
        var left = (long)Math.Round((double)chunk.LeftStride / chunk.Length * nominal, MidpointRounding.ToEven);
        var right = (long)Math.Round((double)chunk.RightStride / chunk.Length * nominal, MidpointRounding.ToEven);
        return (left, Math.Max(left, nominal - right));
    }

    /// <summary>HF's chunking with the same stride on both sides; see <see cref="Chunks(long, long, long, long)"/>.</summary>
    public static IReadOnlyList<AudioChunk> Chunks(long samples, long chunkLength, long stride) =>
        Chunks(samples, chunkLength, stride, stride);

    /// <summary>
    /// HF's <c>chunk_iter</c>: windows of <paramref name="chunkLength"/> samples starting every chunk − left − right
    /// samples; the first window has no left context, the last window is the first that reaches the end of the audio
    /// and has no right context, and a window no longer than its left context is dropped.
    /// </summary>
    /// <exception cref="ArgumentException">The strides leave no step (left + right ≥ chunk), or a length is not positive.</exception>
    public static IReadOnlyList<AudioChunk> Chunks(long samples, long chunkLength, long strideLeft, long strideRight)
    {
        if (samples <= 0)
            throw new ArgumentOutOfRangeException(nameof(samples), samples, "There is no audio to chunk.");
        if (chunkLength <= 0)
            throw new ArgumentOutOfRangeException(nameof(chunkLength), chunkLength, "Chunks must hold at least one sample.");
        if (strideLeft < 0 || strideRight < 0 || strideLeft + strideRight >= chunkLength)
            throw new ArgumentException(
                $"Strides of {strideLeft} and {strideRight} samples leave no step in a chunk of {chunkLength}; "
                    + "use strides that add up to less than the chunk.",
                nameof(strideLeft)
            );
        var step = chunkLength - strideLeft - strideRight;
        var chunks = new List<AudioChunk>();
        for (long start = 0; start < samples; start += step)
        {
            var end = start + chunkLength;
            var length = Math.Min(end, samples) - start;
            var left = start == 0 ? 0 : strideLeft;
            var isLast = end >= samples;
            if (length > left)
                chunks.Add(new AudioChunk(start, length, left, isLast ? 0 : strideRight));
            if (isLast)
                break;
        }
        return chunks;
    }
}
