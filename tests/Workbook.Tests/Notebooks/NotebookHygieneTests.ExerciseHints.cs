using System.Text.RegularExpressions;

namespace Workbook.Tests.Notebooks;

public partial class NotebookHygieneTests
{
    /// <summary>Each numbered exercise carries a collapsed hint or worked solution, so a learner can check an answer.</summary>
    [Theory]
    [MemberData(nameof(Chapters))]
    public void Every_exercise_has_a_collapsed_hint_or_solution(string notebook)
    {
        var exercises = Load(notebook)
            .Cells.Where(c => c.CellType == "markdown")
            .Select(c => ExercisesSection().Match(c.Source))
            .Single(m => m.Success)
            .Groups["body"]
            .Value;
        var items = NumberedItem().Split(exercises).Skip(1).ToArray(); // the text before "1." is the heading's
        Assert.NotEmpty(items);
        var missing = items
            .Select((text, i) => (Number: i + 1, text))
            .Where(item => !CollapsedHint().IsMatch(item.text))
            .Select(item => item.Number)
            .ToArray();
        Assert.True(
            missing.Length == 0,
            $"{notebook}: exercise(s) {string.Join(", ", missing)} lack a collapsed block — indented under the item: "
                + "\"<details><summary>Hint</summary>\" (or Solution), "
                + "a blank line so Jupyter renders the markdown inside, the text, \"</details>\"."
        );
    }

    [GeneratedRegex(@"^## Exercises\s*\n(?<body>.*?)(?=^## |\z)", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex ExercisesSection();

    [GeneratedRegex(@"^\d+\. ", RegexOptions.Multiline)]
    private static partial Regex NumberedItem();

    [GeneratedRegex(@"^   <details><summary>(Hint|Solution)</summary>\n\n(?s:.+?)^   </details>$", RegexOptions.Multiline)]
    private static partial Regex CollapsedHint();
}
