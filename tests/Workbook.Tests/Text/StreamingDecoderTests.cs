using Workbook.Text;

namespace Workbook.Tests.Text;

public class StreamingDecoderTests
{
    private static readonly Gpt2Tokenizer Tokenizer = Gpt2Tokenizer.Default;

    [Theory]
    [InlineData("😀")]
    [InlineData("Dogs 🐕‍🦺 and cats 🐈 say 👍🏽!")]
    [InlineData("日本語のテキスト")]
    [InlineData("The dog was found in a field near the intersection of West and West Streets.\n\nThe dog")]
    public void Pieces_never_hold_a_replacement_character_and_concatenate_to_Decode(string text)
    {
        var ids = Tokenizer.Encode(text);
        var stream = Tokenizer.CreateStreamingDecoder();
        var pieces = ids.Select(stream.Push).ToList();
        pieces.Add(stream.Flush());

        Assert.All(pieces, piece => Assert.DoesNotContain('\uFFFD', piece));
        Assert.Equal(Tokenizer.Decode(ids), string.Concat(pieces));
        Assert.Equal(text, string.Concat(pieces));
        Assert.Equal(ids.Length, stream.TokenCount);
    }

    [Fact]
    public void An_emoji_split_over_tokens_comes_out_whole_with_its_last_token()
    {
        var ids = Tokenizer.Encode("😀");
        Assert.True(ids.Length > 1, "GPT-2 splits 😀 into several byte tokens");
        Assert.Contains('\uFFFD', Tokenizer.Decode([ids[0]])); // decoded alone, the first token is half a character
        var stream = Tokenizer.CreateStreamingDecoder();
        for (var i = 0; i < ids.Length - 1; i++)
            Assert.Equal("", stream.Push(ids[i]));
        Assert.Equal("😀", stream.Push(ids[^1]));
        Assert.Equal("", stream.Flush());
    }

    [Fact]
    public void Bytes_that_never_complete_a_character_come_out_as_Decode_has_them()
    {
        var emoji = Tokenizer.Encode("😀");
        int[] ids = [.. Tokenizer.Encode("a"), emoji[0], .. Tokenizer.Encode(" b"), emoji[^1]]; // broken UTF-8 on purpose
        var stream = Tokenizer.CreateStreamingDecoder();
        var text = string.Concat(ids.Select(stream.Push)) + stream.Flush();
        Assert.Equal(Tokenizer.Decode(ids), text);
        Assert.Contains('\uFFFD', text);
    }

    [Fact]
    public void Special_tokens_can_be_skipped_and_reset_starts_afresh()
    {
        var stream = Tokenizer.CreateStreamingDecoder(skipSpecialTokens: true);
        Assert.Equal("", stream.Push(Tokenizer.EosTokenId));
        Assert.Equal("I", stream.Push(40));
        Assert.Equal("", stream.Push(Tokenizer.Encode("😀")[0]));
        stream.Reset();
        Assert.Equal((0, ""), (stream.TokenCount, stream.Flush()));
        Assert.Equal("<|endoftext|>", Tokenizer.CreateStreamingDecoder().Push(50256));
        Assert.Throws<ArgumentOutOfRangeException>(() => stream.Push(60000));
    }
}
