using System.Text;

namespace Workbook.Text;

/// <summary>
/// Turns token ids into text one id at a time, for printing a generation as it happens. A byte-level BPE token can
/// hold part of a multi-byte UTF-8 character (an emoji is often two or three tokens), so bytes are held back until
/// they complete a character: <see cref="Push"/> never returns half a character or a U+FFFD for one that is still
/// arriving, and the pieces, followed by <see cref="Flush"/>, concatenate to exactly <see cref="Gpt2Tokenizer.Decode"/>
/// of all the ids.
/// <code>
/// var stream = tokenizer.CreateStreamingDecoder();
/// foreach (var id in generated) Console.Write(stream.Push(id));
/// Console.Write(stream.Flush());
/// </code>
/// Introduced with chapter 10.
/// </summary>
public sealed class StreamingDecoder
{
    private readonly Gpt2Tokenizer _tokenizer;
    private readonly bool _skipSpecialTokens;
    private readonly Decoder _utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
    private char[] _chars = new char[64];

    internal StreamingDecoder(Gpt2Tokenizer tokenizer, bool skipSpecialTokens)
    {
        _tokenizer = tokenizer;
        _skipSpecialTokens = skipSpecialTokens;
    }

    /// <summary>How many tokens have been pushed since creation or the last <see cref="Reset"/>.</summary>
    public int TokenCount { get; private set; }

    /// <summary>Adds one token and returns the text it completes: empty when it ended inside a character.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is not in the vocabulary.</exception>
    public string Push(int id)
    {
        var bytes = _tokenizer.TokenBytes(id);
        TokenCount++;
        if (_skipSpecialTokens && _tokenizer.IsSpecial(id))
            return "";
        return Convert(bytes.Span, flush: false);
    }

    /// <summary>Returns what is still held back (bytes that never completed a character become U+FFFD, as in
    /// <see cref="Gpt2Tokenizer.Decode"/>) and starts afresh.</summary>
    public string Flush()
    {
        var rest = Convert([], flush: true);
        _utf8.Reset();
        return rest;
    }

    /// <summary>Drops anything held back and starts afresh.</summary>
    public void Reset()
    {
        _utf8.Reset();
        TokenCount = 0;
    }

    private string Convert(ReadOnlySpan<byte> bytes, bool flush)
    {
        var needed = _utf8.GetCharCount(bytes, flush);
        if (needed > _chars.Length)
            _chars = new char[Math.Max(needed, _chars.Length * 2)];
        var written = _utf8.GetChars(bytes, _chars, flush);
        return new string(_chars, 0, written);
    }
}
