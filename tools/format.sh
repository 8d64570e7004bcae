#!/usr/bin/env bash
# Formats the workbook's C# with CSharpier (the version pinned in .config/dotnet-tools.json; .csharpierrc.yaml sets
# the 140-character width), or with --check changes nothing and fails naming every file that is not formatted.
# CSharpier never splits a string literal or rewraps a comment: tests/Workbook.Tests/LibraryLayoutTests.cs holds
# those to 140 characters too.
#   tools/format.sh            format lib/, tests/, tools/, samples/, benchmarks/ and serving/
#   tools/format.sh --check    what tools/test.sh runs
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
version="$(python3 -c 'import json; print(json.load(open(".config/dotnet-tools.json"))["tools"]["csharpier"]["version"])')"
tool_dir="$root/.tools/csharpier-$version"
# A private copy under .tools/, like the Jupyter route's dotnet-interactive: no global install, idempotent.
if [ ! -x "$tool_dir/csharpier" ]; then
  rm -rf "$tool_dir.staging"
  dotnet tool install csharpier --version "$version" --tool-path "$tool_dir.staging" > /dev/null
  rm -rf "$tool_dir" && mv "$tool_dir.staging" "$tool_dir"
fi
if [ "${1:-}" = "--check" ]; then
  if ! "$tool_dir/csharpier" check lib tests tools samples benchmarks serving; then
    echo "tools/format.sh: the files above are not formatted; run tools/format.sh and commit the result." >&2
    exit 1
  fi
else
  "$tool_dir/csharpier" format lib tests tools samples benchmarks serving
fi
