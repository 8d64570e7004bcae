#!/usr/bin/env bash
# Rebuilds the text corpora in this folder from Debian packages (run once, on a machine that has them):
#   bible-kjv-text + bible-kjv  the King James Bible (1769 Oxford text), public domain; the `bible` program is GPL-2+
#   dict-devil                  Ambrose Bierce, The Devil's Dictionary (1911), public domain
# Writes kjv.tsv.gz (every verse), kjv-books.tsv (the 66 books with their kind) and devils-dictionary.jsonl,
# then SHA256SUMS. Output is deterministic: the same packages give the same bytes.
set -euo pipefail
cd "$(dirname "$0")"
for package in bible-kjv-text bible-kjv dict-devil; do
  dpkg -s "$package" >/dev/null 2>&1 || { echo "make_text.sh: install $package first (apt-get install $package)" >&2; exit 1; }
done
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
# -p: where bible.data lives; -f -l 0: one verse per line, unwrapped, prefixed like "Ge1:1".
bible -p /usr/lib -f -l 0 "gen1:1-rev22:21" > "$work/kjv.txt"
zcat /usr/share/dictd/devil.dict.dz > "$work/devil.txt"
WORK="$work" /usr/bin/python3 - <<'PY'
import gzip, json, os, re
work = os.environ["WORK"]
# The 66 books in canonical order: the `bible` program's abbreviation, the full name, and the kind of writing
# (the usual Protestant grouping: law, history, poetry and wisdom, prophets, gospels and Acts, letters, apocalypse).
books = [
 ("Ge","Genesis","law"),("Exo","Exodus","law"),("Lev","Leviticus","law"),("Num","Numbers","law"),("Deu","Deuteronomy","law"),
 ("Josh","Joshua","history"),("Jdgs","Judges","history"),("Ruth","Ruth","history"),("1Sm","1 Samuel","history"),
 ("2Sm","2 Samuel","history"),("1Ki","1 Kings","history"),("2Ki","2 Kings","history"),("1Chr","1 Chronicles","history"),
 ("2Chr","2 Chronicles","history"),("Ezra","Ezra","history"),("Neh","Nehemiah","history"),("Est","Esther","history"),
 ("Job","Job","poetry"),("Psa","Psalms","poetry"),("Prv","Proverbs","poetry"),("Eccl","Ecclesiastes","poetry"),
 ("SSol","Song of Solomon","poetry"),
 ("Isa","Isaiah","prophets"),("Jer","Jeremiah","prophets"),("Lam","Lamentations","prophets"),("Eze","Ezekiel","prophets"),
 ("Dan","Daniel","prophets"),("Hos","Hosea","prophets"),("Joel","Joel","prophets"),("Amos","Amos","prophets"),
 ("Obad","Obadiah","prophets"),("Jonah","Jonah","prophets"),("Mic","Micah","prophets"),("Nahum","Nahum","prophets"),
 ("Hab","Habakkuk","prophets"),("Zep","Zephaniah","prophets"),("Hag","Haggai","prophets"),("Zec","Zechariah","prophets"),
 ("Mal","Malachi","prophets"),
 ("Mat","Matthew","gospels"),("Mark","Mark","gospels"),("Luke","Luke","gospels"),("John","John","gospels"),("Acts","Acts","gospels"),
 ("Rom","Romans","letters"),("1Cor","1 Corinthians","letters"),("2Cor","2 Corinthians","letters"),("Gal","Galatians","letters"),
 ("Eph","Ephesians","letters"),("Phi","Philippians","letters"),("Col","Colossians","letters"),("1Th","1 Thessalonians","letters"),
 ("2Th","2 Thessalonians","letters"),("1Tim","1 Timothy","letters"),("2Tim","2 Timothy","letters"),("Titus","Titus","letters"),
 ("Phmn","Philemon","letters"),("Heb","Hebrews","letters"),("Jas","James","letters"),("1Pet","1 Peter","letters"),
 ("2Pet","2 Peter","letters"),("1Jn","1 John","letters"),("2Jn","2 John","letters"),("3Jn","3 John","letters"),
 ("Jude","Jude","letters"),("Rev","Revelation","apocalypse")]
name_of = {a: n for a, n, _ in books}
verses, counts, chapters = [], {}, {}
for line in open(os.path.join(work, "kjv.txt"), encoding="utf-8"):
    line = line.rstrip("\n")
    if not line: continue
    m = re.fullmatch(r"(\d?[A-Za-z]+)(\d+):(\d+) (.+)", line)
    assert m, line
    abbreviation, chapter, verse, text = m.group(1), int(m.group(2)), int(m.group(3)), m.group(4).strip()
    assert abbreviation in name_of and "\t" not in text, line
    verses.append(f"{name_of[abbreviation]}\t{chapter}\t{verse}\t{text}\n")
    counts[abbreviation] = counts.get(abbreviation, 0) + 1
    chapters[abbreviation] = max(chapters.get(abbreviation, 0), chapter)
assert len(verses) == 31102 and len(counts) == 66, (len(verses), len(counts))
with open("kjv.tsv.gz", "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0, filename="") as f:
    f.write(("book\tchapter\tverse\ttext\n" + "".join(verses)).encode("utf-8"))
with open("kjv-books.tsv", "w", encoding="utf-8", newline="\n") as f:
    f.write("book\tabbreviation\ttestament\tkind\tchapters\tverses\n")
    for i, (a, n, kind) in enumerate(books):
        f.write(f"{n}\t{a}\t{'old' if i < 39 else 'new'}\t{kind}\t{chapters[a]}\t{counts[a]}\n")
# The dictionary: dictd's index gives each headword's offset and length (base-64 numbers) in the text file.
digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
def number(s):
    v = 0
    for c in s: v = v * 64 + digits.index(c)
    return v
data = open(os.path.join(work, "devil.txt"), "rb").read()
with open("devils-dictionary.jsonl", "w", encoding="utf-8", newline="\n") as f:
    n, seen = 0, set()
    for line in open("/usr/share/dictd/devil.index", encoding="utf-8"):
        word, offset, length = line.rstrip("\n").split("\t")
        if word.startswith("00"): continue    # dictd's own metadata entries
        text = data[number(offset):number(offset) + number(length)].decode("utf-8")
        text = "\n".join(l.rstrip() for l in text.strip("\n").split("\n")).strip()
        # The index lists some entries under two names (BABE and BABY) or twice, and one under its neighbour's name:
        # keep each entry once, under the headword it is printed with ("babe or baby"), in the index's order.
        if text in seen: continue
        seen.add(text)
        printed = re.match(r"([^,?]+?)(?:,|[.?](?=\s|$)| n\.|  | is | in our | \(double)", text)
        assert printed, text[:60]
        f.write(json.dumps({"headword": printed.group(1).lower(), "text": text}, ensure_ascii=False) + "\n"); n += 1
    assert n > 990, n
PY
sha256sum kjv.tsv.gz kjv-books.tsv devils-dictionary.jsonl > SHA256SUMS
cat SHA256SUMS
