using System.Text;

namespace Workbook.Text;

/// <summary>
/// GPT-2's byte-level alphabet (<c>bytes_to_unicode</c> in OpenAI's encoder.py): each of the 256 byte values is
/// written as one printable character, so a vocabulary of byte sequences can be stored as JSON strings. Printable
/// Latin-1 bytes stand for themselves; the others (space, control bytes, …) map to U+0100 and up, which is why a
/// token with a leading space shows as <c>Ġlove</c> (space = 0x20 → U+0120 'Ġ') and a newline as <c>Ċ</c>.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] CharOfByte = BuildCharOfByte();
    private static readonly Dictionary<char, byte> ByteOfChar = CharOfByte.Select((c, b) => (c, b)).ToDictionary(p => p.c, p => (byte)p.b);

    /// <summary>The token string of a byte sequence, e.g. " love" (UTF-8) → "Ġlove".</summary>
    public static string ToTokenString(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
            text.Append(CharOfByte[b]);
        return text.ToString();
    }

    /// <summary>The bytes a token string stands for, or null when it has a character outside the alphabet (an added token).</summary>
    public static byte[]? TryToBytes(string token)
    {
        var bytes = new byte[token.Length];
        for (var i = 0; i < token.Length; i++)
        {
            if (!ByteOfChar.TryGetValue(token[i], out var b))
                return null;
            bytes[i] = b;
        }
        return bytes;
    }

    private static char[] BuildCharOfByte()
    {
        var chars = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            chars[b] = printable ? (char)b : (char)next++;
        }
        return chars;
    }
}
