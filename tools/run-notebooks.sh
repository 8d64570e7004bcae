#!/usr/bin/env bash
# Runs the workbook: every notebook (or those named: paths, file names or chapter numbers such as 00) top to
# bottom with the .NET Interactive C# kernel hosted in-process. Executed copies, outputs included, go to
# artifacts/notebooks/. Options after the notebook names are passed to the runner (see --help).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/tools/setup.sh"
exec dotnet "$root/tools/Workbook.Runner/bin/Debug/net10.0/workbook-run.dll" "$@"
