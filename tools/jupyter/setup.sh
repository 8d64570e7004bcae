#!/usr/bin/env bash
# Prepares the real Jupyter route for the workbook's notebooks (Debian 12):
#   1. Debian's Jupyter packages (nbconvert/nbclient + jupyter_client, no ipykernel: the kernel is .NET);
#   2. a private copy of the dotnet-interactive tool, version pinned in .config/dotnet-tools.json,
#      under <repo>/.tools/dotnet-interactive, with its FSharp.Core.dll replaced by the version named in
#      Directory.Packages.props (Plotly.NET 6 needs FSharp.Core 10.1; the tool bundles 10.0);
#   3. the .NET kernelspecs in <repo>/.tools/jupyter/kernels, calling that tool by absolute path;
#   4. <repo>/.tools/jupyter/env.sh, to source before starting your own `jupyter lab`/`jupyter notebook`.
# Idempotent: prints one line per thing it changed, or one "up to date" line (none with --quiet).
# Works from any current directory. Usage: tools/jupyter/setup.sh [--quiet]
set -euo pipefail

QUIET=0
for arg in "$@"; do
  case "$arg" in
    --quiet) QUIET=1 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
TOOLS="$REPO/.tools"                      # git-ignored
TOOL_DIR="$TOOLS/dotnet-interactive"      # `dotnet tool install --tool-path` target
TOOL_EXE="$TOOL_DIR/dotnet-interactive"   # the tool's apphost
JUPYTER_DIR="$TOOLS/jupyter"              # goes on JUPYTER_PATH; kernelspecs live in its kernels/
KERNELS="$JUPYTER_DIR/kernels"
ENV_FILE="$JUPYTER_DIR/env.sh"
TOOL_ID="microsoft.dotnet-interactive"
# Debian's interpreter, which has the apt-installed Jupyter modules (the `python3` first on PATH may be
# another installation, e.g. pyenv, without them).
PY=/usr/bin/python3

CHANGED=0
changed() { CHANGED=1; echo "setup: $*"; }
die() { echo "setup: ERROR: $*" >&2; exit 1; }
# Runs a noisy command; shows its output only if it fails.
quietly() {
  local log; log="$(mktemp)"
  if ! "$@" >"$log" 2>&1; then cat "$log" >&2; rm -f "$log"; die "failed: $*"; fi
  rm -f "$log"
}

# --- 1. Debian packages -------------------------------------------------------------------------------
# jupyter-nbconvert: `jupyter nbconvert --execute`; python3-nbclient: the executor run-notebooks.sh uses;
# jupyter-client: kernelspecs and kernel launching (pulls python3-zmq); jupyter-core: `jupyter` command,
# JUPYTER_PATH handling. No ipykernel: that is the *Python* kernel; .NET brings its own. Recommends
# (pandoc, ...) are not needed for notebook-to-notebook execution.
APT_PACKAGES=(jupyter-nbconvert python3-nbclient jupyter-client jupyter-core)
command -v dpkg-query >/dev/null || die "this script targets Debian/Ubuntu (dpkg-query not found)"
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q ' installed$' || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "need root or sudo to install: ${missing[*]}"
    SUDO=(sudo)
  fi
  quietly "${SUDO[@]}" apt-get update   # only when something must be installed
  quietly "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
  changed "installed Debian packages: ${missing[*]}"
fi

# --- versions: one source of truth each ---------------------------------------------------------------
TOOL_VERSION="$("$PY" - "$REPO/.config/dotnet-tools.json" "$TOOL_ID" <<'EOF'
import json, sys
print(json.load(open(sys.argv[1]))["tools"][sys.argv[2]]["version"])
EOF
)" || die "cannot read the $TOOL_ID version from .config/dotnet-tools.json"
FSHARP_VERSION="$("$PY" - "$REPO/Directory.Packages.props" <<'EOF'
import sys, xml.etree.ElementTree as ET
v = [e.get("Version") for e in ET.parse(sys.argv[1]).iter("PackageVersion") if e.get("Include") == "FSharp.Core"]
if not v: sys.exit("no PackageVersion for FSharp.Core")
print(v[0])
EOF
)" || die "cannot read the FSharp.Core version from Directory.Packages.props"

