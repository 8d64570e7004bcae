#!/usr/bin/env bash
# Executes notebooks through real Jupyter (the .net-csharp kernel of dotnet-interactive), keeping the
# executed copies with their outputs. Runs setup.sh first, so it works on a fresh Debian 12 machine.
#
# Usage: tools/jupyter/run-notebooks.sh [--output-dir DIR] [--timeout SECONDS] [notebook.ipynb ...]
#   default notebooks: <repo>/notebooks/[0-9][0-9]-*.ipynb, in order
#   --output-dir DIR   where executed copies go (env NOTEBOOK_OUTPUT_DIR; default <repo>/artifacts/jupyter)
#   --timeout SECONDS  per-cell timeout (env NOTEBOOK_TIMEOUT; default 600)
# Stops at the first failing notebook and exits 1 with a last line
#   FAILED <notebook file name> cell <N>: <error>
# where N is 1-based over ALL cells of the notebook, markdown included (cell 1 = first cell in the file)
# -- the same line the in-process runner prints.
#
# Per notebook this is equivalent to (which exits 1 on a failed cell but does not name the cell):
#   . .tools/jupyter/env.sh   # export JUPYTER_PATH=<repo>/.tools/jupyter
#   jupyter nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=.net-csharp \
#     --ExecutePreprocessor.timeout=600 --output-dir artifacts/jupyter notebooks/NN-name.ipynb
# We use execute_notebook.py (nbclient, as nbconvert does) to learn the failing cell's index.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
HERE="$REPO/tools/jupyter"
OUT_DIR="${NOTEBOOK_OUTPUT_DIR:-$REPO/artifacts/jupyter}"
TIMEOUT="${NOTEBOOK_TIMEOUT:-600}"

notebooks=()
while (($#)); do
  case "$1" in
    --output-dir) OUT_DIR="${2:?--output-dir needs a directory}"; shift 2 ;;
    --output-dir=*) OUT_DIR="${1#*=}"; shift ;;
    --timeout) TIMEOUT="${2:?--timeout needs seconds}"; shift 2 ;;
    --timeout=*) TIMEOUT="${1#*=}"; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --) shift; notebooks+=("$@"); break ;;
    -*) echo "run-notebooks.sh: unknown option: $1" >&2; exit 2 ;;
    *) notebooks+=("$1"); shift ;;
  esac
done
if ((${#notebooks[@]} == 0)); then
  shopt -s nullglob
  notebooks=("$REPO"/notebooks/[0-9][0-9]-*.ipynb)   # glob order = numeric order (two-digit prefixes)
  shopt -u nullglob
  ((${#notebooks[@]})) || { echo "run-notebooks.sh: no notebooks match $REPO/notebooks/[0-9][0-9]-*.ipynb" >&2; exit 2; }
fi
# Absolute paths (arguments are relative to the caller's directory) and readable display names.
for i in "${!notebooks[@]}"; do
  [ -f "${notebooks[$i]}" ] || { echo "run-notebooks.sh: no such notebook: ${notebooks[$i]}" >&2; exit 2; }
  notebooks[i]="$(cd "$(dirname "${notebooks[$i]}")" && pwd -P)/$(basename "${notebooks[$i]}")"
done
mkdir -p "$OUT_DIR"; OUT_DIR="$(cd "$OUT_DIR" && pwd -P)"
display() { case "$1" in "$REPO"/*) echo "${1#"$REPO"/}" ;; *) echo "$1" ;; esac; }

"$HERE/setup.sh" --quiet
export JUPYTER_PATH="$REPO/.tools/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"

names=(); secs=(); statuses=(); failed_line=""
errfile="$(mktemp)"; trap 'rm -f "$errfile"' EXIT   # the helper's stderr, shown after the status
total=${#notebooks[@]}
for i in "${!notebooks[@]}"; do
  nb="${notebooks[$i]}"; name="$(display "$nb")"; base="$(basename "$nb")"
  names+=("$name")
  if [ -n "$failed_line" ]; then secs+=("-"); statuses+=("not run"); continue; fi
  printf '[%d/%d] %s ... ' "$((i + 1))" "$total" "$name"
  start=$EPOCHREALTIME
  set +e
  # The kernel's own log (ASP.NET host messages, .NET errors) goes next to the outputs.
  result="$(/usr/bin/python3 "$HERE/execute_notebook.py" "$nb" \
    --output "$OUT_DIR/$base" --display-name "$base" --kernel .net-csharp --timeout "$TIMEOUT" \
    --kernel-log "$OUT_DIR/${base%.ipynb}.kernel.log" 2>"$errfile")"
  rc=$?
  set -e
  s="$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"
  secs+=("$s")
  if ((rc == 0)); then
    statuses+=("ok"); echo "ok (${s} s)"
    cat "$errfile"   # warnings, if any
  else
    statuses+=("FAILED"); echo "FAILED (${s} s)"
    cat "$errfile"
    failed_line="$(grep '^FAILED ' <<<"$result" | tail -n 1)"
    [ -n "$failed_line" ] || failed_line="FAILED $base: execute_notebook.py exited $rc"
    echo "  executed copy: $(display "$OUT_DIR/$base"); kernel log: $(display "$OUT_DIR/${base%.ipynb}.kernel.log")"
  fi
done

echo
width=8; for n in "${names[@]}"; do ((${#n} > width)) && width=${#n}; done
printf "%-${width}s  %8s  %s\n" notebook seconds status
for i in "${!names[@]}"; do
  printf "%-${width}s  %8s  %s\n" "${names[$i]}" "${secs[$i]}" "${statuses[$i]}"
done
echo "executed copies: $(display "$OUT_DIR")"
if [ -n "$failed_line" ]; then
  echo "$failed_line"
  exit 1
fi
