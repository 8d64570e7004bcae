using System.Globalization;
using System.IO.Compression;
using System.Text;
using Workbook.IO;

namespace Workbook.Data;

/// <summary>One verse of the King James Bible: the book's full name, chapter and verse numbers (from 1), and the text.</summary>
public sealed record BibleVerse(string Book, int Chapter, int Verse, string Text)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Book} {Chapter}:{Verse} {Text}";
}

/// <summary>
/// One book of the Bible: its name, the abbreviation Debian's <c>bible</c> program uses, the testament ("old" or
/// "new"), the kind of writing (<see cref="KingJamesBible.Kinds"/>) and its chapter and verse counts.
/// </summary>
public sealed record BibleBook(string Name, string Abbreviation, string Testament, string Kind, int Chapters, int Verses);

/// <summary>
/// The King James Bible (public domain), every one of its 31 102 verses, read from the repository's
/// <c>data/text/kjv.tsv.gz</c> and <c>kjv-books.tsv</c> (made by <c>data/text/make_text.sh</c>; provenance in
/// <c>data/README.md</c>). The language-model chapters train on it (introduced in chapter 09); splits are by book,
/// never by random lines, so a validation verse never has its neighbours in training.
/// </summary>
public sealed class KingJamesBible
{
    /// <summary>Verses in the whole text.</summary>
    public const int VerseCount = 31102;

    /// <summary>Books in the whole text.</summary>
    public const int BookCount = 66;

    /// <summary>The kinds of writing, in canonical order: law, history, poetry (and wisdom), prophets, gospels (and Acts), letters,
    /// apocalypse.</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["law", "history", "poetry", "prophets", "gospels", "letters", "apocalypse"];

    /// <summary>
    /// The books held out for validation by <see cref="SplitByBook()"/>: one or two from each kind except the one-book
    /// apocalypse, about 4 % of the verses.
    /// </summary>
    public static IReadOnlyList<string> DefaultValidationBooks { get; } = ["Ruth", "Ecclesiastes", "Joel", "Jonah", "Mark", "Galatians"];

    private KingJamesBible(IReadOnlyList<BibleBook> books, IReadOnlyList<BibleVerse> verses)
    {
        Books = books;
        Verses = verses;
    }

    /// <summary>The 66 books in canonical order.</summary>
    public IReadOnlyList<BibleBook> Books { get; }

    /// <summary>Every verse in canonical order.</summary>
    public IReadOnlyList<BibleVerse> Verses { get; }

    /// <summary>The book called <paramref name="name"/> (full name, as in <see cref="BibleBook.Name"/>).</summary>
    /// <exception cref="ArgumentException">No book has that name; the message lists them.</exception>
    public BibleBook Book(string name) =>
        Books.FirstOrDefault(b => b.Name == name)
        ?? throw new ArgumentException(
            $"There is no book called '{name}'. The books are: {string.Join(", ", Books.Select(b => b.Name))}.",
            nameof(name)
        );

    /// <summary>The verses of the named books, in canonical order.</summary>
    public IReadOnlyList<BibleVerse> VersesOf(IEnumerable<string> bookNames)
    {
        ArgumentNullException.ThrowIfNull(bookNames);
        var wanted = bookNames.Select(name => Book(name).Name).ToHashSet(StringComparer.Ordinal);
        return [.. Verses.Where(v => wanted.Contains(v.Book))];
    }

    /// <summary>Training verses (every book but <see cref="DefaultValidationBooks"/>) and validation verses (those books).</summary>
    public (IReadOnlyList<BibleVerse> Training, IReadOnlyList<BibleVerse> Validation) SplitByBook() => SplitByBook(DefaultValidationBooks);

    /// <summary>Training verses (every other book) and validation verses (the named books), each in canonical order.</summary>
    /// <exception cref="ArgumentException">A name is not a book, or no book (or every book) is held out.</exception>
    public (IReadOnlyList<BibleVerse> Training, IReadOnlyList<BibleVerse> Validation) SplitByBook(IEnumerable<string> validationBooks)
    {
        ArgumentNullException.ThrowIfNull(validationBooks);
        var held = validationBooks.Select(name => Book(name).Name).ToHashSet(StringComparer.Ordinal);
        if (held.Count == 0 || held.Count == Books.Count)
            throw new ArgumentException(
                $"Hold out at least one book and keep at least one for training (got {held.Count} of {Books.Count}).",
                nameof(validationBooks)
            );
        return ([.. Verses.Where(v => !held.Contains(v.Book))], [.. Verses.Where(v => held.Contains(v.Book))]);
    }

    /// <summary>The verses' text joined with newlines (one verse per line, no references): what a language model trains on.</summary>
    public static string Text(IEnumerable<BibleVerse> verses)
    {
        ArgumentNullException.ThrowIfNull(verses);
        return string.Join("\n", verses.Select(v => v.Text)) + "\n";
    }

    /// <summary>
    /// Reads the Bible from <paramref name="folder"/> (default: the repository's <c>data/text/</c>, found from the current
    /// directory upward), checking every line: four tab-separated fields, a known book, chapters and verses that count up
    /// from 1, non-empty text, and the totals of <c>kjv-books.tsv</c>.
    /// </summary>
    /// <exception cref="InvalidDataException">A file is malformed; the message names the file, the line and what was expected.</exception>
    /// <exception cref="FileNotFoundException">A file is missing, or a directory is where it should be.</exception>
    public static KingJamesBible Load(string? folder = null)
    {
        folder ??= Path.GetDirectoryName(DataDirectory.Find(Path.Combine("text", "kjv.tsv.gz")))!;
        var booksPath = Path.Combine(folder, "kjv-books.tsv");
        var versesPath = Path.Combine(folder, "kjv.tsv.gz");
        RequiredFile.Check(booksPath, "Bible book table");
        RequiredFile.Check(versesPath, "Bible verse table");
        var books = ReadBooks(booksPath);
        var verses = ReadVerses(versesPath, books);
        return new KingJamesBible(books, verses);
    }