command -v dotnet >/dev/null || die "the .NET SDK (dotnet) is not on PATH"
# The apphost must find the runtime even where dotnet is not in a default location (e.g. ~/.dotnet).
DOTNET_ROOT_DIR="$(dirname "$(readlink -f "$(command -v dotnet)")")"

# --- 2. the private, pinned dotnet-interactive --------------------------------------------------------
# Not `dotnet tool restore`: a manifest-installed tool lives in the shared NuGet cache, which we must not
# modify (we replace a DLL below). A --tool-path install is a private copy under .tools/.
STORE_PKG="$TOOL_DIR/.store/$TOOL_ID/$TOOL_VERSION"
if [ ! -x "$TOOL_EXE" ] || [ ! -d "$STORE_PKG" ]; then
  # Install into a staging folder and move it into place, so an interrupted install is never mistaken
  # for a finished one. (The apphost finds its DLL by a path relative to itself, so moving is safe.)
  staging="$TOOLS/.dotnet-interactive.staging"
  rm -rf "$staging"; mkdir -p "$TOOLS"
  # Run from the repo so its nuget.config (package sources) applies.
  (cd "$REPO" && quietly dotnet tool install --tool-path "$staging" "$TOOL_ID" --version "$TOOL_VERSION")
  rm -rf "$TOOL_DIR" "$KERNELS"   # any other version goes, and kernelspecs are regenerated below
  mv "$staging" "$TOOL_DIR"
  changed "installed $TOOL_ID $TOOL_VERSION in ${TOOL_DIR#"$REPO"/}"
fi
APP_DLL="$(find "$STORE_PKG" -path '*/tools/*/any/Microsoft.DotNet.Interactive.App.dll' -print -quit)"
[ -n "$APP_DLL" ] || die "Microsoft.DotNet.Interactive.App.dll not found under $STORE_PKG"
APP_DIR="$(dirname "$APP_DLL")"

# --- 2b. FSharp.Core ----------------------------------------------------------------------------------
# Only the DLL is swapped. The tool's .deps.json still says FSharp.Core 10.0.x / assembly 10.0.0.0; that
# is fine: the host only uses it to put the file on the trusted-platform list, and the runtime accepts a
# higher assembly version than referenced (verified: Plotly.NET charts render, F# kernel still works).
NUGET_CACHE="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
FSHARP_DLL="$NUGET_CACHE/fsharp.core/$FSHARP_VERSION/lib/netstandard2.1/FSharp.Core.dll"
if [ ! -f "$FSHARP_DLL" ]; then
  # Not in the NuGet cache yet: restore it with a throwaway project (outside the repo, so the repo's
  # central package management does not apply; with the repo's nuget.config for the package sources).
  tmp="$(mktemp -d)"
  cat >"$tmp/fsharp-core-fetch.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>netstandard2.1</TargetFramework>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
    <DisableImplicitFSharpCoreReference>true</DisableImplicitFSharpCoreReference>
  </PropertyGroup>
  <ItemGroup><PackageReference Include="FSharp.Core" Version="$FSHARP_VERSION" /></ItemGroup>
</Project>
EOF
  quietly dotnet restore "$tmp/fsharp-core-fetch.csproj" --configfile "$REPO/nuget.config"
  rm -rf "$tmp"
  [ -f "$FSHARP_DLL" ] || die "restored FSharp.Core $FSHARP_VERSION but $FSHARP_DLL is missing"
  changed "restored FSharp.Core $FSHARP_VERSION into the NuGet cache"
fi
TOOL_FSHARP="$APP_DIR/FSharp.Core.dll"
if [ "$(sha256sum <"$FSHARP_DLL")" != "$(sha256sum <"$TOOL_FSHARP")" ]; then
  cp "$FSHARP_DLL" "$TOOL_FSHARP.new" && mv -f "$TOOL_FSHARP.new" "$TOOL_FSHARP"   # atomic replace
  changed "replaced the tool's FSharp.Core.dll with FSharp.Core $FSHARP_VERSION"
fi

