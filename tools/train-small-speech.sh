#!/usr/bin/env bash
# Trains the small speech recogniser that chapter 13 uses when facebook/wav2vec2-base-960h is not available, once,
# and writes data/models/flite-wav2vec2-small/ (a complete Hugging Face folder with provenance.json). Run once by hand;
# CI runs the same code path on a tiny budget (SpeechRecognizerTrainingTests).
#   tools/train-small-speech.sh [--minutes M] [other workbook-speech-training options]
# Steps: synthesise the corpus with flite when artifacts/speech-corpus/ is missing (tools/make-speech-corpus.sh),
# build the trainer, then train at low priority on --threads torch threads (default 2, this machine's cores; pass
# --threads 1 on a shared machine), into a temporary folder that is moved into place only when the model is saved,
# loaded back and scored. The shipped run's provenance.json has its exact figures, machine and command.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
[[ -f artifacts/speech-corpus/train.tsv && -f artifacts/speech-corpus/heldout.tsv ]] || tools/make-speech-corpus.sh
dotnet build tools/Workbook.SpeechTraining/Workbook.SpeechTraining.csproj -nologo -v q
OMP_NUM_THREADS=2 exec nice -n 10 dotnet tools/Workbook.SpeechTraining/bin/workbook-speech-training.dll \
  --corpus artifacts/speech-corpus --committed data/speech/heldout/transcripts.tsv \
  --out data/models/flite-wav2vec2-small --threads 2 "$@"
