#!/usr/bin/env bash
# What a learner sees, tested: the executed notebooks of both routes and the book built from them.
#   1. tools/book/check_outputs.py: no compiler warning, no raw package-restore or extension-loading message and at
#      most one line of packages per chapter in the executed copies; and its proof on a deliberately noisy copy;
#   2. the book (tools/book/build-book.mjs) from the in-process copies, into artifacts/book/;
#   3. tools/book/check-book.mjs: every page opened in headless Chromium with the network blocked; fails naming the
#      page, cell and chart when a chart drew no marks, on any JavaScript error and on any request outside the book;
#      a screenshot of every page goes to artifacts/book-screenshots/;
#   4. the same for a book built from the Jupyter route's copies (when given), in a temporary folder;
#   5. tools/book/prove-broken-chart.mjs: the same check fails on deliberately broken copies of a page.
# Usage: tools/test-book.sh [--in-process DIR] [--jupyter DIR]
#   --in-process DIR  executed copies of the in-process runner (default artifacts/notebooks)
#   --jupyter DIR     executed copies of the Jupyter route (default artifacts/jupyter, skipped when absent)
# Run the notebooks first (tools/run-notebooks.sh, tools/jupyter/run-notebooks.sh); tools/test.sh does all of it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
in_process="$root/artifacts/notebooks"; jupyter="$root/artifacts/jupyter"; jupyter_given=false
while (($#)); do
  case "$1" in
    --in-process) in_process="${2:?--in-process needs a folder}"; shift 2 ;;
    --jupyter) jupyter="${2:?--jupyter needs a folder}"; jupyter_given=true; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test-book.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
book_tools="$root/tools/book"
[ -d "$book_tools/node_modules/playwright-core" ] || { echo "test-book.sh: run tools/setup.sh first (it installs Chromium and tools/book's npm packages)." >&2; exit 2; }
copies=("$in_process")
if [ -d "$jupyter" ]; then copies+=("$jupyter")
elif $jupyter_given; then echo "test-book.sh: no executed copies in $jupyter" >&2; exit 2; fi

echo "== outputs of the executed copies (${copies[*]#"$root"/})"
/usr/bin/python3 "$book_tools/check_outputs.py" "${copies[@]}"
# Its proof: a copy of the first chapter with the kernel's raw package list, a compiler warning and a second line of
# packages added must fail, naming each.
proof="$(mktemp -d)"
/usr/bin/python3 - "$in_process" "$proof" <<'PY'
import json, os, sys
source, proof = sys.argv[1], sys.argv[2]
name = sorted(f for f in os.listdir(source) if f[:2].isdigit() and f.endswith(".ipynb"))[0]
notebook = json.load(open(os.path.join(source, name), encoding="utf-8"))
code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
code[0].setdefault("outputs", []).append({"output_type": "display_data", "metadata": {}, "data": {"text/html": "<div><strong>Installed Packages</strong><ul><li>TorchSharp, 0.107.0</li></ul></div>"}})
code[1].setdefault("outputs", []).append({"output_type": "stream", "name": "stdout", "text": "(1,1): warning CS1701: Assuming assembly reference ...\n"})
code[1]["outputs"].append({"output_type": "execute_result", "metadata": {}, "execution_count": 1, "data": {"text/plain": "[ 0.009078540839254856 ]"}})
for cell in code[:2]:
    cell["outputs"].append({"output_type": "display_data", "metadata": {}, "data": {"text/html": "<div>Packages: TorchVision 0.107.0</div>"}})
json.dump(notebook, open(os.path.join(proof, name), "w", encoding="utf-8"))
PY
if proof_output="$(/usr/bin/python3 "$book_tools/check_outputs.py" "$proof")"; then
  rm -rf "$proof"; echo "FAILED output-check proof: the checker passed a copy with package noise and a compiler warning" >&2; exit 1
fi
rm -rf "$proof"
for expected in "Installed Packages" "compiler warning" "lines of packages" "all 17 digits"; do
  grep -q "$expected" <<<"$proof_output" || { echo "FAILED output-check proof: the checker did not name '$expected':" >&2; echo "$proof_output" >&2; exit 1; }
done
echo "output-check proof: a copy with package noise, a compiler warning, a 17-digit number and two package lines fails, naming each"

echo "== the book, from ${in_process#"$root"/}"
node "$book_tools/build-book.mjs" --executed "$in_process" --out "$root/artifacts/book"
node "$book_tools/check-book.mjs" --book "$root/artifacts/book" --screenshots "$root/artifacts/book-screenshots"

if [ -d "$jupyter" ]; then
  echo "== a book from the Jupyter route's copies (${jupyter#"$root"/})"
  jupyter_book="$(mktemp -d)"; trap 'rm -rf "$jupyter_book"' EXIT
  node "$book_tools/build-book.mjs" --executed "$jupyter" --out "$jupyter_book/book"
  node "$book_tools/check-book.mjs" --book "$jupyter_book/book" --screenshots "$root/artifacts/book-screenshots/jupyter"
fi

echo "== broken-chart proof"
node "$book_tools/prove-broken-chart.mjs" --book "$root/artifacts/book"
