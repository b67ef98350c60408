#!/usr/bin/env bash
# Runs the in-memory request-path benchmarks and fails when any of them allocates more per request
# than Benchmarks/Thresholds records. Fewer is fine: the script says how to record the new counts.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

output=$(mktemp)
trap 'rm -f "$output"' EXIT
swift package --disable-sandbox benchmark thresholds check \
  --target LogoutBenchmarks --path "$PWD/Benchmarks/Thresholds" --no-progress 2>&1 | tee "$output"
code=${PIPESTATUS[0]}

# The plugin exits non-zero for fewer mallocs too; its verdict line tells the two apart.
if grep -q "is EQUAL to the defined thresholds" "$output"; then
  echo "allocations: every benchmark at its recorded malloc count"
elif grep -q "is BETTER than the defined thresholds" "$output" && ! grep -q "WORSE" "$output"; then
  echo "allocations: fewer mallocs than recorded; record them with 'make allocation-thresholds' and commit"
else
  echo "allocations: more mallocs per request than Benchmarks/Thresholds allows, or the benchmarks did not run (exit $code)" >&2
  exit 1
fi