    private static List<BibleBook> ReadBooks(string path)
    {
        var lines = File.ReadAllLines(path, Encoding.UTF8);
        const string header = "book\tabbreviation\ttestament\tkind\tchapters\tverses";
        if (lines.Length == 0 || lines[0] != header)
            throw new InvalidDataException($"{path}, line 1: expected the header '{header.Replace('\t', ' ')}' (tab-separated).");
        var books = new List<BibleBook>();
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
                continue;
            var f = lines[i].Split('\t');
            string Where() => $"{path}, line {i + 1}";
            if (f.Length != 6)
                throw new InvalidDataException($"{Where()}: expected 6 tab-separated fields, found {f.Length}.");
            if (f[2] is not ("old" or "new"))
                throw new InvalidDataException($"{Where()}: testament must be 'old' or 'new', not '{f[2]}'.");
            if (!Kinds.Contains(f[3]))
                throw new InvalidDataException($"{Where()}: kind '{f[3]}' is not one of {string.Join(", ", Kinds)}.");
            books.Add(new BibleBook(f[0], f[1], f[2], f[3], PositiveInt(f[4], "chapters", Where()), PositiveInt(f[5], "verses", Where())));
        }
        if (books.Count != BookCount)
            throw new InvalidDataException($"{path}: expected {BookCount} books, found {books.Count}.");
        if (books.Select(b => b.Name).Distinct().Count() != books.Count)
            throw new InvalidDataException($"{path}: a book is listed twice.");
        if (books.Sum(b => b.Verses) != VerseCount)
            throw new InvalidDataException($"{path}: the verse counts add up to {books.Sum(b => b.Verses)}, not {VerseCount}.");
        return books;
    }

    private static List<BibleVerse> ReadVerses(string path, List<BibleBook> books)
    {
        var index = books.Select((b, i) => (b.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, new UTF8Encoding(false, throwOnInvalidBytes: true));
        const string header = "book\tchapter\tverse\ttext";
        var lineNumber = 1;
        string? line;
        try
        {
            line = reader.ReadLine();
        }
        catch (Exception e) when (e is InvalidDataException or DecoderFallbackException)
        {
            throw new InvalidDataException($"{path}: not a gzip file of UTF-8 text ({e.Message}).", e);
        }
        if (line != header)
            throw new InvalidDataException($"{path}, line 1: expected the header '{header.Replace('\t', ' ')}' (tab-separated).");
        var verses = new List<BibleVerse>(VerseCount);
        var counts = new int[books.Count];
        int bookIndex = -1,
            chapter = 0,
            verse = 0;
        while (true)
        {
            try
            {
                line = reader.ReadLine();
            }
            catch (Exception e) when (e is InvalidDataException or DecoderFallbackException)
            {
                throw new InvalidDataException($"{path}, after line {lineNumber}: the file is damaged ({e.Message}).", e);
            }
            if (line is null)
                break;
            lineNumber++;
            if (verses.Count >= VerseCount)
                throw new InvalidDataException($"{path}, line {lineNumber}: more than {VerseCount} verses.");
            string Where() => $"{path}, line {lineNumber}";
            var f = line.Split('\t');
            if (f.Length != 4)
                throw new InvalidDataException(
                    $"{Where()}: expected 4 tab-separated fields (book, chapter, verse, text), found {f.Length}."
                );
            if (!index.TryGetValue(f[0], out var b))
                throw new InvalidDataException($"{Where()}: '{f[0]}' is not a book of kjv-books.tsv.");
            var c = PositiveInt(f[1], "chapter", Where());
            var v = PositiveInt(f[2], "verse", Where());
            // Canonical order: the same book and chapter with the next verse, the next chapter from verse 1, or the next book from 1:1.
            var next =
                (b == bookIndex && c == chapter && v == verse + 1)
                || (b == bookIndex && c == chapter + 1 && v == 1)
                || (b == bookIndex + 1 && c == 1 && v == 1);
            if (!next)
                throw new InvalidDataException(
                    $"{Where()}: {f[0]} {c}:{v} is out of order (the previous verse was "
                        + $"{(bookIndex < 0 ? "none" : $"{books[bookIndex].Name} {chapter}:{verse}")})."
                );
            if (string.IsNullOrWhiteSpace(f[3]))
                throw new InvalidDataException($"{Where()}: the text of {f[0]} {c}:{v} is empty.");
            (bookIndex, chapter, verse) = (b, c, v);
            counts[b]++;
            verses.Add(new BibleVerse(books[b].Name, c, v, f[3]));
        }
        for (var i = 0; i < books.Count; i++)
            if (counts[i] != books[i].Verses)
                throw new InvalidDataException(
                    $"{path}: {books[i].Name} has {counts[i]} verses, but kjv-books.tsv says {books[i].Verses}."
                );
        return verses;
    }

    private static int PositiveInt(string text, string field, string where) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new InvalidDataException($"{where}: {field} must be a whole number from 1, not '{text}'.");
}
