#!/usr/bin/env bash
# What a learner sees, tested: the executed notebooks of both routes and the book built from them.
#   1. tools/book/check_outputs.py: no compiler warning and no package-restore or extension-loading message under
#      any cell of the executed copies;
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
