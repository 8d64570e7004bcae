using System.Text.Json;
using TorchSharp;
using Workbook.Multimodal;
using static TorchSharp.torch;

namespace Workbook.Tests.Multimodal;

/// <summary>The contrastive loss equals PyTorch's on fixed numbers (loss and gradients), by hand, and by finite differences.</summary>
public class ContrastiveLossTests
{
    static ContrastiveLossTests() => InitializeDeviceType(DeviceType.CPU);

    private static JsonElement Goldens() =>
        JsonDocument.Parse(File.ReadAllText(Repository.Fixture("contrastive-loss/goldens.json"))).RootElement;

    private static double[] Doubles(JsonElement e) => [.. e.EnumerateArray().Select(v => v.GetDouble())];

    [Theory]
    [InlineData("cases")]
    [InlineData("group_cases")]
    public void Loss_and_gradients_equal_pytorch_to_ten_decimals(string cases)
    {
        var golden = Goldens();
        long[] shape = [.. golden.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64())];
        var groups =
            cases == "group_cases" ? tensor(golden.GetProperty("groups").EnumerateArray().Select(v => v.GetInt64()).ToArray()) : null;
        var count = 0;
        foreach (var c in golden.GetProperty(cases).EnumerateArray())
        {
            var image = tensor(Doubles(golden.GetProperty("image")), shape).requires_grad_(true);
            var text = tensor(Doubles(golden.GetProperty("text")), shape).requires_grad_(true);
            var logitScale = tensor(c.GetProperty("logit_scale").GetDouble(), ScalarType.Float64).requires_grad_(true);
            var loss = ContrastiveLoss.Compute(image, text, logitScale, groups);
            loss.backward();
            // Float64 on both sides; 10 decimals leaves room only for summation order.
            Assert.Equal(c.GetProperty("loss").GetDouble(), loss.item<double>(), 10);
            Assert.Equal(c.GetProperty("grad_logit_scale").GetDouble(), logitScale.grad!.item<double>(), 10);
            AssertClose(Doubles(c.GetProperty("grad_image")), image.grad!);
            AssertClose(Doubles(c.GetProperty("grad_text")), text.grad!);
            count++;
        }
        Assert.True(count >= 3, $"{cases}: only {count} golden cases");
    }

    private static void AssertClose(double[] expected, Tensor actual)
    {
        var values = actual.flatten().data<double>().ToArray();
        Assert.Equal(expected.Length, values.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], values[i], 10);
    }

    [Fact]
    public void Equals_its_formula_by_hand_on_two_pairs()
    {
        // Two pairs in 2-D: image 0 = (1, 0), image 1 = (0, 1); caption 0 = (0.6, 0.8), caption 1 = (0, 1); scale 2.
        var image = tensor(new[] { 1.0, 0, 0, 1 }, [2, 2]);
        var text = tensor(new[] { 0.6, 0.8, 0, 1 }, [2, 2]);
        var s = new double[,]
        {
            { 2 * 0.6, 0 },
            { 2 * 0.8, 2 * 1 },
        }; // logits[i, j] = 2 · image_i · text_j
        double Ce(double own, double other) => -(own - Math.Log(Math.Exp(own) + Math.Exp(other)));
        var imageToText = (Ce(s[0, 0], s[0, 1]) + Ce(s[1, 1], s[1, 0])) / 2;
        var textToImage = (Ce(s[0, 0], s[1, 0]) + Ce(s[1, 1], s[0, 1])) / 2;
        var loss = ContrastiveLoss.Compute(image, text, tensor(Math.Log(2.0), ScalarType.Float64)).item<double>();
        Assert.Equal((imageToText + textToImage) / 2, loss, 12);
    }

    [Fact]
    public void Gradients_match_finite_differences_and_the_scale_is_clamped_at_100()
    {
        var generator = new Generator(3);
        var image = nn.functional.normalize(randn([4, 3], ScalarType.Float64, generator: generator), p: 2, dim: 1);
        var text = nn.functional.normalize(randn([4, 3], ScalarType.Float64, generator: generator), p: 2, dim: 1);
        var groups = tensor(new long[] { 0, 1, 0, 1 });
        double Loss(Tensor i, double ls) => ContrastiveLoss.Compute(i, text, tensor(ls, ScalarType.Float64), groups).item<double>();
        var x = image.clone().requires_grad_(true);
        var scale = tensor(1.5, ScalarType.Float64).requires_grad_(true);
        ContrastiveLoss.Compute(x, text, scale, groups).backward();
        const double h = 1e-6;
        var grad = x.grad!.data<double>().ToArray();
        var flat = image.flatten().data<double>().ToArray();
        for (var k = 0; k < 12; k++)
        {
            double[] up = [.. flat],
                down = [.. flat];
            (up[k], down[k]) = (up[k] + h, down[k] - h);
            var numeric = (Loss(tensor(up, [4, 3]), 1.5) - Loss(tensor(down, [4, 3]), 1.5)) / (2 * h);
            Assert.Equal(numeric, grad[k], 7); // central differences in float64: error ~h² plus rounding ~1e-10/h
        }
        Assert.Equal((Loss(image, 1.5 + h) - Loss(image, 1.5 - h)) / (2 * h), scale.grad!.item<double>(), 7);

        // Beyond log(100) the scale stays 100: the loss no longer changes and logit_scale gets no gradient.
        Assert.Equal(100.0, ContrastiveLoss.Scale(tensor(Math.Log(500.0), ScalarType.Float64)).item<double>(), 10);
        Assert.Equal(Loss(image, Math.Log(150.0)), Loss(image, Math.Log(400.0)), 12);
        var clamped = tensor(Math.Log(400.0), ScalarType.Float64).requires_grad_(true);
        ContrastiveLoss.Compute(image, text, clamped).backward();
        Assert.Equal(0.0, clamped.grad!.item<double>());
    }

    [Fact]
    public void Bad_shapes_are_refused_naming_the_tensor_and_shape()
    {
        var ls = tensor(1.0f);
        Assert.Contains(
            "4 image embeddings but 3 text embeddings",
            Assert.Throws<ArgumentException>(() => ContrastiveLoss.Compute(zeros(4, 8), zeros(3, 8), ls)).Message
        );
        Assert.Contains(
            "same width",
            Assert.Throws<ArgumentException>(() => ContrastiveLoss.Compute(zeros(4, 8), zeros(4, 6), ls)).Message
        );
        Assert.Contains(
            "Image embeddings must be float [batch, dimensions]",
            Assert.Throws<ArgumentException>(() => ContrastiveLoss.Compute(zeros(4), zeros(4, 6), ls)).Message
        );
        Assert.Contains(
            "[4, 1, 8]",
            Assert.Throws<ArgumentException>(() => ContrastiveLoss.Compute(zeros(4, 8), zeros(4, 1, 8), ls)).Message
        );
        Assert.Contains(
            "logit_scale must be one float number",
            Assert.Throws<ArgumentException>(() => ContrastiveLoss.Compute(zeros(4, 8), zeros(4, 8), zeros(2))).Message
        );
        Assert.Contains(
            "groups must be integer [4]",
            Assert.Throws<ArgumentException>(() => ContrastiveLoss.Compute(zeros(4, 8), zeros(4, 8), ls, zeros(4))).Message
        );
        // Retrieval logits need no pairing: 4 images against 3 captions.
        Assert.Equal([4L, 3], ContrastiveLoss.Logits(zeros(4, 8), zeros(3, 8), ls).shape);
    }
}
