#!/usr/bin/env bash
# Fuzz Leasehold's parsers with libFuzzer.
#
#   fuzz/run.sh TARGET SECONDS    run one target for SECONDS (libFuzzer -max_total_time)
#   fuzz/run.sh all SECONDS       run every target for SECONDS each, one after the other
#   fuzz/run.sh list              name the targets
#   fuzz/run.sh build             only build
#
# Builds fuzz/ (a separate package; the main build never links libFuzzer) in release mode
# with -sanitize=fuzzer,address into fuzz/.build, then runs the one binary with
# LEASEHOLD_FUZZ_TARGET=TARGET. Seeds are written afresh each run into fuzz/work/seeds from
# ../shared/vectors (read only), the repository's manifests/ and the library's own writers;
# fuzz/corpus/TARGET (committed seeds) and fuzz/crashes/TARGET (every crash found so far,
# minimized: they must all pass now) are added. New inputs libFuzzer finds go to
# fuzz/work/corpus/TARGET, crashes to fuzz/artifacts/TARGET/. Both are gitignored.
# Exit status: 0 if no target crashed, 1 otherwise. A summary (execs/s, cov, ft, corpus) is
# printed at the end and kept in fuzz/work/summary.tsv.
#
# Environment: LEASEHOLD_FUZZ_SANITIZE (default "fuzzer,address"; "fuzzer" without ASan),
# LEASEHOLD_FUZZ_NO_BUILD=1 (use the binary already built), LEASEHOLD_FUZZ_VECTORS (default
# ../shared/vectors beside the clone), LEASEHOLD_FUZZ_ARGS (extra libFuzzer flags).
set -euo pipefail
fuzz="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$fuzz/.." && pwd)"
cd "$fuzz"

usage() { sed -n '4,7p' "$0" | sed 's/^# *//' >&2; exit 2; }
[ $# -ge 1 ] || usage
target="$1"
seconds="${2:-}"
case "$target" in list|build) ;; *) [[ "$seconds" =~ ^[0-9]+$ ]] || usage ;; esac

sanitize="${LEASEHOLD_FUZZ_SANITIZE:-fuzzer,address}"
vectors="${LEASEHOLD_FUZZ_VECTORS:-$repo/../shared/vectors}"
bin="$fuzz/.build/release/LeaseholdFuzz"

if [ "${LEASEHOLD_FUZZ_NO_BUILD:-0}" != 1 ]; then
  echo "fuzz: building (release, -sanitize=$sanitize) into fuzz/.build" >&2
  nice -n 10 swift build -c release --scratch-path "$fuzz/.build" \
    -Xswiftc "-sanitize=$sanitize" -Xswiftc -enable-testing >&2
fi
[ -x "$bin" ] || { echo "fuzz: $bin is missing" >&2; exit 1; }
[ "$target" = build ] && exit 0

all_targets=$(LEASEHOLD_FUZZ_TARGET=list "$bin" 2>/dev/null | cut -f1)
if [ "$target" = list ]; then LEASEHOLD_FUZZ_TARGET=list "$bin" 2>/dev/null; exit 0; fi
if [ "$target" = all ]; then
  run_targets=$all_targets
else
  grep -qx -- "$target" <<<"$all_targets" || { echo "fuzz: no target \"$target\"; targets: $(echo $all_targets)" >&2; exit 2; }
  run_targets=$target
fi

[ -d "$vectors" ] || echo "fuzz: $vectors is missing; seeding from the repository and generated inputs only" >&2
rm -rf "$fuzz/work/seeds"
mkdir -p "$fuzz/work/seeds" "$fuzz/work/logs"
LEASEHOLD_FUZZ_WRITE_SEEDS="$fuzz/work/seeds" LEASEHOLD_FUZZ_VECTORS="$vectors" LEASEHOLD_FUZZ_REPO="$repo" \
  "$bin" >&2

# Swift's runtime keeps metadata caches for the life of the process; LeakSanitizer would call
# them leaks. Every other ASan check stays on.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
# Swift's own crash backtracer would race ASan and libFuzzer for the crash; let them report it.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}"

summary="$fuzz/work/summary.tsv"
printf 'target\tseconds\truns\texecs_per_sec\tcov\tft\tcorpus\tresult\n' >"$summary"
failed=()
for t in $run_targets; do
  corpus="$fuzz/work/corpus/$t"
  artifacts="$fuzz/artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  dirs=("$corpus" "$fuzz/work/seeds/$t")
  [ -d "$fuzz/corpus/$t" ] && dirs+=("$fuzz/corpus/$t")
  [ -d "$fuzz/crashes/$t" ] && dirs+=("$fuzz/crashes/$t")
  log="$fuzz/work/logs/$t.log"
  echo "fuzz: $t for ${seconds}s" >&2
  set +e
  # shellcheck disable=SC2086
  LEASEHOLD_FUZZ_TARGET="$t" nice -n 10 "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" ${LEASEHOLD_FUZZ_ARGS:-} "${dirs[@]}" >"$log" 2>&1
  status=$?
  set -e
  done_line=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -1 || true)
  field() { sed -nE "s/.* $1: ([0-9]+).*/\\1/p" <<<"$done_line"; }
  runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log" | tail -1)
  eps=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+)/\1/p' "$log" | tail -1)
  corp=$(sed -nE 's/.* corp: ([0-9]+)\/.*/\1/p' <<<"$done_line")
  if [ "$status" -eq 0 ]; then result=ok; else result="FAILED($status)"; failed+=("$t"); fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$seconds" "${runs:-?}" "${eps:-?}" "$(field cov)" "$(field ft)" "${corp:-?}" "$result" >>"$summary"
  if [ "$status" -ne 0 ]; then
    echo "fuzz: $t FAILED (exit $status); log $log; input(s) in $artifacts:" >&2
    grep -E 'ERROR|Fatal error|property violated|SUMMARY|^    #[0-9] ' "$log" | head -20 >&2 || true
    ls -1 "$artifacts" >&2 || true
  fi
done
column -t -s $'\t' "$summary" 2>/dev/null || cat "$summary"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: crashes in: ${failed[*]} (minimize with LEASEHOLD_FUZZ_TARGET=T $bin -minimize_crash=1 -runs=10000 INPUT, then add the input to fuzz/crashes/T/ and a test)" >&2
  exit 1
fi
