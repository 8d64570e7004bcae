using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Audio;

/// <summary>
/// Band-limited resampling with a Hann-windowed sinc filter: the method of torchaudio's <c>functional.resample</c>
/// (its defaults: 6 zero crossings each side, roll-off 0.99), so results match torchaudio's to float precision.
/// The rates are reduced by their greatest common divisor and one polyphase filter bank is applied as a strided
/// convolution; frequencies above the lower Nyquist frequency are removed instead of folding back as aliases.
/// Introduced in chapter 13.
/// </summary>
public static class Resampler
{
    /// <summary>Resamples a clip to <paramref name="targetRate"/> Hz (the clip itself when the rate already matches).</summary>
    public static AudioClip Resample(AudioClip clip, int targetRate, int zeroCrossings = 6, double rolloff = 0.99)
    {
        ArgumentNullException.ThrowIfNull(clip);
        if (clip.SampleRate == targetRate)
            return clip;
        using var scope = NewDisposeScope();
        var resampled = Resample(clip.ToTensor(), clip.SampleRate, targetRate, zeroCrossings, rolloff).cpu();
        var channels = Enumerable.Range(0, clip.ChannelCount).Select(c => resampled[c].data<float>().ToArray()).ToArray();
        return new AudioClip(targetRate, channels);
    }

    /// <summary>Resamples the last dimension of <paramref name="waveform"/> (any leading dimensions) from <paramref name="sourceRate"/> to
    /// <paramref name="targetRate"/>.</summary>
    /// <param name="waveform">Float samples [..., time].</param>
    /// <param name="sourceRate">Rate of the input in Hz.</param>
    /// <param name="targetRate">Rate of the output in Hz.</param>
    /// <param name="zeroCrossings">Half-width of the sinc filter in zero crossings of the lower rate (sharper cut-off, more work).</param>
    /// <param name="rolloff">Cut-off as a fraction of the lower Nyquist frequency (below 1 leaves room for the filter's transition
    /// band).</param>
    /// <returns>[..., ceil(time · targetRate / sourceRate)] samples.</returns>
    /// <exception cref="ArgumentException">A rate is not positive, the input is not floating point or empty, or a filter parameter is out
    /// of range.</exception>
    public static Tensor Resample(Tensor waveform, int sourceRate, int targetRate, int zeroCrossings = 6, double rolloff = 0.99)
    {
        ArgumentNullException.ThrowIfNull(waveform);
        if (sourceRate <= 0)
            throw new ArgumentOutOfRangeException(nameof(sourceRate), sourceRate, "Sample rates must be positive.");
        if (targetRate <= 0)
            throw new ArgumentOutOfRangeException(nameof(targetRate), targetRate, "Sample rates must be positive.");
        if (zeroCrossings < 1)
            throw new ArgumentOutOfRangeException(
                nameof(zeroCrossings),
                zeroCrossings,
                "The filter needs at least one zero crossing each side."
            );
        if (!(rolloff > 0 && rolloff <= 1))
            throw new ArgumentOutOfRangeException(
                nameof(rolloff),
                rolloff,
                "The roll-off is a fraction of the Nyquist frequency in (0, 1]."
            );
        if (!waveform.is_floating_point())
            throw new ArgumentException($"Resampling needs float samples; got {waveform.dtype}.", nameof(waveform));
        if (waveform.dim() == 0 || waveform.shape[^1] == 0)
            throw new ArgumentException(
                $"Nothing to resample: the waveform has shape [{string.Join(", ", waveform.shape)}].",
                nameof(waveform)
            );
        if (sourceRate == targetRate)
            return waveform.alias();

        var divisor = Gcd(sourceRate, targetRate);
        int up = targetRate / divisor,
            down = sourceRate / divisor;
        using var scope = NewDisposeScope();
        var (kernels, width) = Kernels(down, up, zeroCrossings, rolloff, waveform.dtype, waveform.device);

        var shape = waveform.shape;
        var length = shape[^1];
        var flat = waveform.reshape(-1, length);
        var padded = nn.functional.pad(flat, [width, width + down]);
        var phases = nn.functional.conv1d(padded.unsqueeze(1), kernels, stride: down); // [batch, up, frames]
        var interleaved = phases.transpose(1, 2).reshape(flat.shape[0], -1); // phase-major → time order
        var targetLength = (long)Math.Ceiling((double)up * length / down);
        long[] outShape = [.. shape[..^1], targetLength];
        return interleaved.narrow(1, 0, targetLength).reshape(outShape).MoveToOuterDisposeScope();
    }

    /// <summary>The filter bank: one Hann-windowed sinc per output phase, [up, 1, 2·width + down].</summary>
    private static (Tensor Kernels, long Width) Kernels(
        int down,
        int up,
        int zeroCrossings,
        double rolloff,
        ScalarType dtype,
        Device device
    )
    {
        var cutoff = Math.Min(down, up) * rolloff; // in units where the lower rate is min(down, up)
        var width = (long)Math.Ceiling(zeroCrossings * down / cutoff); // input samples each side that the filter reaches
        // Computed in managed doubles, then copied: no tensor arithmetic with implicit Scalars (see KeptScalars).
        var taps = 2 * width + down;
        var values = new double[up * taps];
        for (var phase = 0; phase < up; phase++)
        for (long j = 0; j < taps; j++)
        {
            var t = Math.Clamp((-(double)phase / up + (double)(j - width) / down) * cutoff, -zeroCrossings, zeroCrossings);
            var window = Math.Pow(Math.Cos(t * Math.PI / zeroCrossings / 2), 2);
            var x = t * Math.PI;
            var sinc = x == 0 ? 1.0 : Math.Sin(x) / x;
            values[phase * taps + j] = sinc * window * (cutoff / down);
        }
        using var bank = tensor(values, [up, 1, taps], device: device);
        var kernels = bank.to(dtype);
        return (kernels, width);
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0)
            (a, b) = (b, a % b);
        return a;
    }
}
