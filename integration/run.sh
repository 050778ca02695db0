#!/usr/bin/env bash
# Runs every integration scenario against the debug build; prints 'N passed, N failed'.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
total_pass=0; total_fail=0
for s in "$here"/*.sh; do
  case "$(basename "$s")" in run.sh|lib.sh) continue;; esac
  out="$(bash "$s" 2>&1)"; echo "$out"
  line="$(echo "$out" | grep -E '^[^ ].*: [0-9]+ passed, [0-9]+ failed$' | tail -1)"
  if [ -z "$line" ]; then total_fail=$((total_fail + 1)); echo "FAIL $(basename "$s") did not finish"; continue; fi
  p="$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1/')"
  f="$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\2/')"
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
done
echo "integration: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
