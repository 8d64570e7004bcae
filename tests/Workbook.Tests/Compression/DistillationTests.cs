using System.Text.Json;
using TorchSharp;
using Workbook.Compression;
using Workbook.Training;
using static TorchSharp.torch;
using static Workbook.Tests.Compression.CompressionTestData;

namespace Workbook.Tests.Compression;

/// <summary>The distillation loss is its formula (by hand and against PyTorch), its limits behave, and a student trains with it.</summary>
[Collection(SerialCollection.Name)] // seeds TorchSharp's global generator
public class DistillationTests
{
    static DistillationTests() => InitializeDeviceType(DeviceType.CPU);

    private static double[] Softmax(double[] z, double t)
    {
        var max = z.Max(v => v / t);
        var e = z.Select(v => Math.Exp(v / t - max)).ToArray();
        return [.. e.Select(v => v / e.Sum())];
    }

    [Fact]
    public void Equals_its_formula_computed_by_hand()
    {
        double[][] s =
        [
            [1.0, 2.0, 0.5],
            [-1.0, 0.0, 3.0],
        ];
        double[][] t =
        [
            [2.0, 1.0, 0.0],
            [0.0, 0.5, 2.5],
        ];
        long[] y = [1, 2];
        const double T = 2.0,
            alpha = 0.6;
        double kl = 0,
            ce = 0;
        for (var b = 0; b < 2; b++)
        {
            var p = Softmax(t[b], T);
            var q = Softmax(s[b], T);
            kl += p.Zip(q).Sum(pq => pq.First * Math.Log(pq.First / pq.Second));
            ce += -Math.Log(Softmax(s[b], 1)[y[b]]);
        }
        var expected = alpha * T * T * (kl / 2) + (1 - alpha) * (ce / 2);

        var actual = new DistillationLoss(T, alpha)
            .Compute(tensor(s.SelectMany(r => r).ToArray(), [2, 3]), tensor(t.SelectMany(r => r).ToArray(), [2, 3]), tensor(y))
            .item<double>();
        Assert.Equal(expected, actual, 12);
    }

    [Fact]
    public void Matches_pytorch_loss_and_gradient()
    {
        var golden = DistillationGoldens();
        AssertMatchesGoldenCases(
            golden,
            "cases",
            tensor(golden.GetProperty("labels").EnumerateArray().Select(v => v.GetInt64()).ToArray())
        );
    }

    [Fact]
    public void Unlabelled_rows_match_pytorch_ignore_index_loss_and_gradient()
    {
        var golden = DistillationGoldens();
        var partial = tensor(golden.GetProperty("partial_labels").EnumerateArray().Select(v => v.GetInt64()).ToArray());
        Assert.Contains(DistillationLoss.Unlabelled, partial.data<long>().ToArray());
        AssertMatchesGoldenCases(golden, "partial_cases", partial);
        AssertMatchesGoldenCases(golden, "unlabelled_cases", full(partial.shape[0], DistillationLoss.Unlabelled));
    }

    private static JsonElement DistillationGoldens() =>
        JsonDocument.Parse(File.ReadAllText(Repository.Fixture("compression/distillation-goldens.json"))).RootElement;

    private static double[] Doubles(JsonElement e) => [.. e.EnumerateArray().Select(v => v.GetDouble())];

