using Microsoft.ML.Tokenizers;
using Workbook.Text;
using static TorchSharp.torch;

namespace Workbook.Encoders;

/// <summary>
/// Fill-in-the-blank with a masked language model, as Hugging Face's <c>fill-mask</c> pipeline (introduced in chapter
/// 12): the text holds <c>[MASK]</c> once; the model scores every vocabulary entry at that position and the most probable
/// ordinary tokens (special tokens left out) come back with their probabilities.
/// </summary>
public static class FillMask
{
    /// <summary>The <paramref name="count"/> most probable tokens for the single [MASK] in <paramref name="text"/>, best first.</summary>
    /// <exception cref="ArgumentException">The text does not hold exactly one [MASK].</exception>
    public static IReadOnlyList<(string Token, double Probability)> Predict(
        BertForMaskedLM model,
        WordPieceVocabulary vocabulary,
        BertTokenizer tokenizer,
        string text,
        int count = 5
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var ids = BertInputs.Encode(tokenizer, text, model.Config.MaxPositionEmbeddings);
        var positions = Enumerable.Range(0, ids.Length).Where(i => ids[i] == vocabulary.MaskId).ToArray();
        if (positions.Length != 1)
            throw new ArgumentException(
                $"The text must hold [MASK] exactly once; it holds it {positions.Length} times: \"{text}\".",
                nameof(text)
            );
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var input = tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0);
        var probabilities = model.Forward(input)[0, positions[0]].softmax(-1);
        var specials = vocabulary.SpecialIds.ToHashSet();
        var ranked = probabilities.argsort(descending: true).data<long>().ToArray();
        var values = probabilities.data<float>().ToArray();
        return [.. ranked.Where(i => !specials.Contains((int)i)).Take(count).Select(i => (vocabulary.Tokens[(int)i], (double)values[i]))];
    }
}
