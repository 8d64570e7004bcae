#!/usr/bin/env bash
# Builds the workbook as a static site in artifacts/book/ from the executed notebooks: index.html with the chapter
# table and each chapter's measured runtime, one page per chapter with its outputs and charts, previous/next links and
# one local copy of plotly.js for every page. Nothing is loaded from the network, so the folder can be opened from
# disk (open artifacts/book/index.html) or published as it is (.github/workflows/book.yml does, to GitHub Pages).
#
# Executed copies come from artifacts/notebooks/ (the in-process runner, tools/run-notebooks.sh); a chapter whose copy
# is missing, failed, or older than its notebook or than lib/bin/Workbook.dll is run first.
# Usage: tools/build-book.sh [--executed DIR] [--out DIR]
#   --executed DIR  take executed copies from DIR as they are (e.g. artifacts/jupyter), running nothing
#   --out DIR       where the book goes (default artifacts/book)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
executed=""; out="$root/artifacts/book"
while (($#)); do
  case "$1" in
    --executed) executed="${2:?--executed needs a folder}"; shift 2 ;;
    --out) out="${2:?--out needs a folder}"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-book.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

"$root/tools/setup.sh"
if [ -z "$executed" ]; then
  executed="$root/artifacts/notebooks"
  stale=()
  for notebook in "$root"/notebooks/[0-9][0-9]-*.ipynb; do
    copy="$executed/$(basename "$notebook")"
    # A copy the runner finished carries its runtime in metadata.workbook.execution; a failed run's copy does not.
    if [ ! -f "$copy" ] || [ "$copy" -ot "$notebook" ] || [ "$copy" -ot "$root/lib/bin/Workbook.dll" ] \
       || ! grep -q '"execution"' "$copy"; then
      stale+=("$(basename "$notebook")")
    fi
  done
  if ((${#stale[@]})); then
    echo "Running ${#stale[@]} chapter(s) whose executed copy is missing or stale: ${stale[*]}"
    dotnet "$root/tools/Workbook.Runner/bin/Debug/net10.0/workbook-run.dll" --output-dir "$executed" "${stale[@]}"
  fi
fi
node "$root/tools/book/build-book.mjs" --executed "$executed" --out "$out"
