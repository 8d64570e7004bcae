using System.Text.Json;
using TorchSharp;
using Workbook.Safetensors;
using Workbook.Wav2Vec2;
using static TorchSharp.torch;

namespace Workbook.Tests.Wav2Vec2;

/// <summary>The C# wav2vec2 against a plain-PyTorch reference (tests/fixtures/wav2vec2/make_goldens.py).</summary>
public class Wav2Vec2ForCtcTests
{
    static Wav2Vec2ForCtcTests() => InitializeDeviceType(DeviceType.CPU);

    private const double Tolerance = 1e-4; // float32 model against a float64 reference

    private static readonly Lazy<JsonDocument> Goldens = new(() =>
        JsonDocument.Parse(File.ReadAllText(Repository.Fixture("wav2vec2/goldens.json")))
    );

    private static float[] Waveform => [.. Goldens.Value.RootElement.GetProperty("waveform").EnumerateArray().Select(v => v.GetSingle())];

    private static double[] Flatten(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array ? [.. e.EnumerateArray().SelectMany(Flatten)] : [e.GetDouble()];

    private static void Close(double[] expected, Tensor actual, string what)
    {
        var values = actual.to(ScalarType.Float64).contiguous().data<double>().ToArray();
        Assert.Equal(expected.Length, values.Length);
        var largest = expected.Zip(values, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(largest <= Tolerance, $"{what}: largest difference from the reference {largest:E2} > {Tolerance:E0}");
    }

    [Theory]
    [InlineData("tiny-base")]
    [InlineData("tiny-lv60")]
    public void Logits_match_the_reference(string name)
    {
        using var model = Wav2Vec2ForCtc.FromPretrained(Repository.Fixture($"wav2vec2/{name}"));
        var golden = Goldens.Value.RootElement.GetProperty(name);
        var logits = model.call(tensor(Waveform).unsqueeze(0));
        Assert.Equal([1L, golden.GetProperty("frames").GetInt64(), 32], logits.shape);
        Close(Flatten(golden.GetProperty("logits")), logits[0], name);
    }

    [Fact]
    public void A_fresh_model_starts_from_initialised_norms()
    {
        // TorchSharp's GroupNorm leaves its affine parameters uninitialised; the model must set PyTorch's 1 and 0.
        for (var i = 0; i < 20; i++)
        {
            using var poison = full(4096, float.NaN); // memory the allocator may hand out next
            poison.Dispose();
            using var model = new Wav2Vec2ForCtc(
                Wav2Vec2Config.Base960h with
                {
                    ConvChannels = [16, 16, 16, 16, 16, 16, 16],
                    HiddenSize = 16,
                    LayerCount = 1,
                    HeadCount = 2,
                    IntermediateSize = 16,
                }
            );
            var norm = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            Assert.True(norm["wav2vec2.feature_extractor.conv_layers.0.layer_norm.weight"].eq(1).all().item<bool>());
            Assert.True(norm["wav2vec2.feature_extractor.conv_layers.0.layer_norm.bias"].eq(0).all().item<bool>());
            Assert.True(model.call(randn(1, 4000)).isfinite().all().item<bool>());
        }
    }

    [Fact]
    public void Fine_tuning_the_head_with_the_ctc_loss_lowers_it()
    {
        using var model = Wav2Vec2ForCtc.FromPretrained(Repository.Fixture("wav2vec2/tiny-base"));
        var head = model
            .named_parameters()
            .Where(p => p.name.StartsWith("lm_head.", StringComparison.Ordinal))
            .Select(p => p.parameter)
            .ToList();
        foreach (var (name, p) in model.named_parameters())
            p.requires_grad = name.StartsWith("lm_head.", StringComparison.Ordinal);
        var optimizer = optim.Adam(head, lr: 0.05);
        var audio = tensor(Waveform).unsqueeze(0);
        var targets = tensor(new long[] { 11, 5, 4, 18, 7, 12 }).unsqueeze(0); // "HE WAS", in the 960h vocabulary
        double Step()
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var logProbs = model.call(audio).log_softmax(-1).transpose(0, 1);
            var loss = nn.functional.ctc_loss(
                logProbs,
                targets,
                tensor(new long[] { logProbs.shape[0] }),
                tensor(new long[] { 6 }),
                blank: 0
            );
            loss.backward();
            optimizer.step();
            return loss.item<float>();
        }
        var first = Step();
        double last = first;
        for (var i = 0; i < 30; i++)
            last = Step();
        Assert.True(double.IsFinite(first) && last < 0.5 * first, $"CTC loss {first:F3} → {last:F3}");
    }

    [Fact]
    public void Train_mode_changes_nothing_for_inference()
    {
        using var model = Wav2Vec2ForCtc.FromPretrained(Repository.Fixture("wav2vec2/tiny-base"));
        var audio = tensor(Waveform).unsqueeze(0);
        var before = model.call(audio);
        model.train();
        var inTrainMode = model.call(audio);
        model.eval();
        Assert.True(inTrainMode.isfinite().all().item<bool>(), "train-mode logits must be finite");
        Assert.True(before.allclose(inTrainMode, 0, 0));
        Assert.True(before.allclose(model.call(audio), 0, 0));
    }

    [Fact]
    public void Saved_checkpoints_load_back_identically()
    {
        using var model = Wav2Vec2ForCtc.FromPretrained(Repository.Fixture("wav2vec2/tiny-lv60"));
        var folder = Directory.CreateTempSubdirectory("wb-w2v-save-").FullName;
        try
        {
            model.SavePretrained(folder, CtcVocabulary.English960h);
            using var copy = Wav2Vec2ForCtc.FromPretrained(folder);
            Assert.Equal(
                model.Config with
                {
                    ConvChannels = [],
                    ConvKernels = [],
                    ConvStrides = [],
                },
                copy.Config with
                {
                    ConvChannels = [],
                    ConvKernels = [],
                    ConvStrides = [],
                }
            );
            var audio = tensor(Waveform).unsqueeze(0);
            Assert.True(model.call(audio).allclose(copy.call(audio), 0, 0));
            Assert.Equal("Z", CtcVocabulary.FromFile(folder)[31]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_padded_batch_with_an_attention_mask_matches_the_reference()
    {
        using var model = Wav2Vec2ForCtc.FromPretrained(Repository.Fixture("wav2vec2/tiny-lv60"));
        var golden = Goldens.Value.RootElement.GetProperty("tiny-lv60");
        var audio = tensor(Waveform);
        var batch = zeros(2, audio.shape[0]);
        batch[0] = audio;
        batch[1, ..1000] = audio[..1000];
        var mask = zeros(2, audio.shape[0], dtype: ScalarType.Int64);
        mask[0] = 1;
        mask[1, ..1000] = 1;
        var logits = model.forward(batch, mask);
        var expected = Flatten(golden.GetProperty("padded_logits"));
        var valid = golden.GetProperty("padded_row1_valid_frames").GetInt32();
        Close(expected[..(expected.Length / 2)], logits[0], "row 0 (no padding)");
        Close(expected[(expected.Length / 2)..][..(valid * 32)], logits[1, ..valid], "row 1, real frames"); // padded frames are meaningless
        Assert.Equal(valid, model.Config.FrameCount(1000));
        Assert.Equal([true, true, false], model.FrameMask(mask, logits.shape[1])[1, (valid - 2)..(valid + 1)].data<bool>().ToArray());
    }

    [Fact]
    public void The_base_960h_model_has_exactly_the_checkpoints_tensor_names_and_shapes()
    {
        using var model = new Wav2Vec2ForCtc(Wav2Vec2Config.Base960h, META);
        var actual = model
            .named_parameters()
            .Select(p => $"{p.name} [{string.Join(", ", p.parameter.shape)}]")
            .Order(StringComparer.Ordinal)
            .ToArray();
        var expected = File.ReadAllLines(Repository.Fixture("wav2vec2/wav2vec2-base-960h-tensors.txt"))
            .Where(line => Wav2Vec2ForCtc.ParameterName(line.Split(' ')[0]) is not null) // masked_spec_embed is training-only
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.Equal(212, expected.Length);
        Assert.Equal(expected, actual);
        Assert.Equal(94_395_552, model.parameters().Sum(p => p.numel())); // + 768 of masked_spec_embed = 94,396,320
        Assert.Equal(320, Wav2Vec2Config.Base960h.SamplesPerFrame);
        Assert.Equal(400, Wav2Vec2Config.Base960h.MinimumSamples);
        Assert.Equal(292, Wav2Vec2Config.Base960h.FrameCount(93_680)); // the base model's published frame arithmetic
    }

    [Fact]
    public void Bad_checkpoints_and_inputs_are_named()
    {
        var folder = Directory.CreateTempSubdirectory("wb-w2v-").FullName;
        try
        {
            File.Copy(Repository.Fixture("wav2vec2/tiny-lv60/model.safetensors"), Path.Combine(folder, "model.safetensors"));
            // config of the other family
            File.Copy(Repository.Fixture("wav2vec2/tiny-base/config.json"), Path.Combine(folder, "config.json"));
            var mismatch = Assert.Throws<CheckpointMismatchException>(() => Wav2Vec2ForCtc.FromPretrained(folder));
            Assert.Contains("conv_layers.1.layer_norm.weight", mismatch.Message); // unexpected for a "group" model
            Assert.Contains("conv_layers.0.conv.bias", mismatch.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        using var model = Wav2Vec2ForCtc.FromPretrained(Repository.Fixture("wav2vec2/tiny-base"));
        Assert.Contains("one frame needs at least 40 (", Assert.Throws<ArgumentException>(() => model.call(zeros(1, 20))).Message);
        Assert.Contains("float audio [batch, samples]", Assert.Throws<ArgumentException>(() => model.call(zeros(100))).Message);
        Assert.Contains(
            "must have the input's shape",
            Assert.Throws<ArgumentException>(() => model.forward(zeros(1, 800), ones(1, 700))).Message
        );
    }
}
