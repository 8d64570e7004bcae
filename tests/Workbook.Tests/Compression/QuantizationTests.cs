using TorchSharp;
using TorchSharp.Modules;
using Workbook.Compression;
using Workbook.Gpt2;
using Workbook.Models;
using Workbook.Safetensors;
using Workbook.Tests.Gpt2;
using static TorchSharp.torch;
using static Workbook.Tests.Compression.CompressionTestData;

namespace Workbook.Tests.Compression;

/// <summary>Per-channel int8 quantization: error bounds, edge cases, equivalence with libtorch, layers, GPT-2, checkpoints.</summary>
[Collection(SerialCollection.Name)] // seeds TorchSharp's global generator
public class QuantizationTests
{
    static QuantizationTests() => InitializeDeviceType(DeviceType.CPU);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Dequantized_weights_are_within_half_a_step_of_each_channel_and_the_range_is_symmetric(int axis)
    {
        torch.manual_seed(3);
        var w = randn(24, 40) * linspace(0.01, 5, axis == 0 ? 24 : 40).view(axis == 0 ? [24, 1] : [1, 40]); // very different channel ranges
        using (no_grad())
        {
            if (axis == 0)
            {
                w[5].zero_();
                w[7, 3] = tensor(0f);
            }
            else
            {
                w[.., 5].zero_();
                w[3, 7] = tensor(0f);
            }
        }
        var q = Int8Quantization.QuantizePerChannel(w, axis);

        Assert.Equal(ScalarType.Int8, q.Values.dtype);
        Assert.Equal(w.shape, q.Values.shape);
        Assert.Equal([w.shape[axis]], q.Scales.shape);
        Assert.True(q.Values.to(ScalarType.Int32).abs().max().item<int>() == 127, "each channel's largest weight maps to ±127");
        Assert.True(q.Values.to(ScalarType.Int32).min().item<int>() >= -127, "−128 is never used: the range is symmetric");
        var scales = Values(q.Scales);
        Assert.Equal(0f, scales[5]); // the all-zero channel
        var channels = (axis == 0 ? w : w.t()).contiguous();
        var deq = (axis == 0 ? q.Dequantize() : q.Dequantize().t()).contiguous();
        var error = Values((channels - deq).abs());
        var original = Values(channels);
        var width = (int)channels.shape[1];
        for (var i = 0; i < error.Length; i++)
        {
            var s = scales[i / width];
            Assert.True(error[i] <= s / 2 * (1 + 1e-5) + 1e-12, $"channel {i / width}: error {error[i]} exceeds half a step {s / 2}");
            if (original[i] == 0)
                Assert.Equal(0f, Values(deq)[i]); // zero is exact
        }
        Assert.Equal(Values(channels.abs().amax(1) / 127), scales); // scale = max|w| / 127
    }

    [Fact]
    public void Rounding_matches_libtorch_quantize_per_channel_with_the_same_scales()
    {
        torch.manual_seed(4);
        var w = randn(16, 33);
        var ours = Int8Quantization.QuantizePerChannel(w, 0);
        var scales = ours.Scales.to(ScalarType.Float64);
        var reference = quantize_per_channel(w, scales, zeros(16, ScalarType.Int64), 0, ScalarType.QInt8);
        Assert.Equal(Values(reference.int_repr()), Values(ours.Values));
    }

    [Fact]
    public void Quantized_linear_stays_within_the_derived_bound_of_the_float_layer()
    {
        // y − ŷ = x·(W − Ŵ)ᵀ, and |W − Ŵ| ≤ s_j/2 in row j, so |y_bj − ŷ_bj| ≤ ‖x_b‖₁ · s_j / 2 (plus float rounding).
        torch.manual_seed(5);
        var linear = nn.Linear(50, 30);
        var x = randn(64, 50);
        var quantized = QuantizedLinear.FromLinear(linear);
        using var noGrad = no_grad();
        var y = linear.call(x);
        var yq = quantized.call(x);
        var bound = x.abs().sum(1, keepdim: true) * quantized.Weight.Scales.unsqueeze(0) / 2 + 1e-5;
        Assert.True(((y - yq).abs() <= bound).all().item<bool>(), $"largest excess {((y - yq).abs() - bound).max().item<float>()}");
        Assert.True((y - yq).abs().max().item<float>() > 0, "the int8 weights should differ from the float ones somewhere");
        Assert.Equal(ScalarType.Int8, quantized.named_buffers().Single(b => b.name == "weight_int8").buffer.dtype);
        Assert.Contains("[..., 50]", Assert.Throws<ArgumentException>(() => quantized.call(randn(2, 49))).Message);
    }

