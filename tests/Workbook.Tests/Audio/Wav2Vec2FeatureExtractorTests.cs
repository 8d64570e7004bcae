using TorchSharp;
using Workbook.Audio;
using static TorchSharp.torch;

namespace Workbook.Tests.Audio;

public class Wav2Vec2FeatureExtractorTests
{
    static Wav2Vec2FeatureExtractorTests() => InitializeDeviceType(DeviceType.CPU);

    [Fact]
    public void Normalizes_with_population_variance_and_the_hf_epsilon()
    {
        float[] samples = [1, 2, 3, 4];
        var expectedScale = 1 / Math.Sqrt(1.25 + 1e-7); // population variance of 1..4 is 1.25
        Assert.Equal(
            [-1.5 * expectedScale, -0.5 * expectedScale, 0.5 * expectedScale, 1.5 * expectedScale],
            Wav2Vec2FeatureExtractor.Normalize(samples).Select(v => (double)v),
            new Tolerance(1e-6)
        );
        Assert.Equal([0f, 0f, 0f], Wav2Vec2FeatureExtractor.Normalize([5f, 5f, 5f])); // silence stays finite: the epsilon
    }

    [Fact]
    public void Pads_a_batch_to_the_longest_clip_with_a_mask()
    {
        var extractor = new Wav2Vec2FeatureExtractor();
        var (values, mask) = extractor.Prepare([new AudioClip(16000, [1f, 2f, 3f, 4f]), new AudioClip(16000, [1f, 3f])]);
        Assert.Equal([2L, 4], values.shape);
        Assert.Equal([1L, 1, 1, 1, 1, 1, 0, 0], mask.data<long>().ToArray());
        var row = values[1].data<float>().ToArray();
        Assert.Equal(-1, row[0], 5);
        Assert.Equal(1, row[1], 5);
        Assert.Equal([0f, 0f], row[2..]);
    }

    [Fact]
    public void Wrong_rates_and_channels_are_explained()
    {
        var extractor = new Wav2Vec2FeatureExtractor();
        Assert.Contains(
            "sampled at 8000 Hz but the model expects 16000 Hz",
            Assert.Throws<ArgumentException>(() => extractor.Prepare([new AudioClip(8000, [0f])])).Message
        );
        Assert.Contains(
            "has 2 channels",
            Assert
                .Throws<ArgumentException>(() =>
                    extractor.Prepare([
                        new AudioClip(
                            16000,
                            [
                                [0f],
                                [0f],
                            ]
                        ),
                    ])
                )
                .Message
        );
        Assert.Throws<ArgumentException>(() => extractor.Prepare([]));
        Assert.Throws<ArgumentException>(() => Wav2Vec2FeatureExtractor.Normalize([]));
    }

    private sealed class Tolerance(double epsilon) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= epsilon;

        public int GetHashCode(double obj) => 0;
    }
}
