using Workbook.Data;
using Workbook.Multimodal;

namespace Workbook.Tests.Multimodal;

public class CaptionSetTests
{
    [Fact]
    public void The_shipped_captions_cover_every_class_with_six_distinct_phrasings()
    {
        var set = CaptionSet.Load();
        Assert.Equal(FashionMnist.ClassNames, set.ClassNames);
        Assert.Equal(60, set.Captions.Count);
        for (var k = 0; k < 10; k++)
        {
            var own = set.OfClass(k);
            Assert.Equal(6, own.Count);
            Assert.All(own, c => Assert.Equal(FashionMnist.ClassNames[k], c.ClassName));
        }
        Assert.Equal(set.Captions.Count, set.Texts.Distinct().Count());
        Assert.Equal(set.Captions.Select(c => c.Label), set.Labels);
    }

    [Fact]
    public void Attributes_are_shared_so_the_default_held_out_classes_use_only_words_seen_in_training()
    {
        var set = CaptionSet.Load();
        Assert.Empty(set.UnseenWords(ClipTrainingOptions.DefaultHeldOutClasses));
        // Attributes shared across classes, as the captions promise.
        foreach (
            var (phrase, classes) in new (string, int[])[]
            {
                ("worn on the feet", [5, 7, 9]),
                ("long sleeves", [2, 4, 6]),
                ("upper body", [0, 2, 3, 4, 6]),
                ("heel", [5, 9]),
            }
        )
            Assert.Equal(
                classes,
                set.Captions.Where(c => c.Text.Contains(phrase, StringComparison.Ordinal)).Select(c => c.Label).Distinct().Order()
            );
        // Held out the bag, its captions' words (carried, handle, …) are unseen: the method finds them.
        Assert.Contains("carried", set.UnseenWords([8]));
        Assert.Equal(["don't", "stop"], CaptionSet.Words("Don't, STOP!"));
    }

    [Fact]
    public void Selecting_classes_keeps_only_their_captions_and_refuses_unknown_labels()
    {
        var set = CaptionSet.Load();
        var seen = set.OfClasses([0, 1, 3]);
        Assert.Equal(18, seen.Count);
        Assert.All(seen, c => Assert.Contains(c.Label, new[] { 0, 1, 3 }));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => set.OfClasses([10]));
        Assert.Contains("0 to 9", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => set.UnseenWords([-1]));
    }

    [Theory]
    [InlineData("label\tclass\n", "line 1: expected the header")]
    [InlineData("label\tclass\tcaption\n0\tT-shirt/top\n", "line 2: expected 3 tab-separated fields")]
    [InlineData("label\tclass\tcaption\n12\tT-shirt/top\tx\n", "line 2: the label '12' is not a class index 0..9")]
    [InlineData("label\tclass\tcaption\n-1\tT-shirt/top\tx\n", "line 2: the label '-1'")]
    [InlineData("label\tclass\tcaption\n1\tT-shirt/top\tx\n", "line 2: label 1 is the class 'Trouser', but the line names 'T-shirt/top'")]
    [InlineData("label\tclass\tcaption\n0\tT-shirt/top\t  \n", "line 2: the caption is empty")]
    [InlineData("label\tclass\tcaption\n0\tT-shirt/top\tsame\n0\tT-shirt/top\tsame\n", "line 3: the caption 'same' repeats line 2")]
    [InlineData("label\tclass\tcaption\n0\tT-shirt/top\tshort sleeves\n", "no caption for the classes 'Trouser'")]
    [InlineData("", "the file is empty")]
    public void A_bad_caption_file_is_refused_naming_the_file_line_and_field(string content, string expected)
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "captions.tsv");
        File.WriteAllText(path, content);
        var error = Assert.Throws<InvalidDataException>(() => CaptionSet.Load(path));
        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Too_long_a_caption_invalid_utf8_and_a_missing_file_are_refused()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "captions.tsv");
        File.WriteAllText(path, $"label\tclass\tcaption\n0\tT-shirt/top\t{new string('a', CaptionSet.MaxCaptionLength + 1)}\n");
        Assert.Contains($"at most {CaptionSet.MaxCaptionLength}", Assert.Throws<InvalidDataException>(() => CaptionSet.Load(path)).Message);
        File.WriteAllBytes(path, [.. "label\tclass\tcaption\n0\tT-shirt/top\t"u8.ToArray(), 0xff, 0xfe, (byte)'\n']);
        Assert.Contains("not valid UTF-8", Assert.Throws<InvalidDataException>(() => CaptionSet.Load(path)).Message);
        Assert.Throws<FileNotFoundException>(() => CaptionSet.Load(Path.Combine(folder.Path, "absent.tsv")));
        // Other class lists work: two classes, one caption each.
        File.WriteAllText(path, "label\tclass\tcaption\n0\tcat\tfurry\n1\tdog\tbarks\n");
        Assert.Equal(["furry", "barks"], CaptionSet.Load(path, ["cat", "dog"]).Texts);
    }
}
