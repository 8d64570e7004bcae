using Workbook.Data;

namespace Workbook.Compression;

/// <summary>
/// The rows of one labelled pool cut into three disjoint parts, each stratified by class, for a few-label distillation
/// experiment: the rows the <b>teacher</b> is trained on, the <b>validation</b> rows that choose T and α, and the
/// <b>transfer</b> rows the student learns from (a few of them with their labels, the rest scored by the teacher only).
/// Introduced in chapter 16 (knowledge distillation).
/// </summary>
/// <remarks>
/// Keeping the teacher's rows apart from the other two is the point. A teacher trained on the transfer rows has seen
/// their labels: its soft targets and arg-max pseudo-labels on them are then close to the true labels, and a student
/// "with 100 labels" in fact learns from all of them. A teacher that has seen the validation rows likewise makes the
/// choice of T and α look better than it is. <see cref="Stratified"/> builds the parts disjoint, and
/// <see cref="EnsureDisjoint"/> checks any split.
/// </remarks>
/// <param name="TeacherRows">Row indices of the pool the teacher is trained on.</param>
/// <param name="ValidationRows">Row indices that choose hyper-parameters (never seen by the teacher or the student's training).</param>
/// <param name="TransferRows">Row indices the student is trained on; the teacher scores all of them.</param>
public sealed record DistillationSplit(int[] TeacherRows, int[] ValidationRows, int[] TransferRows)
{
    /// <summary>
    /// Splits rows 0 .. labels.Count − 1: <paramref name="teacherFraction"/> of them for the teacher,
    /// <paramref name="validationFraction"/> for validation and the rest for transfer, every part keeping each class's
    /// share (to within one row).
    /// </summary>
    /// <param name="labels">The class of every row of the pool.</param>
    /// <param name="teacherFraction">Share of the pool for the teacher, in (0, 1).</param>
    /// <param name="validationFraction">Share of the pool for validation, in (0, 1); with the teacher's share below 1.</param>
    /// <param name="seed">Seed of the random stream (the same seed gives the same split).</param>
    /// <exception cref="ArgumentException">Fractions out of range or leaving no transfer rows, or a class too small to split.</exception>
    public static DistillationSplit Stratified(IReadOnlyList<int> labels, double teacherFraction, double validationFraction, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (!(teacherFraction > 0 && teacherFraction < 1))
            throw new ArgumentOutOfRangeException(
                nameof(teacherFraction),
                teacherFraction,
                "The teacher's share of the pool must be between 0 and 1."
            );
        if (!(validationFraction > 0 && validationFraction < 1))
            throw new ArgumentOutOfRangeException(
                nameof(validationFraction),
                validationFraction,
                "The validation share of the pool must be between 0 and 1."
            );
        if (teacherFraction + validationFraction >= 1)
            throw new ArgumentException(
                $"Teacher ({teacherFraction}) and validation ({validationFraction}) "
                    + $"shares add up to {teacherFraction + validationFraction}: nothing would be left for the transfer rows.",
                nameof(validationFraction)
            );

        // First the teacher's rows, then validation out of what is left; both steps stratified.
        var teacherCut = TrainTestSplit.Indices(labels.Count, teacherFraction, seed: seed, stratify: labels);
        var rest = teacherCut.Train;
        var restLabels = rest.Select(r => labels[r]).ToArray();
        var validationShareOfRest = validationFraction / (1 - teacherFraction);
        var validationCut = TrainTestSplit.Indices(rest.Length, validationShareOfRest, seed: seed + 1, stratify: restLabels);
        var split = new DistillationSplit(
            Sorted(teacherCut.Test),
            Sorted(validationCut.Test.Select(i => rest[i])),
            Sorted(validationCut.Train.Select(i => rest[i]))
        );
        split.EnsureDisjoint();
        return split;
    }

    /// <summary>
    /// <paramref name="count"/> transfer rows that keep their labels, stratified by class: returned as positions in
    /// <see cref="TransferRows"/> (0 .. TransferRows.Length − 1), the coordinates of a tensor built from the transfer rows.
    /// </summary>
    /// <param name="labels">The class of every row of the pool (the same list given to <see cref="Stratified"/>).</param>
    /// <param name="count">How many rows keep their labels: at least the number of classes, fewer than the transfer rows.</param>
    /// <param name="seed">Seed of the random stream.</param>
    /// <exception cref="ArgumentException">A count out of range.</exception>
    public int[] LabelledTransferPositions(IReadOnlyList<int> labels, int count, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (count < 1 || count >= TransferRows.Length)
            throw new ArgumentOutOfRangeException(
                nameof(count),
                count,
                $"Between 1 and {TransferRows.Length - 1} of the {TransferRows.Length} transfer rows can keep their labels."
            );
        var transferLabels = TransferRows.Select(r => labels[r]).ToArray();
        return Sorted(TrainTestSplit.Indices(TransferRows.Length, count, seed: seed, stratify: transferLabels).Test);
    }

    /// <summary>Checks that no row is in two parts and that no part lists a row twice.</summary>
    /// <exception cref="InvalidOperationException">Names the two parts that share rows and the first shared rows.</exception>
    public void EnsureDisjoint()
    {
        var parts = new (string Name, int[] Rows)[]
        {
            ("teacher", TeacherRows),
            ("validation", ValidationRows),
            ("transfer", TransferRows),
        };
        foreach (var (name, rows) in parts)
        {
            ArgumentNullException.ThrowIfNull(rows, name);
            var repeated = rows.GroupBy(r => r).Where(g => g.Count() > 1).Select(g => g.Key).Take(5).ToArray();
            if (repeated.Length > 0)
                throw new InvalidOperationException($"The {name} rows list some rows more than once: {string.Join(", ", repeated)}.");
        }
        for (var i = 0; i < parts.Length; i++)
        for (var j = i + 1; j < parts.Length; j++)
        {
            var shared = parts[i].Rows.Intersect(parts[j].Rows).Take(5).ToArray();
            if (shared.Length > 0)
                throw new InvalidOperationException(
                    $"The {parts[i].Name} and {parts[j].Name} rows overlap (rows {string.Join(", ", shared)}, "
                        + "…): a teacher that has seen the "
                        + "transfer or validation rows leaks their labels to the student."
                );
        }
    }

    private static int[] Sorted(IEnumerable<int> rows) => [.. rows.Order()];
}
