using TorchSharp;
using Workbook.Native;
using static TorchSharp.torch;

namespace Workbook.Audio;

/// <summary>
/// A mel spectrogram as torchaudio's <c>transforms.MelSpectrogram</c> computes it: a short-time Fourier transform
/// with a periodic Hann window (centred frames, reflect padding), its magnitude raised to <see cref="Power"/>, then
/// triangular mel filters. Defaults are torchaudio's (n_fft 400, hop = window / 2, 128 mels, HTK scale, power 2).
/// Introduced in chapter 13.
/// </summary>
public sealed record MelSpectrogram
{
    /// <summary>Sample rate of the audio in Hz.</summary>
    public int SampleRate { get; init; } = 16000;

    /// <summary>FFT size; the spectrum has NFft / 2 + 1 frequency bins.</summary>
    public int NFft { get; init; } = 400;

    /// <summary>Window length (≤ NFft); null means NFft.</summary>
    public int? WindowLength { get; init; }

    /// <summary>Samples between frames; null means window length / 2.</summary>
    public int? HopLength { get; init; }

    /// <summary>Lowest frequency of the filters in Hz.</summary>
    public double FMin { get; init; }

    /// <summary>Highest frequency of the filters in Hz; null means the Nyquist frequency.</summary>
    public double? FMax { get; init; }

    /// <summary>Number of mel bands.</summary>
    public int MelBands { get; init; } = 128;

    /// <summary>2 for a power spectrogram, 1 for magnitude.</summary>
    public double Power { get; init; } = 2.0;

    /// <summary>Pad so frame t is centred on sample t · hop (reflect padding).</summary>
    public bool Center { get; init; } = true;

    /// <summary>The hertz-to-mel formula.</summary>
    public MelScale Scale { get; init; } = MelScale.Htk;

    /// <summary>Slaney area normalisation of the filters (each filter divided by its width in hertz / 2), as torchaudio's
    /// <c>norm="slaney"</c>.</summary>
    public bool SlaneyNormalization { get; init; }

    private int Window => WindowLength ?? NFft;
    private int Hop => HopLength ?? Window / 2;

    /// <summary>Throws if an option is out of range, naming it.</summary>
    public MelSpectrogram Validate()
    {
        if (SampleRate <= 0)
            throw new ArgumentOutOfRangeException(nameof(SampleRate), SampleRate, "The sample rate must be positive.");
        if (NFft < 2)
            throw new ArgumentOutOfRangeException(nameof(NFft), NFft, "The FFT needs at least 2 points.");
        if (Window < 1 || Window > NFft)
            throw new ArgumentOutOfRangeException(nameof(WindowLength), Window, $"The window must be 1..NFft ({NFft}) samples.");
        if (Hop < 1)
            throw new ArgumentOutOfRangeException(nameof(HopLength), Hop, "The hop must be at least one sample.");
        if (MelBands < 1)
            throw new ArgumentOutOfRangeException(nameof(MelBands), MelBands, "At least one mel band is needed.");
        if (!(Power > 0))
            throw new ArgumentOutOfRangeException(nameof(Power), Power, "The power must be positive (1 magnitude, 2 power).");
        var fMax = FMax ?? SampleRate / 2.0;
        if (!(FMin >= 0 && FMin < fMax && fMax <= SampleRate / 2.0))
            throw new ArgumentOutOfRangeException(
                nameof(FMax),
                fMax,
                $"Need 0 ≤ FMin ({FMin}) < FMax ({fMax}) ≤ Nyquist ({SampleRate / 2.0} Hz)."
            );
        return this;
    }

    /// <summary>Hertz to mels on <paramref name="scale"/>.</summary>
    public static double HertzToMel(double hertz, MelScale scale)
    {
        if (scale == MelScale.Htk)
            return 2595.0 * Math.Log10(1.0 + hertz / 700.0);
        const double linearStep = 200.0 / 3,
            logStart = 1000.0,
            logStartMel = logStart / linearStep;
        var logStep = Math.Log(6.4) / 27.0;
        return hertz < logStart ? hertz / linearStep : logStartMel + Math.Log(hertz / logStart) / logStep;
    }

    /// <summary>Mels to hertz on <paramref name="scale"/> (the inverse of <see cref="HertzToMel"/>).</summary>
    public static double MelToHertz(double mel, MelScale scale)
    {
        if (scale == MelScale.Htk)
            return 700.0 * (Math.Pow(10.0, mel / 2595.0) - 1.0);
        const double linearStep = 200.0 / 3,
            logStart = 1000.0,
            logStartMel = logStart / linearStep;
        var logStep = Math.Log(6.4) / 27.0;
        return mel < logStartMel ? mel * linearStep : logStart * Math.Exp(logStep * (mel - logStartMel));
    }

