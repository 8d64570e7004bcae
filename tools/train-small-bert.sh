#!/usr/bin/env bash
# Pretrains the small BERT shipped in data/models/kjv-bert (chapter 12) with masked-language modelling and writes the
# folder atomically. Run once, on a quiet machine (the recorded run, 100 minutes on 2 threads: see
# data/models/kjv-bert/provenance.json):
#   tools/train-small-bert.sh --out /tmp/kjv-bert --threads 2    # then copy the folder to data/models/kjv-bert
# Options (defaults in lib/Encoders/SmallBertSettings.cs): --minutes (training time; the cosine follows the clock) or
# --no-time-budget, --steps --layers --width --heads --vocab --context --batch --lr --warmup --eval-every --seed --threads.
# Afterwards regenerate the golden: /usr/bin/python3 tests/fixtures/kjv-bert/make_golden.py
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build tools/Workbook.SmallBert/Workbook.SmallBert.csproj -c Release -nologo -v quiet >&2
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
exec dotnet tools/Workbook.SmallBert/bin/workbook-small-bert.dll "$@"
