# Shared helpers for the integration scenarios: a pass/fail counter and expectations on
# exit codes and messages. Each scenario sources this and ends with `finish`.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${LEASEHOLD_SHARED:-$ROOT/../shared}"
LEASEHOLD="${LEASEHOLD_BIN:-$ROOT/.build/debug/leasehold}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"; jobs -p | xargs -r kill -9 2>/dev/null' EXIT
pass=0
fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

# expect_exit CODE DESC CMD... : runs CMD, wants exit CODE; keeps stdout in $OUT, stderr in $ERR.
expect_exit() {
  local want="$1" desc="$2"; shift 2
  "$@" >"$WORK/out" 2>"$WORK/err"; local rc=$?
  OUT="$(cat "$WORK/out")"; ERR="$(cat "$WORK/err")"
  if [ "$rc" -eq "$want" ]; then ok "$desc"; else bad "$desc: exit $rc, want $want; stderr: $ERR"; fi
}

# expect_in TEXT HAYSTACK DESC
expect_in() {
  case "$2" in *"$1"*) ok "$3";; *) bad "$3: '$1' not in: $2";; esac
}

finish() {
  echo "$(basename "$0"): $pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
