#!/usr/bin/env bash
# The workbook's whole test suite, as CI runs it (.ci/run calls exactly this):
#   1. set-up, including the Jupyter route (Debian's Jupyter, the pinned dotnet-interactive tool), and the formatting
#      check (tools/format.sh --check: every C# file as CSharpier lays it out);
#   2. dotnet test: unit tests of lib/, the runner, notebook hygiene, every notebook through the in-process
#      runner engine, and the in-process failing-cell proof;
#   3. every notebook through real Jupyter (nbconvert/nbclient on the .NET kernel);
#   4. the Jupyter failing-cell proof;
#   5. the packed library: a console app outside the repository builds against the Workbook package and runs
#      (tools/test-package.sh);
#   6. every chapter as a .NET file-based app (tools/test-apps.sh): apps/ is what the notebooks generate, the proof
#      that a stale app fails that check, and every app built once and run with `dotnet run` to exit 0;
#   7. what a learner sees (tools/test-book.sh): no warning or install noise in either route's executed copies, the
#      book built from them opened in headless Chromium (every chart drew, no JavaScript error, nothing requested
#      from outside the book), and the broken-chart proof.
# Exits non-zero on the first failure.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
start=$SECONDS

"$root/tools/setup.sh" --jupyter

echo "== formatting (CSharpier, tools/format.sh --check)"
"$root/tools/format.sh" --check

echo "== dotnet test"
results="$root/artifacts/test-results"
rm -rf "$results"
dotnet test "$root/Workbook.slnx" --no-build --nologo --logger "trx;LogFileName=workbook.trx" --results-directory "$results"

echo "== notebooks through Jupyter"
"$root/tools/jupyter/run-notebooks.sh"

echo "== Jupyter failing-cell proof"
"$root/tools/jupyter/prove-failure.sh"

echo "== the packed library in a console app outside the repository"
"$root/tools/test-package.sh"

echo "== every chapter as a file-based app"
"$root/tools/test-apps.sh"

echo "== what a learner sees: outputs, the book in headless Chromium, the broken-chart proof"
# The in-process copies are those dotnet test's notebook tests wrote; nothing runs twice.
"$root/tools/test-book.sh" --in-process "$root/artifacts/test-notebooks" --jupyter "$root/artifacts/jupyter"

# One closing line in the plain 'N passed, N failed' form, counted from the test results.
trx="$(find "$results" -name '*.trx' | head -n 1)"
passed=$(grep -o 'passed="[0-9]*"' "$trx" | head -n 1 | tr -dc 0-9)
failed=$(grep -o 'failed="[0-9]*"' "$trx" | head -n 1 | tr -dc 0-9)
notebooks=$(ls "$root"/notebooks/[0-9][0-9]-*.ipynb | wc -l)
apps=$(ls "$root"/apps/[0-9][0-9]-*.cs | wc -l)
echo "Jupyter route: $notebooks notebook(s) passed; failing-cell proofs passed for both routes; the packed library built and ran in a console app; $apps app(s) current and run to exit 0, and the stale-app proof passed; the book's $((notebooks + 1)) pages drew every chart in Chromium and the broken-chart proof passed. Total $((SECONDS - start)) s."
echo "tests: $((passed + notebooks + 4 + apps + 2)) passed, $failed failed"