    [Fact]
    public void A_quantized_digits_classifier_keeps_its_accuracy_and_round_trips_through_safetensors()
    {
        var (x, y, xt, yt) = Digits();
        var trainer = NewTrainer(DigitsModel(64, 64), epochs: 8);
        trainer.Fit(x, y);
        var model = (SimpleModel)trainer.Model;
        using var noGrad = no_grad();
        model.eval();
        var floatLogits = model.call(xt);
        Assert.Equal(["fc1", "fc2", "out"], DynamicQuantization.QuantizeLinearLayers(model));
        Assert.Equal(3, model.Layers.named_children().Count(c => c.module is QuantizedLinear));
        Assert.Empty(model.parameters()); // inference-only: everything is a buffer
        var intLogits = model.call(xt);
        var comparison = LogitComparison.Of(floatLogits, intLogits);
        Assert.True(comparison.Top1Agreement >= 0.98, comparison.ToString());
        Assert.True(comparison.MaxAbsoluteDifference < 0.02 * comparison.ReferenceRange, comparison.ToString());
        Assert.Throws<InvalidOperationException>(() => DynamicQuantization.QuantizeLinearLayers(model));

        using var folder = new TempFolder();
        var path = folder.File("digits-int8.safetensors");
        QuantizedCheckpoint.Save(path, model);
        using (var file = SafetensorsFile.Open(path))
        {
            Assert.Equal("I8", file.Info("layers.fc1.weight_int8").Dtype);
            Assert.Equal("F32", file.Info("layers.fc1.weight_scale").Dtype);
            Assert.Equal(QuantizedCheckpoint.FormatValue, file.Metadata[QuantizedCheckpoint.FormatKey]);
        }
        var restored = new SimpleModel(model.Options);
        DynamicQuantization.QuantizeLinearLayers(restored);
        QuantizedCheckpoint.Load(path, restored);
        Assert.True(restored.call(xt).allclose(intLogits, 0, 0), "the reloaded int8 model must compute exactly the same logits");

        var floatPath = folder.File("float.safetensors");
        SafetensorsWriter.Save(floatPath, new SimpleModel(model.Options).state_dict());
        var fresh = new SimpleModel(model.Options);
        Assert.Contains("quantize", Assert.Throws<ArgumentException>(() => QuantizedCheckpoint.Load(path, fresh)).Message);
        Assert.Contains(
            "not a quantized checkpoint",
            Assert.Throws<SafetensorsException>(() => QuantizedCheckpoint.Load(floatPath, restored)).Message
        );
        Assert.Contains(
            "no int8 layer",
            Assert.Throws<ArgumentException>(() => QuantizedCheckpoint.Save(folder.File("x.safetensors"), fresh)).Message
        );
        Assert.Throws<FileNotFoundException>(() => QuantizedCheckpoint.Load(folder.File("missing.safetensors"), restored));

        // A file that claims the format but stores an int8 weight as float32 is refused by name, not silently converted.
        var widened = model
            .state_dict()
            .ToDictionary(p => p.Key, p => p.Key == "layers.fc2.weight_int8" ? p.Value.to(ScalarType.Float32) : p.Value);
        var forged = folder.File("forged.safetensors");
        SafetensorsWriter.Save(
            forged,
            widened,
            new Dictionary<string, string> { [QuantizedCheckpoint.FormatKey] = QuantizedCheckpoint.FormatValue }
        );
        Assert.Contains(
            "layers.fc2.weight_int8",
            Assert.Throws<SafetensorsException>(() => QuantizedCheckpoint.Load(forged, restored)).Message
        );
    }

