using System.IO.Compression;
using System.Security.Cryptography;
using Workbook.Data;

namespace Workbook.Tests.Data;

public class TextCorporaTests
{
    private static string TextFolder => Path.Combine(Repository.Root, "data", "text");

    [Fact]
    public void Shipped_files_match_their_checksums()
    {
        foreach (var line in File.ReadAllLines(Path.Combine(TextFolder, "SHA256SUMS")))
        {
            var parts = line.Split("  ");
            var actual = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(TextFolder, parts[1]))));
            Assert.True(actual == parts[0], $"{parts[1]}: sha256 {actual}, SHA256SUMS says {parts[0]}");
        }
    }

    [Fact]
    public void The_bible_loads_every_verse_in_order_with_the_books_kinds()
    {
        var bible = KingJamesBible.Load();
        Assert.Equal(KingJamesBible.VerseCount, bible.Verses.Count);
        Assert.Equal(new BibleVerse("Genesis", 1, 1, "In the beginning God created the heaven and the earth."), bible.Verses[0]);
        Assert.Equal("Revelation", bible.Verses[^1].Book);
        Assert.Equal((22, 21), (bible.Verses[^1].Chapter, bible.Verses[^1].Verse));
        Assert.Equal(150, bible.Book("Psalms").Chapters);
        Assert.Equal("poetry", bible.Book("Psalms").Kind);
        Assert.Equal(KingJamesBible.Kinds, bible.Books.Select(b => b.Kind).Distinct());
        Assert.Equal(39, bible.Books.Count(b => b.Testament == "old"));
    }

    [Fact]
    public void The_split_is_by_book_and_covers_every_verse_once()
    {
        var bible = KingJamesBible.Load();
        var (training, validation) = bible.SplitByBook();
        Assert.Equal(bible.Verses.Count, training.Count + validation.Count);
        Assert.Empty(training.Select(v => v.Book).Intersect(validation.Select(v => v.Book)));
        Assert.Equal(KingJamesBible.DefaultValidationBooks.Order(), validation.Select(v => v.Book).Distinct().Order());
        Assert.InRange(validation.Count / (double)bible.Verses.Count, 0.02, 0.08);
        var error = Assert.Throws<ArgumentException>(() => bible.SplitByBook(["Hezekiah"]));
        Assert.Contains("Hezekiah", error.Message);
        Assert.Contains("Genesis", error.Message);
    }

    [Fact]
    public void A_damaged_verse_file_is_refused_naming_the_line()
    {
        using var folder = new TempFolder();
        File.Copy(Path.Combine(TextFolder, "kjv-books.tsv"), Path.Combine(folder.Path, "kjv-books.tsv"));
        var lines = ReadGzipLines(Path.Combine(TextFolder, "kjv.tsv.gz"));

        void Write(IEnumerable<string> content)
        {
            using var file = File.Create(Path.Combine(folder.Path, "kjv.tsv.gz"));
            using var gzip = new GZipStream(file, CompressionLevel.Fastest);
            using var writer = new StreamWriter(gzip);
            foreach (var l in content)
                writer.Write(l + "\n");
        }

        Write(lines.Where((_, i) => i != 5)); // a missing verse
        var missing = Assert.Throws<InvalidDataException>(() => KingJamesBible.Load(folder.Path));
        Assert.Contains("line 6", missing.Message);
        Assert.Contains("out of order", missing.Message);

        Write(lines.Select((l, i) => i == 3 ? "Genesis\t1\tthree\tAnd God said" : l));
        Assert.Contains(
            "verse must be a whole number",
            Assert.Throws<InvalidDataException>(() => KingJamesBible.Load(folder.Path)).Message
        );

        Write(lines.Take(100)); // a truncated file
        Assert.Contains("Genesis has 99 verses", Assert.Throws<InvalidDataException>(() => KingJamesBible.Load(folder.Path)).Message);

        File.WriteAllText(Path.Combine(folder.Path, "kjv.tsv.gz"), "not gzip");
        Assert.Contains("kjv.tsv.gz", Assert.Throws<InvalidDataException>(() => KingJamesBible.Load(folder.Path)).Message);
    }

    [Fact]
    public void The_dictionary_loads_its_entries_and_splits_by_entry()
    {
        var entries = DevilsDictionary.Load();
        Assert.InRange(entries.Count, 990, 1010);
        var abasement = entries.Single(e => e.Headword == "abasement");
        Assert.StartsWith("ABASEMENT, n.  A decent and customary mental attitude", abasement.Text);
        var (training, validation) = DevilsDictionary.Split(entries);
        Assert.Equal(entries.Count, training.Count + validation.Count);
        Assert.Empty(training.Intersect(validation));
        Assert.Equal(entries.Count / 10, validation.Count);
    }

    [Theory]
    [InlineData("[1, 2]", "expected a JSON object")]
    [InlineData("{\"headword\": \"a\"}", "'text' must be a non-empty string")]
    [InlineData("{\"headword\": \"a\", \"text\": 3}", "'text' must be a non-empty string")]
    [InlineData("{\"headword\": \"a\", \"text\": ", "not valid JSON")]
    public void A_bad_dictionary_line_is_refused_naming_the_line(string badLine, string expected)
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "d.jsonl");
        File.WriteAllText(path, "{\"headword\": \"ok\", \"text\": \"OK, adj.  Fine.\"}\n" + badLine + "\n");
        var error = Assert.Throws<InvalidDataException>(() => DevilsDictionary.Load(path));
        Assert.Contains("line 2", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_repeated_entry_is_refused()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "d.jsonl");
        File.WriteAllText(path, "{\"headword\": \"ok\", \"text\": \"OK.\"}\n{\"headword\": \"ok\", \"text\": \"OK.\"}\n");
        Assert.Contains("repeats an earlier entry", Assert.Throws<InvalidDataException>(() => DevilsDictionary.Load(path)).Message);
    }

    private static List<string> ReadGzipLines(string path)
    {
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
            lines.Add(line);
        return lines;
    }
}
