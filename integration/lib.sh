# Shared helpers for the integration scenarios: a pass/fail counter and expectations on
# exit codes and messages. Each scenario sources this and ends with `finish`.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${LEASEHOLD_SHARED:-$ROOT/../shared}"
LEASEHOLD="${LEASEHOLD_BIN:-$ROOT/.build/debug/leasehold}"
WORK="$(mktemp -d)"
# Each scenario has its own known-brokers file (owner commands record and pin the brokers they
# meet), so a port reused by another scenario's broker is not mistaken for a changed broker.
export LEASEHOLD_KNOWN_BROKERS="$WORK/known_brokers"
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

# postgres_db NAME: creates a fresh PostgreSQL database for this scenario and sets PGURL to it.
# Needs LEASEHOLD_TEST_POSTGRES_URL (a database whose user may create databases; .ci/run sets
# it up). Without it, returns 1 after a SKIP line, or a FAIL line if LEASEHOLD_REQUIRE_POSTGRES=1.
postgres_db() {
  PGURL=""
  if [ -z "${LEASEHOLD_TEST_POSTGRES_URL:-}" ]; then
    if [ "${LEASEHOLD_REQUIRE_POSTGRES:-}" = 1 ]; then bad "PostgreSQL is required but LEASEHOLD_TEST_POSTGRES_URL is not set"
    else echo "SKIP PostgreSQL scenario: LEASEHOLD_TEST_POSTGRES_URL is not set"; fi
    return 1
  fi
  local name="lh_it_${1}_$$"
  if ! psql "$LEASEHOLD_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null 2>"$WORK/psql.err"; then
    bad "cannot create database $name: $(cat "$WORK/psql.err")"; return 1
  fi
  PGURL="${LEASEHOLD_TEST_POSTGRES_URL%/*}/$name"
  trap 'rm -rf "$WORK"; jobs -p | xargs -r kill -9 2>/dev/null; psql "$LEASEHOLD_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS '"$name"' WITH (FORCE)" >/dev/null 2>&1' EXIT
}

# json_field FIELD: prints one top-level string field of the JSON object on stdin.
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# log_entries URL [START]: up to 1000 entries of the log at URL from START (JSON Lines), read
# with $LOG_TOKEN (an auditor or the admin token): a broker without --public-log wants one.
log_entries() { curl -sf ${LOG_TOKEN:+-H "Authorization: Bearer $LOG_TOKEN"} "$1/v1/log/entries?start=${2:-0}&limit=1000"; }

# expired_count URL LEASE: how many lease.expired entries the log at URL has for LEASE, once
# the sweepers have had their chance: polls up to 20 s for the first, then waits 2.5 s more
# (over two sweep intervals of 1 s) so that a second one, if any sweeper would log it, shows.
expired_count() {
  local n=0
  for _ in $(seq 1 100); do
    n="$(log_entries "$1" | grep '"kind":"lease.expired"' | grep -c "\"leaseId\":\"$2\"")"
    [ "$n" -ge 1 ] && break
    sleep 0.2
  done
  [ "$n" -ge 1 ] && sleep 2.5
  log_entries "$1" | grep '"kind":"lease.expired"' | grep -c "\"leaseId\":\"$2\""
}

finish() {
  echo "${SCENARIO:-$(basename "$0")}: $pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