    [Fact]
    public void Quantized_gpt2_logits_stay_close_and_greedy_tokens_mostly_agree()
    {
        var reference = Gpt2LMHeadModel.FromPretrained(Gpt2Goldens.Folder("tiny"));
        var model = Gpt2LMHeadModel.FromPretrained(Gpt2Goldens.Folder("tiny"));
        var config = model.Config;
        var replaced = DynamicQuantization.QuantizeLinearLayers(model);
        Assert.Equal(4 * config.LayerCount, replaced.Count);
        Assert.Contains("h.0.attn.c_attn", replaced);
        Assert.Contains("h.1.mlp.c_proj", replaced);
        Assert.Equal(ScalarType.Float32, model.TokenEmbedding.dtype); // the tied embedding / head stays float32

        torch.manual_seed(6);
        var ids = randint(0, config.VocabSize, [4, 16]);
        using (no_grad())
        {
            var comparison = LogitComparison.Of(reference.call(ids), model.call(ids));
            Assert.True(comparison.MaxAbsoluteDifference < 0.02 * comparison.ReferenceRange, comparison.ToString());
            Assert.True(comparison.Top1Agreement >= 0.9, comparison.ToString());
        }
        var prompts = new int[][] { [1, 2, 3], [10, 20], [42], [7, 7, 7, 7] };
        var options = GenerationOptions.Greedy(12) with { StopAtEos = false };
        var a = new Gpt2TokenGenerator(reference).Generate(prompts, options);
        var b = new Gpt2TokenGenerator(model).Generate(prompts, options);
        var agree = a.Zip(b).Sum(p => p.First.Zip(p.Second).Count(t => t.First == t.Second));
        var total = a.Sum(r => r.Length);
        Assert.True(agree >= 0.75 * total, $"greedy tokens agree at {agree} of {total} positions");

        using var folder = new TempFolder();
        var path = folder.File("gpt2-int8.safetensors");
        QuantizedCheckpoint.Save(path, model);
        var restored = new Gpt2LMHeadModel(config);
        DynamicQuantization.QuantizeLinearLayers(restored);
        QuantizedCheckpoint.Load(path, restored);
        using (no_grad())
            Assert.True(restored.call(ids).allclose(model.call(ids), 0, 0));
        using var file = SafetensorsFile.Open(path);
        Assert.Equal("I8", file.Info("h.0.mlp.c_fc.weight_int8").Dtype);
        Assert.Equal([(long)config.EmbeddingSize, config.MlpSize], file.Info("h.0.mlp.c_fc.weight_int8").Shape);
    }

    [Fact]
    public void Bad_inputs_are_refused_with_clear_messages()
    {
        Assert.Contains(
            "NaN or infinite",
            Assert
                .Throws<ArgumentException>(() =>
                    Int8Quantization.QuantizePerChannel(tensor(new[] { 1f, float.NaN }).view(1, 2), 0, "fc.weight")
                )
                .Message
        );
        Assert.Contains(
            "fc.weight",
            Assert
                .Throws<ArgumentException>(() => Int8Quantization.QuantizePerChannel(ones(2, 2, ScalarType.Int32), 0, "fc.weight"))
                .Message
        );
        Assert.Contains(
            "channel axis",
            Assert.Throws<ArgumentOutOfRangeException>(() => Int8Quantization.QuantizePerChannel(ones(2, 2), 2)).Message
        );
        Assert.Contains("no channels", Assert.Throws<ArgumentException>(() => Int8Quantization.QuantizePerChannel(ones(0, 2), 0)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new QuantizedLinear(0, 3));
        Assert.Contains("same shape", Assert.Throws<ArgumentException>(() => LogitComparison.Of(zeros(2, 3), zeros(2, 4))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => LatencyMeasurement.MedianMilliseconds(() => { }, repeats: 0));
    }
}
