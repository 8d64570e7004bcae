using Workbook.Compression;

namespace Workbook.Tests.Compression;

/// <summary>
/// The few-label distillation split keeps the teacher away from the rows the student and the validation use: the
/// property whose absence leaked labels into the first version of the few-label experiment (chapter 16).
/// </summary>
public class DistillationSplitTests
{
    // 10 classes of uneven size, like the digits' training split.
    private static readonly int[] Labels = [.. Enumerable.Range(0, 1347).Select(i => i % 10 == 9 && i % 3 == 0 ? 8 : i % 10)];

    [Fact]
    public void The_three_parts_are_disjoint_and_cover_the_pool()
    {
        var split = DistillationSplit.Stratified(Labels, teacherFraction: 0.4, validationFraction: 0.2, seed: 1);

        Assert.Empty(split.TeacherRows.Intersect(split.TransferRows));
        Assert.Empty(split.TeacherRows.Intersect(split.ValidationRows));
        Assert.Empty(split.ValidationRows.Intersect(split.TransferRows));
        int[] all = [.. split.TeacherRows, .. split.ValidationRows, .. split.TransferRows];
        Assert.Equal(Enumerable.Range(0, Labels.Length), all.Order());
        Assert.Equal((int)Math.Ceiling(0.4 * Labels.Length), split.TeacherRows.Length);
    }

    [Fact]
    public void Every_part_keeps_each_class_share_to_within_a_row_or_two()
    {
        var split = DistillationSplit.Stratified(Labels, 0.4, 0.2, seed: 3);
        foreach (var rows in new[] { split.TeacherRows, split.ValidationRows, split.TransferRows })
        foreach (var c in Labels.Distinct())
        {
            var expected = Labels.Count(l => l == c) * (double)rows.Length / Labels.Length;
            Assert.InRange(rows.Count(r => Labels[r] == c), expected - 2, expected + 2);
        }
    }

    [Fact]
    public void The_labelled_rows_are_transfer_rows_stratified_and_repeatable()
    {
        var split = DistillationSplit.Stratified(Labels, 0.4, 0.2, seed: 1);
        var positions = split.LabelledTransferPositions(Labels, 100, seed: 2);

        Assert.Equal(100, positions.Distinct().Count());
        Assert.All(positions, p => Assert.InRange(p, 0, split.TransferRows.Length - 1));
        var labelledRows = positions.Select(p => split.TransferRows[p]).ToArray();
        Assert.Empty(labelledRows.Intersect(split.TeacherRows));
        foreach (var c in Enumerable.Range(0, 10)) // each class's share of the transfer rows, to within a row
        {
            var expected = 100.0 * split.TransferRows.Count(r => Labels[r] == c) / split.TransferRows.Length;
            Assert.InRange(labelledRows.Count(r => Labels[r] == c), expected - 1, expected + 1);
        }
        Assert.Equal(positions, split.LabelledTransferPositions(Labels, 100, seed: 2));
        Assert.Equal(split, DistillationSplit.Stratified(Labels, 0.4, 0.2, seed: 1) with { }, new SplitComparer());
    }

    [Fact]
    public void An_overlapping_split_is_refused_with_the_parts_named()
    {
        var leaky = new DistillationSplit([0, 1, 2, 3], [4, 5], [3, 6, 7]);
        var error = Assert.Throws<InvalidOperationException>(leaky.EnsureDisjoint);
        Assert.Contains("teacher and transfer rows overlap", error.Message);
        Assert.Contains("3", error.Message);

        var repeated = new DistillationSplit([0, 1], [2, 2], [3]);
        Assert.Contains(
            "validation rows list some rows more than once",
            Assert.Throws<InvalidOperationException>(repeated.EnsureDisjoint).Message
        );
    }

    [Theory]
    [InlineData(0.0, 0.2)]
    [InlineData(1.0, 0.2)]
    [InlineData(0.4, 0.0)]
    [InlineData(double.NaN, 0.2)]
    [InlineData(0.6, 0.4)]
    public void Shares_that_leave_a_part_empty_are_refused(double teacher, double validation) =>
        Assert.ThrowsAny<ArgumentException>(() => DistillationSplit.Stratified(Labels, teacher, validation));

    [Fact]
    public void A_labelled_count_out_of_range_is_refused()
    {
        var split = DistillationSplit.Stratified(Labels, 0.4, 0.2);
        Assert.Throws<ArgumentOutOfRangeException>(() => split.LabelledTransferPositions(Labels, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => split.LabelledTransferPositions(Labels, split.TransferRows.Length));
    }

    private sealed class SplitComparer : IEqualityComparer<DistillationSplit>
    {
        public bool Equals(DistillationSplit? a, DistillationSplit? b) =>
            a!.TeacherRows.SequenceEqual(b!.TeacherRows)
            && a.ValidationRows.SequenceEqual(b.ValidationRows)
            && a.TransferRows.SequenceEqual(b.TransferRows);

        public int GetHashCode(DistillationSplit split) => split.TeacherRows.Length;
    }
}
