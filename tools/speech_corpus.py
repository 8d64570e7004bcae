"""Chooses and normalises the sentences of the speech corpus (run by tools/make-speech-corpus.sh, Debian python3).

Reads data/text/kjv.tsv.gz, kjv-books.tsv and devils-dictionary.jsonl; writes into $OUT: plan.txt (one flite call a
line: file, voice, duration stretch, text), train.tsv, heldout.tsv and committed.tsv (the held-out utterances to
commit under data/speech/heldout/). Sentences are split into clauses of 4-14 words; training and held-out sentences
never share a source (Bible books, dictionary entries) and never share a text.
"""
import gzip, json, os, random, re

ROOT, OUT, COUNT = os.environ["ROOT"], os.environ["OUT"], int(os.environ["SENTENCES"])
TRAIN_VOICES, HELDOUT_VOICE = ["slt", "rms", "kal16"], "awb"
# The validation books of KingJamesBible.DefaultValidationBooks (lib/Data/KingJamesBible.cs): the same split as the
# language-model chapters, so no held-out verse is ever trained on.
VALIDATION_BOOKS = {"Ruth", "Ecclesiastes", "Joel", "Jonah", "Mark", "Galatians"}
HELDOUT_SENTENCES = 120          # per source mix below, spoken in every training voice and in the held-out voice
rng = random.Random(20261201)

ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def words_below_1000(n):
    parts = []
    if n >= 100:
        parts += [ONES[n // 100], "hundred"]
        n %= 100
        if n:
            parts.append("and")
    if n >= 20:
        parts.append(TENS[n // 10] + ("" if n % 10 == 0 else " " + ONES[n % 10]))
    elif n or not parts:
        parts.append(ONES[n])
    return " ".join(parts)


def number_words(n):
    """Cardinal numbers as British/American readers say them: 2431 -> two thousand four hundred and thirty one."""
    if n >= 1000000:
        return number_words(n // 1000000) + " million" + ("" if n % 1000000 == 0 else " " + number_words(n % 1000000))
    if n >= 1000:
        rest = n % 1000
        return words_below_1000(n // 1000) + " thousand" + ("" if rest == 0 else (" and " if rest < 100 else " ") + words_below_1000(rest))
    return words_below_1000(n)


def year_words(y):
    """Years as spoken: 1984 -> nineteen eighty four, 1905 -> nineteen oh five, 2000 -> two thousand."""
    hi, lo = divmod(y, 100)
    if lo == 0:
        return number_words(y) if hi % 10 == 0 else number_words(hi) + " hundred"
    return number_words(hi) + " " + ("oh " + ONES[lo] if lo < 10 else number_words(lo))


def normalise(text):
    """Upper-case words of A-Z and inner apostrophes, numbers written out; None when nothing speakable is left."""
    text = re.sub(r"\d+", lambda m: " " + number_words(int(m.group())) + " ", text)
    text = text.replace("&", " and ").upper()
    text = re.sub(r"[^A-Z' ]+", " ", text)
    words = [w.strip("'") for w in text.split()]
    words = [w for w in words if w]
    return " ".join(words) if words else None


def clauses(text):
    """Clauses of 4-14 words: split at sentence punctuation, then long pieces at commas."""
    for piece in re.split(r"[.;:?!()\[\]\"]+", text):
        parts = [piece]
        if len(piece.split()) > 14:
            parts = piece.split(",")
        for part in parts:
            if re.search(r"[0-9]", part) and len(part) > 60:
                continue
            spoken = normalise(part)
            if spoken and 4 <= len(spoken.split()) <= 14:
                yield spoken


def bible():
    train, held = [], []
    with gzip.open(os.path.join(ROOT, "data/text/kjv.tsv.gz"), "rt", encoding="utf-8") as f:
        next(f)
        for line in f:
            book, _, _, text = line.rstrip("\n").split("\t")
            (held if book in VALIDATION_BOOKS else train).extend(("kjv:" + book, c) for c in clauses(text))
    return train, held


def dictionary():
    train, held = [], []
    with open(os.path.join(ROOT, "data/text/devils-dictionary.jsonl"), encoding="utf-8") as f:
        entries = [json.loads(line) for line in f]
    for i, entry in enumerate(entries):
        # Drop the headword and its part of speech ("ABASEMENT, n.  ") so the clause is prose.
        body = re.sub(r"^[^,]*,\s*[a-z.]+\s+", "", entry["text"].replace("\n", " "))
        # Every eighth entry (in the file's alphabetical order) is held out.
        (held if i % 8 == 0 else train).extend(("devil:" + entry["headword"], c) for c in clauses(body))
    return train, held


FIRST = ("Mary John Alice Peter Susan David Emma James Grace Thomas Sarah Henry Laura George Anna William Helen Robert "
         "Clara Edward Lucy Daniel Rose Michael Kate Samuel Ruth Oliver Jane Arthur Nora Victor Ellen Simon").split()
LAST = ("Smith Brown Taylor Wilson Johnson Walker Wright Green Baker Hill Clark Turner Parker Cooper Ward Morgan Fisher "
        "Hughes Bennett Carter Mitchell Harris Porter Foster Grant Hayes Palmer Reed Sutton Webb").split()
CITIES = "London Boston Paris Denver Chicago Dublin Sydney Berlin Madrid Toronto Glasgow Seattle".split()
DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
MONTHS = "January February March April May June July August September October November December".split()
ORDINALS = ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth "
            "fifteenth sixteenth seventeenth eighteenth nineteenth twentieth").split()


def numbers_and_names(count, r):
    """Sentences with names, times, dates, years, phone numbers and amounts, all written out as spoken."""
    def name():
        return r.choice(FIRST) + " " + r.choice(LAST)

    def time():
        h, m = r.randint(1, 12), r.choice([0, 5, 10, 15, 20, 30, 40, 45, 50])
        return number_words(h) + (" o'clock" if m == 0 else " " + number_words(m))

    def digits(n):
        return " ".join(ONES[r.randint(0, 9)] for _ in range(n))

    templates = [
        lambda: f"{name()} will meet {r.choice(FIRST)} at {time()} on {r.choice(DAYS)}",
        lambda: f"please call {name()} back at {digits(3)} {digits(4)}",
        lambda: f"{name()} was born in {r.choice(CITIES)} in {year_words(r.randint(1850, 2025))}",
        lambda: f"the train to {r.choice(CITIES)} leaves at {time()}",
        lambda: f"{name()} paid {number_words(r.randint(2, 999))} dollars for {number_words(r.randint(2, 40))} books",
        lambda: f"the meeting moved to the {r.choice(ORDINALS)} of {r.choice(MONTHS)}",
        lambda: f"room {number_words(r.randint(100, 999))} is on the {r.choice(ORDINALS[:12])} floor",
        lambda: f"{r.choice(FIRST)} counted {number_words(r.randint(1000, 99999))} votes in {r.choice(CITIES)}",
        lambda: f"send the letter to {name()} before {r.choice(DAYS)}",
        lambda: f"in {year_words(r.randint(1700, 2030))} the town had {number_words(r.randint(200, 9000))} people",
    ]
    seen, result = set(), []
    while len(result) < count:
        spoken = normalise(r.choice(templates)())
        if spoken not in seen:
            seen.add(spoken)
            result.append(("generated", spoken))
    return result


def choose(pool, count, taken):
    """`count` distinct texts from `pool` (source, text) that are not in `taken`, in a seeded order."""
    r = list(pool)
    rng.shuffle(r)
    chosen = []
    for source, text in r:
        if text in taken:
            continue
        taken.add(text)
        chosen.append((source, text))
        if len(chosen) == count:
            break
    if len(chosen) < count:
        raise SystemExit(f"speech_corpus.py: only {len(chosen)} distinct sentences for {count} wanted")
    return chosen


def flite_text(text):
    # flite reads an all-capitals word as letters ("LORD" -> L O R D); lower case is read as a word.
    return text.lower()


bible_train, bible_held = bible()
devil_train, devil_held = dictionary()
generated = numbers_and_names(COUNT // 6 + HELDOUT_SENTENCES // 6 + 50, rng)
taken = set()
# Held-out texts first, so no training sentence repeats one of them (the Bible repeats itself: "and the lord said").
held_generated = generated[: HELDOUT_SENTENCES // 6]
held = choose(bible_held, HELDOUT_SENTENCES * 4 // 6, taken) + choose(devil_held, HELDOUT_SENTENCES // 6, taken) + held_generated
taken.update(text for _, text in held_generated)
train = choose(bible_train, COUNT * 4 // 6, taken) + choose(devil_train, COUNT // 6, taken) + choose(generated[HELDOUT_SENTENCES // 6:], COUNT - COUNT * 4 // 6 - COUNT // 6, taken)

header = "file\tvoice\tsplit\tsource\ttext\n"
with open(os.path.join(OUT, "plan.txt"), "w") as plan, open(os.path.join(OUT, "train.tsv"), "w") as tsv:
    tsv.write(header)
    n = 0
    for source, text in train:
        for voice in TRAIN_VOICES:
            stretch = round(rng.uniform(0.85, 1.2), 2)
            name = f"train/{n:05d}-{voice}.wav"
            plan.write(f"{name}\t{voice}\t{stretch}\t{flite_text(text)}\n")
            tsv.write(f"{name}\t{voice}\ttrain\t{source}\t{text}\n")
            n += 1
    held_rows = []
    for i, (source, text) in enumerate(held):
        for voice in TRAIN_VOICES + [HELDOUT_VOICE]:
            name = f"heldout/{i:04d}-{voice}.wav"
            split = "heldout-voice" if voice == HELDOUT_VOICE else "heldout-sentences"
            plan.write(f"{name}\t{voice}\t1.0\t{flite_text(text)}\n")
            held_rows.append((name, voice, split, source, text))
with open(os.path.join(OUT, "heldout.tsv"), "w") as tsv:
    tsv.write(header)
    for row in held_rows:
        tsv.write("\t".join(row) + "\n")
# Committed clips: short held-out sentences (5-8 words), two per training voice and three in the held-out voice,
# from the Bible, the dictionary and the generated sentences, so the tests have both kinds of held-out speech in well under 1 MB.
def short_from(prefix):
    return [i for i, (source, text) in enumerate(held) if source.startswith(prefix) and 5 <= len(text.split()) <= 8]
bible_short, devil_short, generated_short = short_from("kjv:"), short_from("devil:"), short_from("generated")
picks = {"slt": [bible_short[0], devil_short[0]], "rms": [bible_short[1], generated_short[0]],
         "kal16": [bible_short[2], devil_short[1]], HELDOUT_VOICE: [bible_short[3], devil_short[2], generated_short[1]]}
with open(os.path.join(OUT, "committed.tsv"), "w") as tsv:
    for voice, indices in picks.items():
        for i in indices:
            row = next(r for r in held_rows if r[0] == f"heldout/{i:04d}-{voice}.wav")
            tsv.write("\t".join(row) + "\n")
