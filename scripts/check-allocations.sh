#!/usr/bin/env bash
# Runs the in-memory request-path benchmarks and fails when any of them allocates more per request
# than Benchmarks/Thresholds records. Fewer is fine: the script says how to record the new counts.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

swift package --disable-sandbox benchmark thresholds check \
  --target LogoutBenchmarks --path "$PWD/Benchmarks/Thresholds" --no-progress
code=$?
case $code in
  0) echo "allocations: every benchmark at its recorded malloc count" ;;
  4) echo "allocations: fewer mallocs than recorded; record them with 'make allocation-thresholds' and commit" ;;
  *) echo "allocations: more mallocs per request than Benchmarks/Thresholds allows (exit $code)" >&2; exit "$code" ;;
esac
