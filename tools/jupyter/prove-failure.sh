#!/usr/bin/env bash
# Proves the Jupyter route fails correctly: running tests/fixtures/failing-cell.ipynb (cell 3 throws)
# must exit non-zero and name the notebook, "cell 3" and the exception message.
# Succeeds (exit 0) only then. Executed copy goes to a temp folder, not artifacts/.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
FIXTURE="$REPO/tests/fixtures/failing-cell.ipynb"
MESSAGE="deliberate failure for the runner test"
out_dir="$(mktemp -d)"; log="$out_dir/run.log"
trap 'rm -rf "$out_dir"' EXIT

set +e
"$REPO/tools/jupyter/run-notebooks.sh" --output-dir "$out_dir" "$FIXTURE" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e

fail() { echo "prove-failure: NOT PROVEN: $*" >&2; exit 1; }
((rc != 0)) || fail "run-notebooks.sh exited 0 on a notebook whose cell 3 throws"
line="$(grep '^FAILED ' "$log" | tail -n 1)" || fail "no FAILED line in the output"
[[ "$line" == *failing-cell.ipynb* ]] || fail "FAILED line does not name failing-cell.ipynb: $line"
[[ "$line" == *"cell 3:"* ]] || fail "FAILED line does not say cell 3: $line"
[[ "$line" == *"$MESSAGE"* ]] || fail "FAILED line lacks the exception message: $line"
# The executed copy keeps the outputs up to the failure and nothing after it.
/usr/bin/python3 - "$out_dir/failing-cell.ipynb" <<'EOF' || fail "executed copy is not as expected"
import sys, nbformat
cells = nbformat.read(sys.argv[1], as_version=4).cells
assert any(o.output_type == "error" for o in cells[2].outputs), "cell 3 has no error output"
assert cells[3].outputs == [] and cells[3].execution_count is None, "cell 4 ran"
EOF
echo "prove-failure: OK (exit $rc; $line)"
