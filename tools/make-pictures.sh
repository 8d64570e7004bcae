#!/usr/bin/env bash
# Makes the README's pictures (docs/pictures/*.png) from the book: the charts listed in tools/book/check-book.mjs
# (PICTURES), screenshotted in headless Chromium while the book is checked. Builds the book first when it is missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ -f "$root/artifacts/book/index.html" ] || "$root/tools/build-book.sh"
node "$root/tools/book/check-book.mjs" --book "$root/artifacts/book" --screenshots "$root/artifacts/book-screenshots" \
  --pictures "$root/docs/pictures"
