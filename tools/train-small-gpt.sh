#!/usr/bin/env bash
# Pretrains the small GPT shipped in data/models/kjv-gpt (chapter 09) and writes the folder atomically.
# Run once, on a quiet machine, with one torch thread (the recorded run: see data/models/kjv-gpt/provenance.json):
#   nice -n 10 tools/train-small-gpt.sh --out data/models/kjv-gpt --threads 1
# Options (defaults in lib/LanguageModels/SmallGptSettings.cs): --minutes (training time; the cosine follows the
# clock) or --no-time-budget, --steps --layers --width --heads --vocab --context
# --batch --lr --warmup --eval-every --seed --threads.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build tools/Workbook.SmallGpt/Workbook.SmallGpt.csproj -c Release -nologo -v quiet >&2
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
exec dotnet tools/Workbook.SmallGpt/bin/workbook-small-gpt.dll "$@"
