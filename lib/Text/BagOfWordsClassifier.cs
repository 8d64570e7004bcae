using TorchSharp;
using TorchSharp.Modules;
using Workbook.Native;
using Workbook.Training;
using static TorchSharp.torch;

namespace Workbook.Text;

/// <summary>
/// Multinomial logistic regression on a bag of words (introduced in chapter 12): a text is the vector of its token
/// frequencies (each token's count divided by the text's length; order ignored), and the class scores are that vector
/// times a weight matrix plus a bias, trained with cross-entropy and an L2 penalty (AdamW's decoupled weight decay),
/// full batch. The honest baseline for text classification: it sees which words occur, nothing about their order.
/// Stored as one weight row per vocabulary entry, so a text costs only its tokens' rows, not a dense vocabulary-wide
/// vector.
/// </summary>
public sealed class BagOfWordsClassifier : IDisposable
{
    private readonly Parameter weight; // [vocabulary, classes]
    private readonly Parameter bias; // [classes]
    private readonly HashSet<int> ignored;

    private BagOfWordsClassifier(Parameter weight, Parameter bias, HashSet<int> ignored) =>
        (this.weight, this.bias, this.ignored) = (weight, bias, ignored);

    /// <summary>Vocabulary size.</summary>
    public long VocabularySize => weight.shape[0];

    /// <summary>Number of classes.</summary>
    public long ClassCount => weight.shape[1];

    /// <summary>Trains on token-id sequences (e.g. WordPiece ids) with labels in [0, <paramref name="classCount"/>).</summary>
    /// <param name="sequences">The texts as token ids.</param>
    /// <param name="labels">One class per text.</param>
    /// <param name="vocabularySize">Ids run from 0 to this − 1.</param>
    /// <param name="classCount">Number of classes.</param>
    /// <param name="ignoredIds">Ids left out of the bag (special tokens such as [CLS], [SEP], [PAD]).</param>
    /// <param name="iterations">Full-batch optimizer steps.</param>
    /// <param name="learningRate">AdamW learning rate.</param>
    /// <param name="weightDecay">L2 strength (decoupled weight decay).</param>
    /// <exception cref="ArgumentException">Mismatched counts, no texts, a label or id out of range.</exception>
    public static BagOfWordsClassifier Train(
        IReadOnlyList<int[]> sequences,
        IReadOnlyList<int> labels,
        int vocabularySize,
        int classCount,
        IEnumerable<int>? ignoredIds = null,
        int iterations = 200,
        double learningRate = 0.05,
        double weightDecay = 1e-3
    )
    {
        ArgumentNullException.ThrowIfNull(sequences);
        ArgumentNullException.ThrowIfNull(labels);
        if (sequences.Count == 0 || sequences.Count != labels.Count)
            throw new ArgumentException(
                $"Need as many labels as texts (at least one); got {sequences.Count} texts and {labels.Count} labels.",
                nameof(labels)
            );
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabularySize, 1);
        if (labels.Any(l => l < 0 || l >= classCount))
            throw new ArgumentException($"Labels must lie in [0, {classCount}).", nameof(labels));
        var model = new BagOfWordsClassifier(
            new Parameter(zeros(vocabularySize, classCount)),
            new Parameter(zeros(classCount)),
            [.. ignoredIds ?? []]
        );
        using var bag = model.Bag(sequences);
        using var targets = tensor(labels.Select(l => (long)l).ToArray());
        using var optimizer = Optimizers.AdamW([model.weight, model.bias], lr: learningRate, weight_decay: weightDecay);
        for (var i = 0; i < iterations; i++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(model.Scores(bag), targets);
            loss.backward();
            optimizer.step();
        }
        return model;
    }

    /// <summary>The most probable class of each text.</summary>
    public int[] Predict(IReadOnlyList<int[]> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var bag = Bag(sequences);
        return [.. Scores(bag).argmax(-1).data<long>().ToArray().Select(p => (int)p)];
    }

    /// <summary>The texts as (token ids, text index, frequency) triples: the sparse bag.</summary>
    private SparseBag Bag(IReadOnlyList<int[]> sequences)
    {
        var tokens = new List<long>();
        var rows = new List<long>();
        var weights = new List<float>();
        for (var r = 0; r < sequences.Count; r++)
        {
            var kept = sequences[r].Where(id => !ignored.Contains(id)).ToArray();
            if (kept.Any(id => id < 0 || id >= VocabularySize))
                throw new ArgumentException($"Text {r} holds an id outside the vocabulary [0, {VocabularySize}).", nameof(sequences));
            foreach (var group in kept.GroupBy(id => id))
            {
                tokens.Add(group.Key);
                rows.Add(r);
                weights.Add((float)group.Count() / kept.Length);
            }
        }
        return new SparseBag(tensor(tokens.ToArray()), tensor(rows.ToArray()), tensor(weights.ToArray()).unsqueeze(1), sequences.Count);
    }

    private Tensor Scores(SparseBag bag)
    {
        // Σ over a text's distinct tokens of frequency × that token's weight row, then the bias.
        var contributions = weight.index_select(0, bag.Tokens).mul(bag.Frequencies);
        var sums = zeros(bag.Texts, ClassCount).index_add(0, bag.Rows, contributions, KeptScalars.One);
        return sums.Plus(bias);
    }

    private sealed record SparseBag(Tensor Tokens, Tensor Rows, Tensor Frequencies, long Texts) : IDisposable
    {
        public void Dispose()
        {
            Tokens.Dispose();
            Rows.Dispose();
            Frequencies.Dispose();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        weight.Dispose();
        bias.Dispose();
    }
}
