#!/usr/bin/env bash
# Fails if code that parses untrusted bytes can trap on a force unwrap or a forced cast.
# Together with the fuzz targets (fuzz/run.sh) this keeps README's promise that no input
# crashes the broker: arithmetic on attacker integers is checked by the fuzzers and by review
# (use &+ only on bounded values, addingReportingOverflow, or a narrower integer type);
# force unwraps and forced casts are checked here, mechanically.
#
# A line that must keep one (a constant, never attacker data) says why with a trailing
# `// no-trap: <reason>` comment.
set -euo pipefail
cd "$(dirname "$0")/.."
dirs=(Sources/Attestation Sources/TransparencyLog Sources/LeaseholdCore Sources/Codecs Sources/BrokerHTTP/StrictJSON.swift Sources/LeaseholdAPI Sources/Attesters Sources/LeaseholdWorkloadCLI)
# try!, as!, and a postfix ! after an identifier, ) or ] (not !=, not a leading prefix !).
pattern='try!|as!|[A-Za-z0-9_)\]]![^=]|[A-Za-z0-9_)\]]!$'
found="$(grep -rnE "$pattern" "${dirs[@]}" --include='*.swift' | grep -vE '^\S+:\s*//' | grep -v 'no-trap:' || true)"
if [ -n "$found" ]; then
  echo "check-no-traps: force unwraps or forced casts in code that parses untrusted input:" >&2
  echo "$found" >&2
  exit 1
fi
echo "check-no-traps: no force unwraps or forced casts in the parsers (${#dirs[@]} places checked)"
