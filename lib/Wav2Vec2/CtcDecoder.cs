using System.Globalization;
using Workbook.Notebook;
using static TorchSharp.torch;

namespace Workbook.Wav2Vec2;

/// <summary>A recognised word and where it lies in the audio. Introduced with chapter 13.</summary>
/// <param name="Text">The word.</param>
/// <param name="StartSeconds">Start of its first frame.</param>
/// <param name="EndSeconds">End of its last frame.</param>
public sealed record TimedWord(string Text, double StartSeconds, double EndSeconds);

/// <summary>
/// A CTC transcript: the text, its words with times, and the frame-by-frame symbols it was read from. Introduced with chapter 13.
/// </summary>
[TypeFormatterSource(typeof(HtmlRenderableFormatterSource), PreferredMimeTypes = ["text/html"])]
public sealed record CtcTranscript(string Text, IReadOnlyList<TimedWord> Words, IReadOnlyList<int> FrameIds) : IHtmlRenderable
{
    /// <summary>The words with their times, as a table.</summary>
    public Table ToTable() =>
        new(
            ["word", "start (s)", "end (s)"],
            Words.Select(w =>
                (IReadOnlyList<string>)
                    [
                        w.Text,
                        w.StartSeconds.ToString("F2", CultureInfo.InvariantCulture),
                        w.EndSeconds.ToString("F2", CultureInfo.InvariantCulture),
                    ]
            ),
            caption: Text
        );

    /// <inheritdoc />
    public string ToHtml() => ToTable().ToHtml();

    /// <inheritdoc />
    public override string ToString() => Text;
}

/// <summary>
/// Turns CTC frame scores into text. <see cref="Greedy"/> takes the best symbol per frame, merges repeats, drops blanks
/// and specials, and maps the word delimiter to a space — what HF's <c>batch_decode(argmax(logits))</c> does — and
/// keeps each word's frames for timestamps. <see cref="BeamSearch"/> is CTC prefix beam search without a language model:
/// it sums the probabilities of all frame paths that spell the same text. Introduced with chapter 13.
/// </summary>
public sealed class CtcDecoder
{
    /// <summary>A decoder for <paramref name="vocabulary"/>, with <paramref name="secondsPerFrame"/> (0.02 for wav2vec2 at 16
    /// kHz).</summary>
    public CtcDecoder(CtcVocabulary vocabulary, double secondsPerFrame = 0.02)
    {
        Vocabulary = vocabulary ?? throw new ArgumentNullException(nameof(vocabulary));
        if (!(secondsPerFrame > 0))
            throw new ArgumentOutOfRangeException(nameof(secondsPerFrame), secondsPerFrame, "Frames must last a positive time.");
        SecondsPerFrame = secondsPerFrame;
    }

    /// <summary>The symbols.</summary>
    public CtcVocabulary Vocabulary { get; }

    /// <summary>Duration of one frame.</summary>
    public double SecondsPerFrame { get; }

    /// <summary>Greedy decoding of one utterance's logits [frames, vocab] (or [1, frames, vocab]).</summary>
    /// <exception cref="ArgumentException">The last dimension is not the vocabulary size.</exception>
    public CtcTranscript Greedy(Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        if (logits.dim() == 3 && logits.shape[0] == 1)
            logits = logits[0];
        RequireShape(logits);
        using var ids = logits.argmax(-1).cpu();
        return FromFrameIds([.. ids.data<long>().Select(v => (int)v)]);
    }

    /// <summary>The transcript spelled by one symbol id per frame.</summary>
    public CtcTranscript FromFrameIds(IReadOnlyList<int> frameIds)
    {
        ArgumentNullException.ThrowIfNull(frameIds);
        var words = new List<TimedWord>();
        var current = new System.Text.StringBuilder();
        int wordStart = -1,
            wordEnd = -1,
            previous = -1;
        void EndWord()
        {
            if (current.Length > 0)
                words.Add(new TimedWord(current.ToString(), wordStart * SecondsPerFrame, (wordEnd + 1) * SecondsPerFrame));
            current.Clear();
            wordStart = -1;
        }
        for (var frame = 0; frame < frameIds.Count; frame++)
        {
            var id = frameIds[frame];
            if (id == previous)
            {
                if (current.Length > 0 && id != Vocabulary.WordDelimiterId && !Vocabulary.IsSilent(id))
                    wordEnd = frame;
                continue;
            }
            previous = id;
            if (id == Vocabulary.WordDelimiterId)
            {
                EndWord();
                continue;
            }
            if (Vocabulary.IsSilent(id))
                continue;
            if (wordStart < 0)
                wordStart = frame;
            wordEnd = frame;
            current.Append(Vocabulary[id]);
        }
        EndWord();
        return new CtcTranscript(string.Join(' ', words.Select(w => w.Text)), words, frameIds);
    }

