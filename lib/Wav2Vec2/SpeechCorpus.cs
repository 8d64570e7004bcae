using System.Globalization;
using Workbook.Audio;
using Workbook.IO;

namespace Workbook.Wav2Vec2;

/// <summary>One recorded (or synthesised) sentence of a <see cref="SpeechCorpus"/>. Introduced with chapter 13.</summary>
/// <param name="Path">The WAV file.</param>
/// <param name="Voice">Who speaks it (a flite voice: slt, rms, kal16, awb).</param>
/// <param name="Split">train, heldout-sentences (sentences never trained on, in training voices) or heldout-voice.</param>
/// <param name="Source">Where the sentence comes from (kjv:Book, devil:headword, generated).</param>
/// <param name="Text">The transcript: upper-case words of the model's alphabet, single spaces.</param>
public sealed record SpeechUtterance(string Path, string Voice, string Split, string Source, string Text);

/// <summary>
/// A list of utterances with transcripts, read from a tab-separated file with the header
/// <c>file voice split source text</c> and file paths relative to it — what <c>tools/make-speech-corpus.sh</c> writes,
/// and the format of <c>data/speech/heldout/transcripts.tsv</c>. Introduced in chapter 13, where the small recogniser
/// trained on such a corpus stands in for wav2vec2-base-960h offline.
/// </summary>
public sealed class SpeechCorpus
{
    /// <summary>The largest transcript file read (a corpus of a few thousand lines is well under a megabyte).</summary>
    public const long MaxListBytes = 64L << 20;
    private static readonly string[] Header = ["file", "voice", "split", "source", "text"];

    private SpeechCorpus(string listPath, IReadOnlyList<SpeechUtterance> utterances) => (ListPath, Utterances) = (listPath, utterances);

    /// <summary>The transcript file.</summary>
    public string ListPath { get; }

    /// <summary>The utterances in file order.</summary>
    public IReadOnlyList<SpeechUtterance> Utterances { get; }

    /// <summary>The utterances of one split.</summary>
    public IReadOnlyList<SpeechUtterance> Split(string split) => [.. Utterances.Where(u => u.Split == split)];

    /// <summary>Reads and checks a transcript list: the header, five fields a line, an existing WAV per line, and
    /// transcripts that <paramref name="vocabulary"/> can spell.</summary>
    /// <exception cref="FileNotFoundException">The list or a WAV it names is missing (the line is named).</exception>
    /// <exception cref="InvalidDataException">The list is too large, has the wrong header, a malformed line, or a transcript with a
    /// character outside the vocabulary; the message names the line.</exception>
    public static SpeechCorpus Read(string listPath, CtcVocabulary vocabulary)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(listPath);
        ArgumentNullException.ThrowIfNull(vocabulary);
        RequiredFile.Check(listPath, "transcript list");
        var size = new FileInfo(listPath).Length;
        if (size > MaxListBytes)
            throw new InvalidDataException($"'{listPath}' is {size:N0} bytes, more than the {MaxListBytes:N0} a transcript list may have.");
        var lines = File.ReadAllLines(listPath);
        if (lines.Length == 0 || !lines[0].Split('\t').SequenceEqual(Header))
            throw new InvalidDataException($"'{listPath}' must start with the header '{string.Join("\\t", Header)}'.");
        var folder = Path.GetDirectoryName(Path.GetFullPath(listPath))!;
        var utterances = new List<SpeechUtterance>();
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
                continue;
            var where = string.Create(CultureInfo.InvariantCulture, $"'{listPath}' line {i + 1}");
            var fields = lines[i].Split('\t');
            if (fields.Length != Header.Length)
                throw new InvalidDataException(
                    $"{where} has {fields.Length} tab-separated fields; it needs {Header.Length} ({string.Join(", ", Header)})."
                );
            var path = Path.GetFullPath(Path.Combine(folder, fields[0]));
            if (!File.Exists(path))
                throw new FileNotFoundException($"{where} names '{fields[0]}', which is not in {folder}.", path);
            try
            {
                vocabulary.Encode(fields[4]);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{where}: {e.Message}", e);
            }
            if (fields[4] != string.Join(' ', fields[4].Split(' ', StringSplitOptions.RemoveEmptyEntries)))
                throw new InvalidDataException($"{where}: the transcript must be words separated by single spaces, found \"{fields[4]}\".");
            utterances.Add(new SpeechUtterance(path, fields[1], fields[2], fields[3], fields[4]));
        }
        if (utterances.Count == 0)
            throw new InvalidDataException($"'{listPath}' lists no utterances.");
        return new SpeechCorpus(listPath, utterances);
    }

    /// <summary>The mono audio of an utterance at <paramref name="sampleRate"/> (resampled when the file differs).</summary>
    public static AudioClip Load(SpeechUtterance utterance, int sampleRate = 16000)
    {
        ArgumentNullException.ThrowIfNull(utterance);
        return Resampler.Resample(WavFile.Read(utterance.Path, mixToMono: true), sampleRate);
    }
}
