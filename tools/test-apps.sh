#!/usr/bin/env bash
# Every chapter as a .NET file-based app, as CI checks it (tools/test.sh calls this):
#   1. apps/ is current: regenerating every app from its notebook gives no difference (tools/notebook-to-app.sh --check);
#   2. the proof that this check fails: in a scratch copy, one app edited by hand and one deleted must both be named;
#   3. every app is built once (the library first, then the apps two at a time, each compiling only itself), then run
#      one at a time with `dotnet run --no-build` to exit 0; each chart it says it wrote must exist. Logs go to
#      artifacts/apps/NN-name.log.
# Options: chapter numbers or app names (e.g. 00 14) to build and run only those.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
start=$SECONDS

echo "== apps/ is current"
tools/notebook-to-app.sh --check

echo "== the staleness check fails when an app is stale"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cp -r notebooks apps Directory.Packages.props "$scratch/"
first="$(ls apps/[0-9][0-9]-*.cs | head -n 1)"; last="$(ls apps/[0-9][0-9]-*.cs | tail -n 1)"
echo '// edited by hand' >> "$scratch/$first"
rm "$scratch/$last"
if dotnet tools/Workbook.NotebookToApp/bin/notebook-to-app.dll --check --root "$scratch" > "$scratch/check.log" 2>&1; then
  echo "test-apps.sh: the check passed on a stale apps/ folder:" >&2; cat "$scratch/check.log" >&2; exit 1
fi
for app in "$first" "$last"; do
  if ! grep -q "$app" "$scratch/check.log"; then
    echo "test-apps.sh: the failing check did not name $app:" >&2; cat "$scratch/check.log" >&2; exit 1
  fi
done
echo "the check failed as it must, naming $first (edited) and $last (missing)"

apps=()
if [ "$#" -gt 0 ]; then
  for wanted in "$@"; do apps+=("$(ls apps/"${wanted%.cs}"*.cs | head -n 1)"); done
else
  apps=(apps/[0-9][0-9]-*.cs)
fi
logs="$root/artifacts/apps"
mkdir -p "$logs"
echo "== building ${#apps[@]} app(s)"
build_start=$SECONDS
# The library, and the programs chapters 14 and 17 start, once (no-ops after tools/setup.sh); then each app alone,
# two at a time, without rebuilding the library it references.
for project in lib/Workbook.csproj serving/Workbook.Serving/Workbook.Serving.csproj tools/Workbook.Distributed/Workbook.Distributed.csproj; do
  dotnet build "$project" --nologo -v q -clp:NoSummary > "$logs/build-$(basename "$project" .csproj).log" 2>&1 \
    || { cat "$logs/build-$(basename "$project" .csproj).log" >&2; echo "test-apps.sh: $project does not build (log above)." >&2; exit 1; }
done
build_one() {
  local app="$1" log="$2/$(basename "$1" .cs).build.log"
  dotnet build "$app" --nologo -v q -clp:NoSummary -p:BuildProjectReferences=false > "$log" 2>&1 \
    || { cat "$log" >&2; echo "test-apps.sh: $app does not build (log above)." >&2; return 1; }
}
export -f build_one
printf '%s\n' "${apps[@]}" | xargs -P 2 -I {} bash -c 'build_one "$1" "$2"' _ {} "$logs" \
  || { echo "test-apps.sh: an app does not build (see above)." >&2; exit 1; }
echo "built in $((SECONDS - build_start)) s"

echo "== running ${#apps[@]} app(s)"
for app in "${apps[@]}"; do
  name="$(basename "$app" .cs)"
  app_start=$SECONDS
  # A chapter must finish in 2 minutes on CI's cores; 10 are allowed here so a slow machine does not fail the check.
  if ! timeout 600 dotnet run --no-build "$app" > "$logs/$name.log" 2>&1; then
    tail -n 40 "$logs/$name.log" >&2; echo "test-apps.sh: $app failed (last lines above; all of it in $logs/$name.log)." >&2; exit 1
  fi
  # Each chart line is followed by the page's path; every page must be there and non-empty.
  charts=0
  while IFS= read -r page; do
    [ -s "$page" ] || { echo "test-apps.sh: $app says it wrote $page, which is missing or empty." >&2; exit 1; }
    charts=$((charts + 1))
  done < <(grep -A1 '^Chart [0-9]*' "$logs/$name.log" | grep '^  /.*\.html$' | sed 's/^  //')
  echo "$app: exit 0 in $((SECONDS - app_start)) s, $charts chart page(s)"
done
echo "apps: ${#apps[@]} app(s) current, built and run to exit 0 in $((SECONDS - start)) s"