    /// <summary>
    /// CTC prefix beam search over logits [frames, vocab]: keeps the <paramref name="beamWidth"/> most probable prefixes,
    /// each with the probability of ending in a blank and in its last symbol, so paths that collapse to the same text
    /// add up. Returns the best text (timestamps are not tracked by the beam; use <see cref="Greedy"/> for them).
    /// </summary>
    public string BeamSearch(Tensor logits, int beamWidth = 16)
    {
        ArgumentNullException.ThrowIfNull(logits);
        if (beamWidth < 1)
            throw new ArgumentOutOfRangeException(nameof(beamWidth), beamWidth, "The beam needs at least one prefix.");
        if (logits.dim() == 3 && logits.shape[0] == 1)
            logits = logits[0];
        RequireShape(logits);
        using var logProbs = logits.to(ScalarType.Float64).log_softmax(-1).cpu();
        var (frames, vocab) = ((int)logProbs.shape[0], (int)logProbs.shape[1]);
        var lp = logProbs.data<double>().ToArray();
        var blank = Vocabulary.BlankId;
        // prefix (symbol ids, silent symbols excluded) → (log P ending in blank, log P ending in its last symbol)
        var beams = new Dictionary<string, (int[] Ids, double Blank, double Symbol)> { [""] = ([], 0, double.NegativeInfinity) };
        for (var t = 0; t < frames; t++)
        {
            var next = new Dictionary<string, (int[] Ids, double Blank, double Symbol)>();
            void Add(int[] ids, double blankLp, double symbolLp)
            {
                var key = string.Join(',', ids);
                var (_, b, s) = next.TryGetValue(key, out var e) ? e : (ids, double.NegativeInfinity, double.NegativeInfinity);
                next[key] = (ids, LogAdd(b, blankLp), LogAdd(s, symbolLp));
            }
            foreach (var (ids, pBlank, pSymbol) in beams.Values)
            {
                var total = LogAdd(pBlank, pSymbol);
                for (var c = 0; c < vocab; c++)
                {
                    var p = lp[t * vocab + c];
                    if (c == blank || Vocabulary.IsSilent(c))
                    {
                        Add(ids, total + p, double.NegativeInfinity);
                        continue;
                    }
                    var last = ids.Length > 0 ? ids[^1] : -1;
                    if (c == last)
                    {
                        Add(ids, double.NegativeInfinity, pSymbol + p); // a repeat merges into the same symbol
                        Add([.. ids, c], double.NegativeInfinity, pBlank + p); // after a blank it is a new symbol
                    }
                    else
                        Add([.. ids, c], double.NegativeInfinity, total + p);
                }
            }
            beams = next.OrderByDescending(kv => LogAdd(kv.Value.Blank, kv.Value.Symbol))
                .Take(beamWidth)
                .ToDictionary(kv => kv.Key, kv => kv.Value);
        }
        var best = beams.Values.MaxBy(b => LogAdd(b.Blank, b.Symbol));
        return string.Join(
            ' ',
            string.Concat(best.Ids.Select(id => id == Vocabulary.WordDelimiterId ? " " : Vocabulary[id]))
                .Split(' ', StringSplitOptions.RemoveEmptyEntries)
        );
    }

    private static double LogAdd(double a, double b)
    {
        if (double.IsNegativeInfinity(a))
            return b;
        if (double.IsNegativeInfinity(b))
            return a;
        var max = Math.Max(a, b);
        return max + Math.Log(Math.Exp(a - max) + Math.Exp(b - max));
    }

    private void RequireShape(Tensor logits)
    {
        if (logits.dim() != 2 || logits.shape[1] != Vocabulary.Count)
            throw new ArgumentException(
                $"CTC decoding needs logits [frames, {Vocabulary.Count}] for this vocabulary; got [{string.Join(", ", logits.shape)}].",
                nameof(logits)
            );
    }
}