    /// <summary>Loss and student gradient of every case in <paramref name="cases"/> equal PyTorch's to 10 decimals.</summary>
    private static void AssertMatchesGoldenCases(JsonElement golden, string cases, Tensor labels)
    {
        long[] shape = [.. golden.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64())];
        var teacher = tensor(Doubles(golden.GetProperty("teacher")), shape);
        foreach (var c in golden.GetProperty(cases).EnumerateArray())
        {
            var student = tensor(Doubles(golden.GetProperty("student")), shape).requires_grad_(true);
            var loss = new DistillationLoss(c.GetProperty("temperature").GetDouble(), c.GetProperty("alpha").GetDouble()).Compute(
                student,
                teacher,
                labels
            );
            loss.backward();
            Assert.Equal(c.GetProperty("loss").GetDouble(), loss.item<double>(), 10);
            var grad = student.grad!.flatten().data<double>().ToArray();
            var expected = Doubles(c.GetProperty("grad"));
            Assert.Equal(expected.Length, grad.Length);
            for (var i = 0; i < expected.Length; i++)
                Assert.Equal(expected[i], grad[i], 10);
        }
    }

    [Fact]
    public void With_every_row_labelled_the_loss_is_the_plain_formula_and_unlabelled_rows_add_only_the_kl_term()
    {
        torch.manual_seed(10);
        var s = randn(8, 5, ScalarType.Float64);
        var t = randn(8, 5, ScalarType.Float64);
        var y = randint(0, 5, [8]);
        const double T = 3,
            alpha = 0.6;
        var loss = new DistillationLoss(T, alpha);
        var kl = (softmax(t / T, 1) * (nn.functional.log_softmax(t / T, 1) - nn.functional.log_softmax(s / T, 1))).sum(1); // per row
        var ce = nn.functional.cross_entropy(s, y, reduction: nn.Reduction.None); // per row

        // All rows labelled: α·T²·mean KL + (1 − α)·mean CE, as before the unlabelled convention existed.
        Assert.Equal(
            alpha * T * T * kl.mean().item<double>() + (1 - alpha) * ce.mean().item<double>(),
            loss.Compute(s, t, y).item<double>(),
            12
        );

        // Rows 1, 4, 5 unlabelled: the KL still averages over all 8 rows, the CE over the 5 labelled rows.
        var unlabelled = tensor(new[] { false, true, false, false, true, true, false, false });
        var partial = where(unlabelled, full_like(y, DistillationLoss.Unlabelled), y);
        var labelledCe = ce.masked_select(unlabelled.logical_not()).mean().item<double>();
        Assert.Equal(alpha * T * T * kl.mean().item<double>() + (1 - alpha) * labelledCe, loss.Compute(s, t, partial).item<double>(), 12);
        Assert.Equal(labelledCe, new DistillationLoss(T, 0).Compute(s, t, partial).item<double>(), 12);

        // The gradient of an unlabelled row is α times that of the pure soft loss (α = 1): no hard-label part at all.
        var sPartial = s.clone().requires_grad_(true);
        loss.Compute(sPartial, t, partial).backward();
        var sSoft = s.clone().requires_grad_(true);
        new DistillationLoss(T, 1).Compute(sSoft, t, y).backward();
        var rows = unlabelled.nonzero().squeeze(1);
        Assert.True(sPartial.grad!.index_select(0, rows).allclose(alpha * sSoft.grad!.index_select(0, rows), rtol: 1e-12, atol: 1e-14));
        // ... while a labelled row's gradient has a hard-label part.
        Assert.False(sPartial.grad!.select(0, 0).allclose(alpha * sSoft.grad!.select(0, 0), rtol: 1e-6, atol: 1e-8));

        // No labelled row at all: the soft term alone, finite (where PyTorch's ignore_index would give NaN); α = 0 gives 0.
        var none = full_like(y, DistillationLoss.Unlabelled);
        Assert.Equal(alpha * T * T * kl.mean().item<double>(), loss.Compute(s, t, none).item<double>(), 12);
        var sNone = s.clone().requires_grad_(true);
        var zero = new DistillationLoss(T, 0).Compute(sNone, t, none);
        zero.backward();
        Assert.Equal(0.0, zero.item<double>());
        Assert.Equal(0.0, sNone.grad!.abs().max().item<double>());
    }

    [Fact]
    public void Partial_labels_keep_only_the_listed_rows_and_metrics_skip_the_rest()
    {
        var labels = tensor(new long[] { 3, 1, 4, 1, 5, 9 });
        var partial = Distillation.PartialLabels(labels, tensor(new long[] { 4, 0, 4 }));
        Assert.Equal(new long[] { 3, -1, -1, -1, 5, -1 }, partial.data<long>().ToArray());
        Assert.Equal(ScalarType.Int64, Distillation.PartialLabels(labels.to(ScalarType.Int32), tensor(new int[] { 1 })).dtype);
        Assert.All(
            Distillation.PartialLabels(labels, zeros(0, ScalarType.Int64)).data<long>().ToArray(),
            v => Assert.Equal(DistillationLoss.Unlabelled, v)
        );

        // Accuracy on packed targets counts the labelled rows only: rows 0 and 4 are labelled; row 0 right, row 4 wrong.
        var outputs = nn.functional.one_hot(tensor(new long[] { 3, 0, 0, 0, 2, 0 }), 10).to(ScalarType.Float32);
        var packed = Distillation.PackTargets(zeros(6, 10), partial);
        Assert.Equal(0.5, Distillation.OnLabels(EpochMetrics.Accuracy)(outputs, packed), 12);
        Assert.True(
            double.IsNaN(Distillation.OnLabels(EpochMetrics.Accuracy)(outputs, Distillation.PackTargets(zeros(6, 10), full(6, -1L))))
        );
        // −1 survives packing
        Assert.Equal(partial.data<long>().ToArray(), Distillation.UnpackTargets(packed).Labels.data<long>().ToArray());

        Assert.Contains(
            "0..5",
            Assert.Throws<ArgumentException>(() => Distillation.PartialLabels(labels, tensor(new long[] { 6 }))).Message
        );
        Assert.Contains(
            "0..5",
            Assert.Throws<ArgumentException>(() => Distillation.PartialLabels(labels, tensor(new long[] { -1 }))).Message
        );
        Assert.Contains(
            "integer row indices",
            Assert.Throws<ArgumentException>(() => Distillation.PartialLabels(labels, tensor(new[] { 1.0f }))).Message
        );
        Assert.Contains(
            "1-D tensor of integer class indices",
            Assert
                .Throws<ArgumentException>(() => Distillation.PartialLabels(zeros(6, 2, ScalarType.Int64), tensor(new long[] { 1 })))
                .Message
        );
        Assert.Contains(
            "one output row per target row",
            Assert.Throws<ArgumentException>(() => Distillation.OnLabels(EpochMetrics.Accuracy)(outputs.narrow(0, 0, 5), packed)).Message
        );
    }

    [Fact]
    public void Alpha_zero_is_cross_entropy_and_a_student_equal_to_its_teacher_pays_only_the_hard_term()
    {
        torch.manual_seed(8);
        var s = randn(6, 5, ScalarType.Float64);
        var t = randn(6, 5, ScalarType.Float64);
        var y = randint(0, 5, [6]);
        var ce = nn.functional.cross_entropy(s, y).item<double>();
        Assert.Equal(ce, new DistillationLoss(3, 0).Compute(s, t, y).item<double>(), 12);
        Assert.Equal(0.4 * ce, new DistillationLoss(3, 0.6).Compute(s, s.clone(), y).item<double>(), 12);
        Assert.True(new DistillationLoss(3, 0.6).Compute(s, t, y).item<double>() > 0.4 * ce);
    }

    [Fact]
    public void The_T_squared_factor_keeps_the_soft_gradient_at_the_logit_difference_for_high_temperature()
    {
        // Hinton et al.: for T ≫ logits, ∂(T²·KL)/∂s_i → ((s_i − s̄) − (t_i − t̄)) / C per sample; averaged over the batch.
        // The next term of the expansion is O(|z|²/T) ≈ 1e-3 before the division by C·batch = 12: hence atol 2e-4.
        torch.manual_seed(9);
        var s = randn(3, 4, ScalarType.Float64).requires_grad_(true);
        var t = randn(3, 4, ScalarType.Float64);
        new DistillationLoss(1000, 1).Compute(s, t, zeros(3, ScalarType.Int64)).backward();
        var centered = (s.detach() - s.detach().mean([1], keepdim: true)) - (t - t.mean([1], keepdim: true));
        var limit = centered / 4 / 3;
        Assert.True(s.grad!.allclose(limit, rtol: 1e-2, atol: 2e-4), $"{s.grad.str()} vs {limit.str()}");

        // Without T² the same gradient would shrink by T²: the soft term would vanish at high temperature.
        var s2 = s.detach().clone().requires_grad_(true);
        new DistillationLoss(10, 1).Compute(s2, t, zeros(3, ScalarType.Int64)).backward();
        Assert.True(s2.grad!.abs().max().item<double>() > 0.5 * limit.abs().max().item<double>());
    }

    [Fact]
    public void Bad_arguments_are_refused_with_clear_messages()
    {
        Assert.Contains("> 0", Assert.Throws<ArgumentOutOfRangeException>(() => new DistillationLoss(0, 0.5)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistillationLoss(double.NaN, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistillationLoss(double.PositiveInfinity, 0.5));
        Assert.Contains("[0, 1]", Assert.Throws<ArgumentOutOfRangeException>(() => new DistillationLoss(2, 1.5)).Message);
        var loss = new DistillationLoss(2, 0.5);
        Assert.Contains(
            "student's shape [4, 3]",
            Assert.Throws<ArgumentException>(() => loss.Compute(zeros(4, 3), zeros(4, 5), zeros(4, ScalarType.Int64))).Message
        );
        Assert.Contains(
            "[batch] = [4]",
            Assert.Throws<ArgumentException>(() => loss.Compute(zeros(4, 3), zeros(4, 3), zeros(3, ScalarType.Int64))).Message
        );
        Assert.Contains(
            "integer class indices",
            Assert.Throws<ArgumentException>(() => loss.Compute(zeros(4, 3), zeros(4, 3), zeros(4))).Message
        );
        Assert.Contains("0..2", Assert.Throws<ArgumentException>(() => loss.Compute(zeros(4, 3), zeros(4, 3), full(4, 3L))).Message);
        Assert.Contains(
            "-1 for an unlabelled row",
            Assert.Throws<ArgumentException>(() => loss.Compute(zeros(4, 3), zeros(4, 3), full(4, -2L))).Message
        );
        Assert.Contains(
            "[batch, classes]",
            Assert.Throws<ArgumentException>(() => loss.Compute(zeros(4), zeros(4), zeros(4, ScalarType.Int64))).Message
        );
        Assert.Contains("[n, classes + 1]", Assert.Throws<ArgumentException>(() => Distillation.UnpackTargets(zeros(4, 1))).Message);
        Assert.Contains(
            "3 outputs",
            Assert.Throws<ArgumentException>(() => Distillation.TrainerLoss(loss)(zeros(4, 3), zeros(4, 6))).Message
        );
        Assert.Contains(
            "[n] = [4]",
            Assert.Throws<ArgumentException>(() => Distillation.PackTargets(zeros(4, 3), zeros(5, ScalarType.Int64))).Message
        );
    }

    [Fact]
    public void A_student_trains_on_packed_soft_targets_with_the_ordinary_trainer()
    {
        var (x, y, xt, yt) = Digits();
        var teacherTrainer = NewTrainer(DigitsModel(128, 128), epochs: 6);
        teacherTrainer.Fit(x, y);
        var teacher = teacherTrainer.Model;
        var targets = Distillation.PackTargets(Distillation.TeacherLogits(teacher, x), y);
        Assert.Equal([x.shape[0], 11], targets.shape);
        var (logits, labels) = Distillation.UnpackTargets(targets);
        Assert.True(labels.allclose(y, 0, 0));
        Assert.True(logits.allclose(teacherTrainer.Predict(x), 0, 0));

        var teacherBefore = teacher.parameters().Select(p => Values(p)).ToList();
        torch.manual_seed(0);
        var student = new Workbook.Models.SimpleModel(DigitsModel(8));
        var trainer = new Trainer(
            student,
            optim.Adam(student.parameters(), lr: 0.01),
            Distillation.TrainerLoss(new DistillationLoss(4, 0.7)),
            new TrainingOptions(Epochs: 8)
        );
        trainer.Metrics["accuracy"] = Distillation.OnLabels(EpochMetrics.Accuracy);
        var history = trainer.Fit(x, targets, xt, Distillation.PackTargets(Distillation.TeacherLogits(teacher, xt), yt));
        var loss = history.Series("loss");
        Assert.True(loss[^1] < 0.5 * loss[0], string.Join(", ", loss));
        Assert.True(history.Epochs[^1]["val_accuracy"] > 0.85, history.ToString());
        Assert.Equal(teacherBefore, teacher.parameters().Select(p => Values(p)).ToList()); // the teacher stayed frozen
    }

    [Fact]
    public void With_few_labels_a_student_distilled_on_unlabelled_rows_beats_the_same_student_on_the_labels_alone()
    {
        var (x, y, xt, yt) = Digits();
        var teacherTrainer = NewTrainer(DigitsModel(128, 128), epochs: 6);
        teacherTrainer.Fit(x, y);
        var teacher = teacherTrainer.Model;
        // 60 labelled rows (the first 60 of a fixed permutation); the other 1 287 keep only the teacher's logits.
        var labelled = randperm(x.shape[0], generator: new Generator(3)).narrow(0, 0, 60);
        var targets = Distillation.PackTargets(Distillation.TeacherLogits(teacher, x), Distillation.PartialLabels(y, labelled));
        var validation = Distillation.PackTargets(Distillation.TeacherLogits(teacher, xt), yt);

        double Train(double alpha) // α = 0: the unlabelled rows carry no loss at all, so this is training on the 60 labels alone
        {
            torch.manual_seed(0);
            var student = new Workbook.Models.SimpleModel(DigitsModel(16));
            var trainer = new Trainer(
                student,
                optim.Adam(student.parameters(), lr: 0.003),
                Distillation.TrainerLoss(new DistillationLoss(2, alpha)),
                new TrainingOptions(Epochs: 10, BatchSize: 64)
            );
            trainer.Metrics["accuracy"] = Distillation.OnLabels(EpochMetrics.Accuracy);
            var history = trainer.Fit(x, targets, xt, validation);
            Assert.All(history.Series("loss"), v => Assert.True(double.IsFinite(v)));
            return history.Epochs[^1]["val_accuracy"];
        }
        var alone = Train(0);
        var distilled = Train(0.9);
        Assert.True(distilled > alone + 0.03, $"distilled {distilled:P2}, alone on 60 labels {alone:P2}");
        Assert.True(distilled > 0.85, $"distilled {distilled:P2}");
    }
}
