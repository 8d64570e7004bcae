#!/usr/bin/env bash
# Set-up for a fresh clone: restores packages, builds the solution (lib/bin/Workbook.dll, the runner, the tests)
# and, with --jupyter, installs the Jupyter route (Debian packages, the pinned dotnet-interactive tool, the
# kernelspec). Idempotent: a second run only rebuilds what changed. Works from any current directory.
#
# Open MPI (chapter 17 and its tests launch `mpirun`): Debian's openmpi-bin and libopenmpi-dev, installed with apt
# when mpirun or libmpi.so.40 is missing (root, or sudo). Elsewhere it says what to install and goes on.
#
# Chromium and Node.js (the book and its browser test): Debian's chromium, nodejs and npm, likewise installed when
# missing, then `npm ci` in tools/book.
#
# Fashion-MNIST (chapters 07 and 08): Debian's dataset-fashion-mnist (30 MB, MIT licence), installed the same way when
# /usr/share/datasets/fashion-mnist lacks its four files. If it cannot be installed, setup says so and goes on: the
# chapters then use the 8×8 digits in data/ and say so in one line.
#
# The Debian 12 TorchSharp fix (libLibTorchSharp.so asks for GLIBCXX_3.4.32, which Debian 12 lacks) runs inside the build (build/TorchSharpNativeFix.targets) and
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

# Installs Debian packages with apt (as root, or with sudo). Where that is impossible it says what to install, for
# what, and returns 1; a failed installation stops the set-up.
apt_install() {
  local why="$1"; shift
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup.sh: $* missing and this is not a Debian/Ubuntu system: install them ($why)." >&2
    return 1
  fi
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "setup.sh: $* missing; as root run: apt-get install $* ($why)." >&2
      return 1
    fi
    sudo=(sudo)
  fi
  local apt_log; apt_log="$(mktemp)"
  if ! { "${sudo[@]}" apt-get update && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
         apt-get install -y --no-install-recommends "$@"; } >"$apt_log" 2>&1; then
    cat "$apt_log" >&2; rm -f "$apt_log"
    echo "setup.sh: installing $* failed (output above)." >&2
    exit 1
  fi
  rm -f "$apt_log"
}

ensure_open_mpi() {
  # ldconfig lives in /sbin, off a normal user's PATH; read its whole output (grep -q would close the pipe early and,
  # with pipefail, make the check fail).
  local ldconfig_bin cache=""
  ldconfig_bin="$(command -v ldconfig || echo /sbin/ldconfig)"
  [ -x "$ldconfig_bin" ] && cache="$("$ldconfig_bin" -p 2>/dev/null || true)"
  if command -v mpirun >/dev/null 2>&1 && [[ "$cache" == *"libmpi.so.40 "* ]]; then
    return 0
  fi
  apt_install "Open MPI 4, mpirun and libmpi.so.40, for chapter 17 and its tests" openmpi-bin libopenmpi-dev || return 0
  echo "Installed Debian packages: openmpi-bin libopenmpi-dev ($(mpirun --version 2>/dev/null | head -1))."
}
ensure_open_mpi

# The book and its browser test (tools/build-book.sh, tools/test-book.sh): Debian's chromium and Node.js, and the two
# npm packages of tools/book (marked, playwright-core, pinned by its package-lock.json; playwright-core drives
# /usr/bin/chromium and downloads no browser).
ensure_book_tools() {
  local packages=()
  command -v chromium >/dev/null 2>&1 || packages+=(chromium)
  command -v node >/dev/null 2>&1 || packages+=(nodejs)
  command -v npm >/dev/null 2>&1 || packages+=(npm)
  if ((${#packages[@]})); then
    apt_install "the book and its browser test" "${packages[@]}" || return 0
    echo "Installed Debian packages: ${packages[*]}."
  fi
  local book="$root/tools/book"
  if [ ! -f "$book/node_modules/.package-lock.json" ] || [ "$book/package-lock.json" -nt "$book/node_modules/.package-lock.json" ]; then
    local npm_log; npm_log="$(mktemp)"
    if ! (cd "$book" && npm ci --no-audit --no-fund) >"$npm_log" 2>&1; then
      cat "$npm_log" >&2; rm -f "$npm_log"
      echo "setup.sh: npm ci in tools/book failed (output above)." >&2
      exit 1
    fi
    rm -f "$npm_log"
    echo "Installed the book's npm packages in tools/book/node_modules."
  fi
}
ensure_book_tools

# Fashion-MNIST is optional: without it chapters 07 and 08 use the 8×8 digits and say so, so a failed install only warns.
ensure_fashion_mnist() {
  local folder=/usr/share/datasets/fashion-mnist file missing=false
  for file in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
    [ -f "$folder/$file" ] || missing=true
  done
  "$missing" || return 0
  if ! (apt_install "Fashion-MNIST for chapters 07 and 08" dataset-fashion-mnist); then
    echo "setup.sh: chapters 07 and 08 will use the 8×8 digits (or set WORKBOOK_FASHION_MNIST to a folder with the four IDX files)." >&2
    return 0
  fi
  echo "Installed Debian package: dataset-fashion-mnist (Fashion-MNIST in $folder)."
}
ensure_fashion_mnist

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
