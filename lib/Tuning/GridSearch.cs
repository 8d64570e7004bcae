using System.Diagnostics;
using TorchSharp;
using Workbook.Data;

namespace Workbook.Tuning;

/// <summary>
/// Exhaustive search over a <see cref="ParameterGrid"/>: every configuration is trained and scored on validation data
/// (one hold-out split, or k folds), never on a test set. Results come back best first, with the time each took.
/// Introduced in chapter 05.
/// </summary>
public static class GridSearch
{
    /// <summary>
    /// Scores every configuration of <paramref name="grid"/>. For each configuration and each split, TorchSharp's
    /// generator is seeded with <see cref="GridSearchOptions.Seed"/> and <paramref name="fitAndScore"/> is called with the
    /// configuration, the training part and the validation part; it builds and trains a model and returns its score.
    /// </summary>
    /// <param name="grid">The configurations.</param>
    /// <param name="data">Data to split into training and validation parts (keep the test set out of it).</param>
    /// <param name="fitAndScore">(configuration, train, validation) → score on validation.</param>
    /// <param name="options">Metric name and direction, folds, seed.</param>
    /// <param name="onConfiguration">Called after each configuration with its row and its position, for progress displays.</param>
    /// <exception cref="ArgumentException">The grid is empty, an option is out of range, or the objective returns a non-finite
    /// score.</exception>
    public static GridSearchResult Run(
        ParameterGrid grid,
        TabularDataset data,
        Func<HyperParameters, TabularDataset, TabularDataset, double> fitAndScore,
        GridSearchOptions? options = null,
        Action<GridSearchRow, int, int>? onConfiguration = null
    )
    {
        ArgumentNullException.ThrowIfNull(grid);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(fitAndScore);
        options ??= new GridSearchOptions();
        options.Validate();
        if (grid.Count == 0)
            throw new ArgumentException("The grid is empty: add at least one hyper-parameter with candidate values.", nameof(grid));

        var splits = Splits(data, options);
        var rows = new List<GridSearchRow>();
        var position = 0;
        foreach (var configuration in grid)
        {
            var clock = Stopwatch.StartNew();
            var scores = new double[splits.Count];
            for (var s = 0; s < splits.Count; s++)
            {
                torch.manual_seed(options.Seed); // same initial weights for every configuration
                var score = fitAndScore(configuration, data.Subset(splits[s].Train), data.Subset(splits[s].Test));
                if (!double.IsFinite(score))
                    throw new ArgumentException(
                        $"The objective returned {score} for {configuration} (split {s + 1}); it must return a finite {options.Metric}.",
                        nameof(fitAndScore)
                    );
                scores[s] = score;
            }
            var row = new GridSearchRow(configuration, scores, clock.Elapsed.TotalSeconds);
            rows.Add(row);
            onConfiguration?.Invoke(row, ++position, grid.Count);
        }
        return new GridSearchResult(grid.Names, rows, options);
    }

    private static IReadOnlyList<SplitIndices> Splits(TabularDataset data, GridSearchOptions options)
    {
        if (!options.CrossValidates)
            return
            [
                TrainTestSplit.Indices(
                    data.SampleCount,
                    options.ValidationFraction,
                    seed: options.Seed,
                    stratify: options.Stratify ? data.Labels : null
                ),
            ];
        return options.Stratify
            ? StratifiedKFold.Split(data.Labels, options.Folds, shuffle: true, seed: options.Seed)
            : KFold.Split(data.SampleCount, options.Folds, shuffle: true, seed: options.Seed);
    }
}
