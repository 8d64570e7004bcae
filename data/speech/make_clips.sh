#!/usr/bin/env bash
# Rebuilds data/speech/ from Debian packages: three sentences synthesised with flite (package `flite`), and three
# LibriVox public-domain readings copied from `pocketsphinx-testdata`. Writes transcripts.tsv (file, text).
#   sudo apt-get install flite pocketsphinx-testdata && data/speech/make_clips.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
librivox=/usr/share/pocketsphinx/test/data/librivox
printf 'file\ttext\n' > transcripts.tsv.tmp

synth() {  # file voice text
  flite -voice "$2" -t "$3" -o "$1"
  printf '%s\t%s\n' "$1" "$(echo "$3" | tr '[:lower:]' '[:upper:]' | tr -d '.,!?')" >> transcripts.tsv.tmp
}
synth flite-slt-weather.wav slt "The weather today is sunny with a light breeze from the west."
synth flite-rms-numbers.wav rms "Please call me back at seven thirty tomorrow morning."
synth flite-kal-8khz.wav kal "Speech recognition turns sound into text."          # 8 kHz voice: resampled before use

for id in 0880 0890 0930; do
  name="sense_and_sensibility_01_austen_64kb-$id"
  cp "$librivox/$name.wav" "librivox-$id.wav"
  text=$(grep "($name)" "$librivox/transcription" | sed -e 's/^<s> //' -e 's/ <\/s>.*$//' | tr '[:lower:]' '[:upper:]')
  printf '%s\t%s\n' "librivox-$id.wav" "$text" >> transcripts.tsv.tmp
done
mv transcripts.tsv.tmp transcripts.tsv
sha256sum ./*.wav > SHA256SUMS