# --- 3. kernelspecs -----------------------------------------------------------------------------------
# `jupyter install` writes argv ["dotnet", "interactive", ...], which needs a global/manifest tool; ours
# is a --tool-path install, so argv[0] becomes the absolute path of its apphost (plus DOTNET_ROOT).
# Also --http-local-only: by default the kernel's HTTP API (ports 2048-3000, used by notebook JavaScript
# to reach the kernel) listens on every network interface.
if [ ! -f "$KERNELS/.net-csharp/kernel.json" ]; then
  staging="$JUPYTER_DIR/.kernels.staging"
  rm -rf "$staging"; mkdir -p "$staging"
  quietly env DOTNET_ROOT="$DOTNET_ROOT_DIR" "$TOOL_EXE" jupyter install --path "$staging"
  [ -f "$staging/.net-csharp/kernel.json" ] || die "dotnet-interactive did not write a .net-csharp kernelspec"
  rm -rf "$KERNELS"; mv "$staging" "$KERNELS"
  changed "registered .NET kernelspecs in ${KERNELS#"$REPO"/}"
fi
# Rewrite every .NET kernelspec (C# is the one the workbook needs; F#/PowerShell would otherwise be
# broken entries in the user's kernel list). Prints the names it changed; rewrites atomically.
rewritten="$("$PY" - "$KERNELS" "$TOOL_EXE" "$DOTNET_ROOT_DIR" <<'EOF'
import glob, json, os, sys
kernels, exe, dotnet_root = sys.argv[1:]
for path in sorted(glob.glob(os.path.join(kernels, ".net-*", "kernel.json"))):
    with open(path) as f:
        spec = json.load(f)
    argv = spec["argv"]
    if argv[:2] == ["dotnet", "interactive"]:
        argv = argv[2:]
    elif os.path.basename(argv[0]) == "dotnet-interactive":
        argv = argv[1:]
    if "--http-local-only" not in argv:
        argv = argv + ["--http-local-only"]
    new = dict(spec, argv=[exe] + argv, env=dict(spec.get("env", {}), DOTNET_ROOT=dotnet_root))
    if new != spec:
        with open(path + ".new", "w") as f:
            json.dump(new, f, indent=2)
            f.write("\n")
        os.replace(path + ".new", path)
        print(f"kernelspec {os.path.basename(os.path.dirname(path))}: argv now {' '.join(new['argv'][:2])} ...")
EOF
)"
if [ -n "$rewritten" ]; then
  while IFS= read -r line; do changed "$line"; done <<<"$rewritten"
fi

# --- 4. env.sh ----------------------------------------------------------------------------------------
# JUPYTER_PATH (not JUPYTER_DATA_DIR): it only adds a search location, so the user's own Jupyter data
# (settings, other kernels) stays where it is, and it wins over a user-wide .net-csharp kernelspec.
env_text="# Generated by tools/jupyter/setup.sh. Source it to use the workbook's .NET kernels from your own
# Jupyter (jupyter lab / jupyter notebook / jupyter nbconvert):  . $ENV_FILE
case \":\${JUPYTER_PATH:-}:\" in
  *\":$JUPYTER_DIR:\"*) ;;
  *) export JUPYTER_PATH=\"$JUPYTER_DIR\${JUPYTER_PATH:+:\$JUPYTER_PATH}\" ;;
esac"
if [ ! -f "$ENV_FILE" ] || [ "$(cat "$ENV_FILE")" != "$env_text" ]; then
  printf '%s\n' "$env_text" >"$ENV_FILE.new" && mv -f "$ENV_FILE.new" "$ENV_FILE"
  changed "wrote ${ENV_FILE#"$REPO"/}"
fi

# --- check --------------------------------------------------------------------------------------------
if ((CHANGED)); then
  # Something changed: prove Jupyter resolves .net-csharp to our kernelspec.
  found="$(JUPYTER_PATH="$JUPYTER_DIR" "$PY" -c 'import jupyter_client.kernelspec as k; print(k.KernelSpecManager().get_kernel_spec(".net-csharp").resource_dir)')"
  [ "$found" = "$KERNELS/.net-csharp" ] || die "Jupyter resolves .net-csharp to $found, not $KERNELS/.net-csharp"
  echo "setup: to use the .net-csharp kernel from your own Jupyter: export JUPYTER_PATH=$JUPYTER_DIR  (or: . ${ENV_FILE#"$REPO"/})"
elif ((!QUIET)); then
  echo "setup: up to date (dotnet-interactive $TOOL_VERSION, FSharp.Core $FSHARP_VERSION; use: export JUPYTER_PATH=$JUPYTER_DIR)"
fi
