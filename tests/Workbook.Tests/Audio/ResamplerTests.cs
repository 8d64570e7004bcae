using TorchSharp;
using Workbook.Audio;
using static TorchSharp.torch;

namespace Workbook.Tests.Audio;

/// <summary>Tone tests: a resampler must keep frequencies below the new Nyquist and remove those above it.</summary>
public class ResamplerTests
{
    static ResamplerTests() => InitializeDeviceType(DeviceType.CPU);

    private static Tensor Tone(double hertz, int rate, double seconds = 1.0) =>
        (arange(0, (long)(rate * seconds), dtype: ScalarType.Float64) * (2 * Math.PI * hertz / rate)).sin().to(ScalarType.Float32);

    private static (double PeakHertz, double PeakAmplitude) Spectrum(Tensor signal, int rate)
    {
        var n = signal.shape[^1];
        var magnitude = fft.rfft(signal.to(ScalarType.Float64) * signal_window(n)).abs();
        var peak = magnitude.argmax().item<long>();
        return (peak * (double)rate / n, magnitude[peak].item<double>() * 2 / (n / 2.0)); // Hann window gain 1/2
    }

    private static Tensor signal_window(long n) => hann_window(n, periodic: true, dtype: ScalarType.Float64);

    [Theory]
    [InlineData(44100, 16000, 440)]
    [InlineData(48000, 16000, 3000)]
    [InlineData(8000, 16000, 1000)]
    [InlineData(22050, 16000, 5000)]
    public void A_tone_below_the_new_nyquist_keeps_its_frequency_and_amplitude(int from, int to, double hertz)
    {
        var output = Resampler.Resample(Tone(hertz, from), from, to);
        Assert.Equal((long)Math.Ceiling(to * (double)from / from), output.shape[0]);
        var (peak, amplitude) = Spectrum(output, to);
        Assert.InRange(peak, hertz - 1, hertz + 1);
        Assert.InRange(amplitude, 0.97, 1.01);
        var expected = Tone(hertz, to);
        var middle = (output - expected).narrow(0, 200, to - 400).abs().max().item<float>(); // away from the edges' zero padding
        Assert.True(middle < 2e-2, $"largest deviation from the ideal tone: {middle}");
    }

    [Theory]
    [InlineData(44100, 16000, 10000)]
    [InlineData(48000, 16000, 12000)]
    public void A_tone_above_the_new_nyquist_is_removed_not_aliased(int from, int to, double hertz)
    {
        var output = Resampler.Resample(Tone(hertz, from), from, to);
        var rms = output.narrow(0, 200, to - 400).pow(2).mean().sqrt().item<float>();
        Assert.True(rms < 0.01, $"a {hertz} Hz tone should vanish at {to} Hz, but RMS {rms} remains (it would alias to {to - hertz} Hz)");
    }

    [Fact]
    public void Leading_dimensions_and_clips_are_kept()
    {
        var batch = stack([Tone(440, 44100, 0.1), Tone(880, 44100, 0.1)]).unsqueeze(0); // [1, 2, 4410]
        Assert.Equal([1L, 2, 1600], Resampler.Resample(batch, 44100, 16000).shape);
        var clip = new AudioClip(44100, [Tone(440, 44100, 0.1).data<float>().ToArray(), new float[4410]]);
        var resampled = Resampler.Resample(clip, 16000);
        Assert.Equal((16000, 2, 1600), (resampled.SampleRate, resampled.ChannelCount, resampled.FrameCount));
        Assert.Same(clip, Resampler.Resample(clip, 44100));
    }

    [Fact]
    public void Bad_arguments_are_named()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Resampler.Resample(Tone(1, 100), 0, 16000));
        Assert.Throws<ArgumentOutOfRangeException>(() => Resampler.Resample(Tone(1, 100), 100, 16000, rolloff: 1.5));
        Assert.Contains(
            "float samples",
            Assert.Throws<ArgumentException>(() => Resampler.Resample(zeros(10, dtype: ScalarType.Int16), 8000, 16000)).Message
        );
        Assert.Contains("Nothing to resample", Assert.Throws<ArgumentException>(() => Resampler.Resample(zeros(0), 8000, 16000)).Message);
    }
}

/// <summary>Against torchaudio 0.13's <c>functional.resample</c> (goldens from tests/fixtures/audio/make_goldens.py).</summary>
public class ResamplerGoldenTests
{
    static ResamplerGoldenTests() => InitializeDeviceType(DeviceType.CPU);

    // float64 input: both sides build the filter in float64, so only summation order differs.
    private const double Float64Tolerance = 1e-12;

    // float32 input: this library builds the filter in float64 and rounds it, so its float32 output must sit within a few
    // float32 roundings of the float64 result. (torchaudio builds its float32 filter in float32, and its own float32
    // output strays from its float64 one by up to 1.3e-5 on these cases; the fixture keeps it for reference.)
    private const double Float32Tolerance = 2e-6;

    [Fact]
    public void Matches_torchaudio_for_every_rate_pair_and_filter()
    {
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Repository.Fixture("audio/resample.json")));
        var samples = document.RootElement.GetProperty("waveform").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var cases = document.RootElement.GetProperty("cases").EnumerateArray().ToList();
        Assert.Equal(5, cases.Count);
        foreach (var c in cases)
        {
            var (from, to) = (c.GetProperty("source_rate").GetInt32(), c.GetProperty("target_rate").GetInt32());
            var (crossings, rolloff) = (c.GetProperty("zero_crossings").GetInt32(), c.GetProperty("rolloff").GetDouble());
            foreach (
                var (dtype, key, tolerance) in new[]
                {
                    (ScalarType.Float64, "expected_float64", Float64Tolerance),
                    (ScalarType.Float32, "expected_float64", Float32Tolerance),
                }
            )
            {
                var expected = c.GetProperty(key).EnumerateArray().Select(v => v.GetDouble()).ToArray();
                var actual = Resampler
                    .Resample(tensor(samples).to(dtype), from, to, crossings, rolloff)
                    .to(ScalarType.Float64)
                    .data<double>()
                    .ToArray();
                Assert.Equal(expected.Length, actual.Length);
                var largest = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
                Assert.True(
                    largest <= tolerance,
                    $"{from} → {to} Hz, {dtype}: largest difference from torchaudio {largest:E2} > {tolerance:E0}"
                );
            }
        }
    }
}
