#!/usr/bin/env bash
# Synthesises the speech corpus that tools/train-small-speech.sh trains on, with Debian's flite 2.2, from the
# public-domain texts in data/text/ (the King James Bible and The Devil's Dictionary) plus generated sentences with
# numbers and names. Transcripts use wav2vec2's alphabet: upper-case A–Z, the apostrophe, words split by spaces;
# numbers are written out as words (flite is given the same words, so audio and transcript agree).
#
#   tools/make-speech-corpus.sh [--sentences N] [--out DIR]
#
# Writes DIR (default artifacts/speech-corpus/, regenerated, never committed):
#   train/*.wav, train.tsv        every training sentence once in each training voice (slt, rms, kal16), each
#                                 utterance slowed or sped up at random (flite's duration_stretch 0.85–1.2)
#   heldout/*.wav, heldout.tsv    sentences the model never hears: from the validation books of the Bible
#                                 (KingJamesBible.DefaultValidationBooks), held-out dictionary entries and held-out
#                                 number/name sentences, in the training voices and in awb, a voice it never hears
#   SHA256SUMS
# and rebuilds data/speech/heldout/ (committed, < 1 MB): a few of those held-out utterances with transcripts.tsv and
# SHA256SUMS, for the tests and chapter 13. Deterministic: the same packages and seed give the same files.
# tsv columns: file, voice, split (train | heldout-sentences | heldout-voice), source, text.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sentences=2000
out="$root/artifacts/speech-corpus"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --sentences) sentences="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "make-speech-corpus.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
command -v flite >/dev/null || { echo "make-speech-corpus.sh: install flite first (apt-get install flite)" >&2; exit 1; }
[[ -x /usr/bin/python3 ]] || { echo "make-speech-corpus.sh: needs Debian's /usr/bin/python3" >&2; exit 1; }
for voice in slt rms kal16 awb; do
  flite -lv | grep -qw "$voice" || { echo "make-speech-corpus.sh: flite has no voice '$voice' (Debian's flite 2.2 has it)" >&2; exit 1; }
done

tmp="$out.tmp"
rm -rf "$tmp"; mkdir -p "$tmp/train" "$tmp/heldout"
ROOT="$root" OUT="$tmp" SENTENCES="$sentences" /usr/bin/python3 "$root/tools/speech_corpus.py"
# flite, two at a time, at low priority (the plan is one line per utterance: file, voice, stretch, text).
nice -n 10 xargs -P 2 -d '\n' -n 1 -a "$tmp/plan.txt" bash -c 'IFS=$'"'"'\t'"'"' read -r f v s t <<< "$1"; flite -voice "$v" --setf duration_stretch="$s" -t "$t" -o "$0/$f"' "$tmp"
rm "$tmp/plan.txt"
(cd "$tmp" && find train heldout -name '*.wav' | sort | xargs sha256sum > SHA256SUMS)
rm -rf "$out"; mv "$tmp" "$out"

# The committed held-out clips: the first few of each held-out split, listed by speech_corpus.py.
committed="$root/data/speech/heldout"
rm -rf "$committed.tmp"; mkdir -p "$committed.tmp"
printf 'file\tvoice\tsplit\tsource\ttext\n' > "$committed.tmp/transcripts.tsv"
while IFS=$'\t' read -r file voice split source text; do
  cp "$out/$file" "$committed.tmp/$(basename "$file")"
  printf '%s\t%s\t%s\t%s\t%s\n' "$(basename "$file")" "$voice" "$split" "$source" "$text" >> "$committed.tmp/transcripts.tsv"
done < "$out/committed.tsv"
(cd "$committed.tmp" && sha256sum ./*.wav > SHA256SUMS)
rm -rf "$committed"; mv "$committed.tmp" "$committed"
echo "make-speech-corpus.sh: $(tail -n +2 "$out/train.tsv" | wc -l) training and $(tail -n +2 "$out/heldout.tsv" | wc -l) held-out utterances in $out; $(ls "$committed"/*.wav | wc -l) clips in $committed ($(du -sk "$committed" | cut -f1) kB)"
