using System.Text.Json;
using TorchSharp;
using Workbook.Audio;
using static TorchSharp.torch;

namespace Workbook.Tests.Audio;

/// <summary>Against torchaudio 0.13's MelSpectrogram and AmplitudeToDB (goldens from tests/fixtures/audio/make_mel_goldens.py).</summary>
public class MelSpectrogramTests
{
    static MelSpectrogramTests() => InitializeDeviceType(DeviceType.CPU);

    // float64 on both sides; the FFTs are different implementations (libtorch 2.10 here, 1.13 in the reference), so
    // agreement is to about 1e-12 of the largest value, stated relative to it.
    private const double RelativeTolerance = 1e-10;
    private const double DecibelTolerance = 1e-8;

    private static double[] Flatten(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array ? [.. e.EnumerateArray().SelectMany(Flatten)] : [e.GetDouble()];

    public static TheoryData<int> Cases() => [0, 1, 2];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Filterbank_spectrogram_and_decibels_match_torchaudio(int index)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Repository.Fixture("audio/mel.json")));
        var waveform = tensor(Flatten(document.RootElement.GetProperty("waveform")));
        var c = document.RootElement.GetProperty("cases")[index];
        int? Int(string name) => c.GetProperty(name).ValueKind == JsonValueKind.Null ? null : c.GetProperty(name).GetInt32();
        var transform = new MelSpectrogram
        {
            SampleRate = 16000,
            NFft = c.GetProperty("n_fft").GetInt32(),
            WindowLength = Int("win_length"),
            HopLength = Int("hop_length"),
            FMin = c.GetProperty("f_min").GetDouble(),
            FMax = c.GetProperty("f_max").ValueKind == JsonValueKind.Null ? null : c.GetProperty("f_max").GetDouble(),
            MelBands = c.GetProperty("n_mels").GetInt32(),
            Power = c.GetProperty("power").GetDouble(),
            Center = c.GetProperty("center").GetBoolean(),
            Scale = c.GetProperty("mel_scale").GetString() == "slaney" ? MelScale.Slaney : MelScale.Htk,
            SlaneyNormalization = c.GetProperty("norm").GetString() == "slaney",
        };
        var name = c.GetProperty("name").GetString();

        void Close(double[] expected, Tensor actual, double tolerance, string what)
        {
            var values = actual.contiguous().data<double>().ToArray();
            Assert.Equal(expected.Length, values.Length);
            var scale = Math.Max(1e-300, expected.Max(Math.Abs));
            var largest = expected.Zip(values, (e, a) => Math.Abs(e - a)).Max();
            Assert.True(
                largest <= tolerance * scale,
                $"{name}, {what}: largest difference {largest:E2} (relative {largest / scale:E2}) "
                    + $"exceeds {tolerance:E0} of the largest value"
            );
        }

        Close(Flatten(c.GetProperty("filterbank")), transform.Filterbank(), RelativeTolerance, "filterbank");
        var mel = transform.Compute(waveform);
        Close(Flatten(c.GetProperty("mel")), mel, RelativeTolerance, "mel spectrogram");
        double? topDb = c.GetProperty("top_db").ValueKind == JsonValueKind.Null ? null : c.GetProperty("top_db").GetDouble();
        var db = MelSpectrogram.ToDecibels(mel, isPower: transform.Power == 2.0, topDb: topDb);
        var expectedDb = Flatten(c.GetProperty("db"));
        var largestDb = expectedDb.Zip(db.contiguous().data<double>().ToArray(), (e, a) => Math.Abs(e - a)).Max();
        Assert.True(largestDb <= DecibelTolerance, $"{name}, decibels: largest difference {largestDb:E2} dB");
    }

    [Fact]
    public void Scales_invert_and_bad_settings_are_named()
    {
        foreach (var scale in new[] { MelScale.Htk, MelScale.Slaney })
        foreach (var hz in new[] { 0.0, 440, 999.9, 1000, 4000, 8000 })
            Assert.Equal(hz, MelSpectrogram.MelToHertz(MelSpectrogram.HertzToMel(hz, scale), scale), 9);
        Assert.Equal(15.0, MelSpectrogram.HertzToMel(1000, MelScale.Slaney), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MelSpectrogram { FMax = 9000 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new MelSpectrogram { WindowLength = 500 }.Validate());
        Assert.Contains("need more than 200", Assert.Throws<ArgumentException>(() => new MelSpectrogram().Compute(zeros(100))).Message);
        Assert.Contains(
            "float samples",
            Assert.Throws<ArgumentException>(() => new MelSpectrogram().Compute(zeros(1000, dtype: ScalarType.Int32))).Message
        );
        Assert.Equal([2L, 128, 6], new MelSpectrogram().Compute(zeros(2, 1000)).shape); // batch kept; 1000 / 200 + 1 frames
    }
}