    /// <summary>The triangular filters, [NFft / 2 + 1 frequency bins, MelBands], float64.</summary>
    public Tensor Filterbank()
    {
        Validate();
        var bins = NFft / 2 + 1;
        var binHertz = linspace(0, SampleRate / 2, bins, dtype: ScalarType.Float64); // torchaudio: linspace(0, sample_rate // 2, ...)
        var (melMin, melMax) = (HertzToMel(FMin, Scale), HertzToMel(FMax ?? SampleRate / 2.0, Scale));
        var edges = Enumerable
            .Range(0, MelBands + 2)
            .Select(i => MelToHertz(melMin + (melMax - melMin) * i / (MelBands + 1), Scale))
            .ToArray();
        using var scope = NewDisposeScope();
        var edgeHertz = tensor(edges, dtype: ScalarType.Float64);
        var widths = edgeHertz[1..] - edgeHertz[..^1]; // [MelBands + 1]
        var slopes = edgeHertz.unsqueeze(0) - binHertz.unsqueeze(1); // [bins, MelBands + 2]
        var rising = -slopes[.., ..^2] / widths[..^1];
        var falling = slopes[.., 2..] / widths[1..];
        var filters = minimum(rising, falling).clamp_min(0);
        if (SlaneyNormalization)
            filters = filters * (2.0 / (edgeHertz[2..] - edgeHertz[..^2])).unsqueeze(0);
        return filters.MoveToOuterDisposeScope();
    }

    /// <summary>The mel spectrogram of <paramref name="waveform"/> [..., time]: [..., MelBands, frames], in the waveform's dtype.</summary>
    /// <exception cref="ArgumentException">The waveform is not floating point, or too short for reflect padding.</exception>
    public Tensor Compute(Tensor waveform)
    {
        ArgumentNullException.ThrowIfNull(waveform);
        Validate();
        if (!waveform.is_floating_point())
            throw new ArgumentException($"A spectrogram needs float samples; got {waveform.dtype}.", nameof(waveform));
        if (waveform.dim() == 0 || waveform.shape[^1] == 0)
            throw new ArgumentException("The waveform is empty.", nameof(waveform));
        if (Center && waveform.shape[^1] <= NFft / 2)
            throw new ArgumentException(
                $"The waveform has {waveform.shape[^1]} samples; "
                    + $"centred frames with n_fft {NFft} need more than {NFft / 2} (reflect padding).",
                nameof(waveform)
            );
        using var scope = NewDisposeScope();
        var shape = waveform.shape;
        var flat = waveform.reshape(-1, shape[^1]);
        var window = hann_window(Window, periodic: true, dtype: waveform.dtype, device: waveform.device);
        var spectrum = stft(
            flat,
            NFft,
            Hop,
            Window,
            window,
            center: Center,
            pad_mode: PaddingModes.Reflect,
            normalized: false,
            onesided: true,
            return_complex: true
        );
        using var exponent = Power.ToScalar(); // held for the call (see KeptScalars)
        var power = Power == 1.0 ? spectrum.abs() : spectrum.abs().pow(exponent); // [batch, bins, frames]
        var mel = matmul(power.transpose(1, 2), Filterbank().to(waveform.dtype).to(waveform.device)).transpose(1, 2);
        long[] outShape = [.. shape[..^1], MelBands, mel.shape[^1]];
        return mel.reshape(outShape).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Decibels as torchaudio's <c>AmplitudeToDB</c>: 10 · log10(max(x, amin)) for power (20 · for magnitude),
    /// optionally clamped to <paramref name="topDb"/> below the maximum — taken, as torchaudio does, over the last two
    /// dimensions of a [freq, time] input and over the last three (channels, freq, time) of a batched one.
    /// </summary>
    public static Tensor ToDecibels(Tensor spectrogram, bool isPower = true, double amin = 1e-10, double? topDb = null)
    {
        ArgumentNullException.ThrowIfNull(spectrogram);
        if (!(amin > 0))
            throw new ArgumentOutOfRangeException(nameof(amin), amin, "amin must be positive.");
        using var scope = NewDisposeScope();
        // Every number goes to libtorch as a Scalar held in a using variable (see KeptScalars).
        using var floor = amin.ToScalar();
        using var factor = (isPower ? 10.0 : 20.0).ToScalar();
        var db = spectrogram.clamp_min(floor).log10().mul(factor);
        if (topDb is { } top)
        {
            if (!(top >= 0))
                throw new ArgumentOutOfRangeException(nameof(topDb), top, "top_db must be ≥ 0.");
            long[] dims = db.dim() switch
            {
                >= 3 => [-3, -2, -1],
                2 => [-2, -1],
                _ => [-1],
            };
            using var range = top.ToScalar();
            db = db.maximum(db.amax(dims, keepdim: true).sub(range));
        }
        return db.MoveToOuterDisposeScope();
    }
}

/// <summary>The formula mapping hertz to mels (torchaudio's <c>mel_scale</c>). Introduced in chapter 13.</summary>
public enum MelScale
{
    /// <summary>HTK: mel = 2595 · log10(1 + f / 700). torchaudio's default.</summary>
    Htk,

    /// <summary>Slaney (librosa's default): linear below 1 kHz (f · 3 / 200), logarithmic above (27 mels per factor 6.4).</summary>
    Slaney,
}
