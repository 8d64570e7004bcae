#!/usr/bin/env bash
# Set-up for a fresh clone: restores packages, builds the solution (lib/bin/Workbook.dll, the runner, the tests)
# and, with --jupyter, installs the Jupyter route (Debian packages, the pinned dotnet-interactive tool, the
# kernelspec). Idempotent: a second run only rebuilds what changed. Works from any current directory.
#
# The Debian 12 TorchSharp fix (REFERENCE trap 1) runs inside the build (build/TorchSharpNativeFix.targets) and
# prints one line when it changes a file.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

jupyter=false
for arg in "$@"; do
  case "$arg" in
    --jupyter) jupyter=true ;;
    -h|--help) echo "usage: tools/setup.sh [--jupyter]"; exit 0 ;;
    *) echo "setup.sh: unknown argument '$arg' (usage: tools/setup.sh [--jupyter])" >&2; exit 2 ;;
  esac
done

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup.sh: the .NET SDK is not on PATH. Install the .NET 10 SDK (https://dot.net) and run this again." >&2
  exit 1
fi
sdk_major="$(dotnet --version | cut -d. -f1)"
if [ "$sdk_major" -lt 10 ]; then
  echo "setup.sh: found .NET SDK $(dotnet --version); the workbook needs .NET 10 or newer." >&2
  exit 1
fi

echo "Building the workbook (first time: restores ~1 GB of packages, mostly libtorch) ..."
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! dotnet build "$root/Workbook.slnx" --nologo -v minimal -clp:NoSummary >"$log" 2>&1; then
  cat "$log" >&2
  echo "setup.sh: the build failed (errors above)." >&2
  exit 1
fi
# Show what the build changed or warned about (the native fix prints one line per file it patches).
grep -E "Patched |Could not patch|warning" "$log" || true
echo "Built lib/bin/Workbook.dll, the notebook runner, the model server (serving/) and the tests."

if [ "$jupyter" = true ]; then
  "$root/tools/jupyter/setup.sh"
fi
