using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.LanguageModels;

/// <summary>
/// The recurrent language model GPT replaced (introduced in chapter 09): token embedding → a multi-layer LSTM →
/// a linear head over the vocabulary. With <c>tieWeights</c> the head reuses the embedding matrix (embedding size must
/// equal the hidden size), as GPT-2 does, which saves vocab × width parameters. Maps token ids [batch, length] to
/// logits [batch, length, vocab], so <see cref="LanguageModelTrainer"/> trains it like a GPT.
/// </summary>
public sealed class LstmLanguageModel : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embedding;
    private readonly LSTM lstm;
    private readonly Linear? head;
    private readonly Parameter? headBias;

    /// <summary>Creates the model with PyTorch's default initialisation (seed it with <c>torch.manual_seed</c>).</summary>
    /// <exception cref="ArgumentException">A size is not positive, or tied weights with embedding size ≠ hidden size.</exception>
    public LstmLanguageModel(int vocabularySize, int embeddingSize, int hiddenSize, int layers = 1, bool tieWeights = false)
        : base(nameof(LstmLanguageModel))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabularySize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(embeddingSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hiddenSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        if (tieWeights && embeddingSize != hiddenSize)
            throw new ArgumentException(
                $"Tied weights need the embedding size ({embeddingSize}) to equal the hidden size ({hiddenSize}).",
                nameof(tieWeights)
            );
        VocabularySize = vocabularySize;
        embedding = nn.Embedding(vocabularySize, embeddingSize);
        lstm = nn.LSTM(embeddingSize, hiddenSize, numLayers: layers, batchFirst: true);
        if (tieWeights)
            headBias = new Parameter(zeros(vocabularySize));
        else
            head = nn.Linear(hiddenSize, vocabularySize);
        RegisterComponents();
    }

    /// <summary>Tokens in the vocabulary.</summary>
    public int VocabularySize { get; }

    /// <summary>Logits [batch, length, vocab] for token ids [batch, length], starting from a zero state.</summary>
    /// <exception cref="ArgumentException">The ids are not int64 [batch, length], or one lies outside the vocabulary.</exception>
    public override Tensor forward(Tensor inputIds)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        if (inputIds.dim() != 2 || inputIds.dtype != ScalarType.Int64)
            throw new ArgumentException(
                $"inputIds must be int64 [batch, length]; got {inputIds.dtype} [{string.Join(", ", inputIds.shape)}].",
                nameof(inputIds)
            );
        long min = inputIds.min().item<long>(),
            max = inputIds.max().item<long>();
        if (min < 0 || max >= VocabularySize)
            throw new ArgumentException($"Token ids must lie in [0, {VocabularySize}); found {(min < 0 ? min : max)}.", nameof(inputIds));
        using var scope = NewDisposeScope();
        var (output, _, _) = lstm.forward(embedding.forward(inputIds));
        var logits = head is not null ? head.forward(output) : nn.functional.linear(output, embedding.weight!, headBias);
        return logits.MoveToOuterDisposeScope();
    }
}
