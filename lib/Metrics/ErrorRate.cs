using System.Globalization;

namespace Workbook.Metrics;

/// <summary>
/// Word and character error rates for speech recognition: the minimum number of substitutions, deletions and
/// insertions turning the reference into the hypothesis (Levenshtein alignment), divided by the reference length.
/// Introduced in chapter 13.
/// </summary>
/// <param name="Substitutions">Reference units replaced by another unit.</param>
/// <param name="Deletions">Reference units missing from the hypothesis.</param>
/// <param name="Insertions">Hypothesis units with no counterpart in the reference.</param>
/// <param name="ReferenceLength">Units (words or characters) in the reference.</param>
public sealed record ErrorRate(int Substitutions, int Deletions, int Insertions, int ReferenceLength)
{
    /// <summary>(S + D + I) / N; can exceed 1 when the hypothesis has many insertions.</summary>
    public double Rate => (double)(Substitutions + Deletions + Insertions) / ReferenceLength;

    /// <summary>Word error rate: texts split on whitespace; with <paramref name="normalize"/>, case and punctuation other than apostrophes
    /// are ignored.</summary>
    /// <exception cref="ArgumentException">The reference has no words.</exception>
    public static ErrorRate Words(string reference, string hypothesis, bool normalize = true) =>
        Compute(Tokens(reference, normalize), Tokens(hypothesis, normalize), "words");

    /// <summary>Character error rate (spaces count as characters; runs of whitespace are collapsed to one space).</summary>
    /// <exception cref="ArgumentException">The reference has no characters.</exception>
    public static ErrorRate Characters(string reference, string hypothesis, bool normalize = true) =>
        Compute(
            [.. string.Join(' ', Tokens(reference, normalize)).Select(c => c.ToString())],
            [.. string.Join(' ', Tokens(hypothesis, normalize)).Select(c => c.ToString())],
            "characters"
        );

    /// <summary>The alignment counts between two unit sequences.</summary>
    public static ErrorRate Compute(IReadOnlyList<string> reference, IReadOnlyList<string> hypothesis, string units = "units")
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(hypothesis);
        if (reference.Count == 0)
            throw new ArgumentException($"The reference has no {units}: an error rate divides by its length.", nameof(reference));
        // cost[i, j]: edits turning reference[..i] into hypothesis[..j]; ties prefer substitution, then deletion.
        var (n, m) = (reference.Count, hypothesis.Count);
        var cost = new int[n + 1, m + 1];
        for (var i = 0; i <= n; i++)
            cost[i, 0] = i;
        for (var j = 0; j <= m; j++)
            cost[0, j] = j;
        for (var i = 1; i <= n; i++)
        for (var j = 1; j <= m; j++)
            cost[i, j] = Math.Min(
                cost[i - 1, j - 1] + (reference[i - 1] == hypothesis[j - 1] ? 0 : 1),
                Math.Min(cost[i - 1, j] + 1, cost[i, j - 1] + 1)
            );
        int substitutions = 0,
            deletions = 0,
            insertions = 0;
        for (int i = n, j = m; i > 0 || j > 0; )
        {
            if (i > 0 && j > 0 && cost[i, j] == cost[i - 1, j - 1] + (reference[i - 1] == hypothesis[j - 1] ? 0 : 1))
            {
                if (reference[i - 1] != hypothesis[j - 1])
                    substitutions++;
                i--;
                j--;
            }
            else if (i > 0 && cost[i, j] == cost[i - 1, j] + 1)
            {
                deletions++;
                i--;
            }
            else
            {
                insertions++;
                j--;
            }
        }
        return new ErrorRate(substitutions, deletions, insertions, n);
    }

    private static string[] Tokens(string text, bool normalize)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (normalize)
            text = new string([.. text.ToUpperInvariant().Select(c => char.IsLetterOrDigit(c) || c == '\'' ? c : ' ')]);
        return text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
    }

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"{Rate:P2} ({Substitutions} substitutions, {Deletions} deletions, {Insertions} insertions in {ReferenceLength})"
        );
}
