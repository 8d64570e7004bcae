#!/usr/bin/env bash
# Runs the benchmarks in Release and prints their tables (TorchSharp beside Debian's PyTorch when present).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec dotnet run -c Release --project "$root/benchmarks/Workbook.Benchmarks" -- "$@"
