#!/usr/bin/env bash
# Generates apps/NN-name.cs, the .NET file-based app of every chapter, from notebooks/NN-name.ipynb (or from the
# notebooks named). With --check it writes nothing and exits 1, naming each app, when apps/ is not what the notebooks
# generate: CI runs that (tools/test-apps.sh). Builds the generator first (a no-op when it is up to date).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dotnet build "$root/tools/Workbook.NotebookToApp/Workbook.NotebookToApp.csproj" --nologo -v q -clp:NoSummary >/dev/null
exec dotnet "$root/tools/Workbook.NotebookToApp/bin/notebook-to-app.dll" --root "$root" "$@"
