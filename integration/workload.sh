#!/usr/bin/env bash
# The workload side at boot (issue 13): the small `leasehold-workload` binary against a real
# `leasehold serve`. Its package graph (no broker, database, server or verifier code); sandbox
# keys onto tmpfs and the disk refusal, with the time from process start to keys on disk; real
# SEV-SNP and TDX evidence served by a FUSE imitation of configfs-tsm (fake-configfs-tsm.py)
# that must reach the broker's verifier and be refused only for the report data it cannot
# carry; the attester's faults (provider, generation, empty outblob, missing tree, denied),
# none of which sends anything; retry and back-off; and the examples/ a workload owner copies.
source "$(dirname "$0")/lib.sh"
SCENARIO="workload.sh"
WL="${LEASEHOLD_WORKLOAD_BIN:-$(dirname "$LEASEHOLD")/leasehold-workload}"
V="$SHARED/vectors"
FAKE="$ROOT/integration/fake-configfs-tsm.py"
EX="$ROOT/examples"
M="5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
WRONG="$(printf '66%.0s' $(seq 48))"
D="$WORK/data"
PORT=$((20000 + RANDOM % 20000))
URL="http://127.0.0.1:$PORT"
SERVER=""
NONE="$WORK/absent"   # a path that never exists: device nodes this machine must not offer

# Mounts made here (FUSE trees, tmpfs) are undone before lib.sh's cleanup removes $WORK.
MOUNTS=()
cleanup() {
  local m
  for m in "${MOUNTS[@]}"; do
    mountpoint -q "$m" 2>/dev/null || continue
    fusermount3 -u "$m" 2>/dev/null || fusermount -u "$m" 2>/dev/null || umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
  done
  jobs -p | xargs -r kill -9 2>/dev/null
  rm -rf "$WORK"
  [ -n "${SHMDIR:-}" ] && rm -rf "$SHMDIR"
  [ -n "${DISKDIR:-}" ] && rm -rf "$DISKDIR"
}
trap cleanup EXIT

for b in "$LEASEHOLD" "$WL"; do
  [ -x "$b" ] || { bad "no binary $b (build first: swift build)"; finish; exit 1; }
done

# ms_since T0: milliseconds since $EPOCHREALTIME was T0.
ms_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }
log_count() { log_entries "$URL" | grep -c '"seq"'; }
expected() { # ID FIELD: a field of one evidence sample in EXPECTED.json
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(next(e for e in d["evidence"] if e["id"]==sys.argv[2])[sys.argv[3]])' "$V/EXPECTED.json" "$1" "$2"
}

start() {
  "$LEASEHOLD" serve --data-dir "$D" --listen "127.0.0.1:$PORT" --allow-sandbox >>"$WORK/serve.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 150); do curl -sf "$URL/v1/health" >/dev/null && return 0; sleep 0.1; done
  bad "server did not start: $(tail -5 "$WORK/serve.log")"; finish; exit 1
}

# ---------------------------------------------------------------------------------------
# a. The package graph: what each binary links, read from its symbol table. Swift mangles a
# declaration of module NAME as $s<len>NAME..., so `$s4GRDB` starts every symbol GRDB defines.
if command -v nm >/dev/null 2>&1; then
  nm --defined-only "$WL" 2>/dev/null | awk '{print $NF}' > "$WORK/wl.syms"
  nm --defined-only "$LEASEHOLD" 2>/dev/null | awk '{print $NF}' > "$WORK/lh.syms"
  has() { grep -c "^[$]s$2" "$1"; }
  for mod in 4GRDB 11PostgresNIO 11Hummingbird 11Attestation 6Broker 10BrokerHTTP 7Storage; do
    name="${mod#"${mod%%[A-Z]*}"}"
    n_lh="$(has "$WORK/lh.syms" "$mod")"; n_wl="$(has "$WORK/wl.syms" "$mod")"
    [ "$n_lh" -gt 0 ] && ok "leasehold links $name ($n_lh symbols): the check below can fail" || bad "leasehold has no $name symbols: the symbol check is broken"
    [ "$n_wl" -eq 0 ] && ok "  ...leasehold-workload does not link $name" || bad "  ...leasehold-workload links $name ($n_wl symbols, e.g. $(grep -m1 "^[$]s$mod" "$WORK/wl.syms"))"
  done
  for mod in 9Attesters 15LeaseholdClient 12LeaseholdAPI 5Vault; do
    [ "$(has "$WORK/wl.syms" "$mod")" -gt 0 ] && ok "leasehold-workload links ${mod#"${mod%%[A-Z]*}"} (what it needs)" || bad "leasehold-workload has no ${mod#"${mod%%[A-Z]*}"} symbols"
  done
  if command -v readelf >/dev/null 2>&1; then
    readelf -d "$WL" | grep -q 'NEEDED.*sqlite' && bad "leasehold-workload loads libsqlite3: $(readelf -d "$WL" | grep NEEDED | tr -s ' ')" || ok "leasehold-workload does not load libsqlite3"
  fi
  for b in "$LEASEHOLD" "$WL"; do
    strip -o "$WORK/stripped" "$b" 2>/dev/null && echo "     size: $(basename "$b") $(stat -c %s "$b") bytes, stripped $(stat -c %s "$WORK/stripped") bytes"
  done
else
  echo "SKIP the package graph: nm (binutils) is not installed"
fi

# ---------------------------------------------------------------------------------------
# The broker, an owner, two keys and the leases the rest uses.
start
LOGKEY="$(curl -sf "$URL/v1/broker" | json_field logKey)"
"$LEASEHOLD" owner keygen --out "$WORK/owner" >/dev/null
"$LEASEHOLD" owner register --broker "$URL" --admin-token-file "$D/admin.token" --owner acme --public-key "$WORK/owner.pub" >/dev/null 2>&1
LOG_TOKEN="$(cat "$D/admin.token")"  # entries need a reader's token (no --public-log)
head -c 32 /dev/urandom > "$WORK/k1.bin"
head -c 48 /dev/urandom > "$WORK/k2.bin"
for k in k1 k2; do
  "$LEASEHOLD" vault put --broker "$URL" --owner acme --owner-key "$WORK/owner.key" --key-id "$k" --from-file "$WORK/$k.bin" >/dev/null
done
lease() { # leaseId maxGrants keys workload-yaml-lines
  printf 'owner: acme\nleaseId: %s\npurpose: workload integration test\nttl: 1h\nmaxGrants: %s\nkeys: [%s]\nworkloads:\n%s\n' "$1" "$2" "$3" "$4" > "$WORK/$1.yaml"
  "$LEASEHOLD" manifest sign "$WORK/$1.yaml" --owner-key "$WORK/owner.key" --out "$WORK/$1.dsse" --yes >/dev/null \
    && "$LEASEHOLD" lease issue --broker "$URL" "$WORK/$1.dsse" >/dev/null || bad "cannot issue lease $1"
}
SNP_M="$(expected snp-milan-trustee measurement)"
GENOA_M="$(expected snp-genoa-lunal measurement)"
TDX_M="$(expected tdx-phala-b0c06f measurement)"
lease sbx 200 "k1, k2" "  - tee: sandbox
    measurement: $M"
lease snp 50 "k1" "  - tee: sev-snp
    measurement: $SNP_M
    allowDebug: false
  - tee: sev-snp
    measurement: $GENOA_M
    allowDebug: false"
lease tdx 10 "k1" "  - tee: tdx
    mrTd: $TDX_M
    allowDebug: false"

# A memory file system for the keys: our own tmpfs, else /dev/shm.
KEYS="$WORK/tmpfs"
mkdir -p "$KEYS"
if mount -t tmpfs -o size=8m,mode=0700 tmpfs "$KEYS" 2>/dev/null; then
  MOUNTS+=("$KEYS")
else
  SHMDIR="$(mktemp -d /dev/shm/leasehold-it.XXXXXX)"; KEYS="$SHMDIR"
fi
# A disk-backed directory: $WORK, unless /tmp is itself a tmpfs.
DISKDIR=""
DISK="$WORK/disk"
case "$(stat -f -c %T "$WORK")" in tmpfs|ramfs) DISKDIR="$ROOT/.build/workload-it.$$"; DISK="$DISKDIR";; esac

sandbox() { # outdir [flags]
  "$WL" fetch --broker "$URL" --owner acme --lease sbx --tee sandbox --sandbox-measurement "$M" --out "$1" "${@:2}"
}

# ---------------------------------------------------------------------------------------
# b. Sandbox evidence: keys onto tmpfs, 0600, the owner's bytes; a disk refused before anything is sent.
expect_exit 0 "leasehold-workload fetch (sandbox) writes the keys to tmpfs ($(stat -f -c %T "$KEYS"))" sandbox "$KEYS/sbx" --log-key "$LOGKEY"
expect_in "granted 2 key(s) of acme/sbx -> $KEYS/sbx" "$OUT" "  ...and says so"
for k in k1 k2; do
  cmp -s "$WORK/$k.bin" "$KEYS/sbx/$k" && ok "  ...$k is the owner's key ($(stat -c %s "$KEYS/sbx/$k") bytes)" || bad "  ...$k differs from the owner's key"
  [ "$(stat -c %a "$KEYS/sbx/$k")" = 600 ] && ok "  ...$k is mode 0600" || bad "  ...$k mode $(stat -c %a "$KEYS/sbx/$k")"
done
[ "$(stat -c %a "$KEYS/sbx")" = 700 ] && ok "  ...the directory it created is 0700" || bad "  ...directory mode $(stat -c %a "$KEYS/sbx")"
[ -z "$(find "$KEYS/sbx" -name '.*')" ] && ok "  ...and no temporary file is left" || bad "  ...left: $(ls -A "$KEYS/sbx")"
before="$(log_count)"
expect_exit 2 "a disk-backed --out ($(stat -f -c %T "$(dirname "$DISK")")) is refused, exit 2" sandbox "$DISK/keys"
expect_in "not tmpfs or ramfs" "$ERR" "  ...saying it is not tmpfs or ramfs"
expect_in "--allow-disk" "$ERR" "  ...and how to override it"
[ ! -e "$DISK/keys/k1" ] && [ "$(log_count)" = "$before" ] && ok "  ...before anything was sent (no key, no log entry)" || bad "  ...but something was sent or written"
expect_exit 0 "  ...and accepted with --allow-disk" sandbox "$DISK/keys" --allow-disk
cmp -s "$WORK/k1.bin" "$DISK/keys/k1" && ok "  ...with the owner's key" || bad "  ...key differs"
expect_exit 2 "a bad --retry-for is a usage error (exit 2)" sandbox "$KEYS/x" --retry-for soon
expect_exit 2 "an unknown --tee is a usage error (exit 2)" "$WL" fetch --broker "$URL" --owner acme --lease sbx --tee sev --out "$KEYS/x"
expect_exit 0 "leasehold workload fetch (the full binary) runs the same command" \
  "$LEASEHOLD" workload fetch --broker "$URL" --owner acme --lease sbx --tee sandbox --sandbox-measurement "$M" --out "$KEYS/full"
cmp -s "$WORK/k2.bin" "$KEYS/full/k2" && ok "  ...with the same keys" || bad "  ...key differs"

# Process start to keys on disk, 20 runs each (a figure, not a pass/fail).
measure() { # label binary-and-subcommand...
  local label="$1"; shift
  local times=() failed=0 t0 i
  for i in $(seq 1 20); do
    t0=$EPOCHREALTIME
    "$@" fetch --broker "$URL" --owner acme --lease sbx --tee sandbox --sandbox-measurement "$M" --log-key "$LOGKEY" --out "$KEYS/t-$label-$i" >/dev/null 2>&1 || failed=$((failed + 1))
    times+=("$(ms_since "$t0")")
    [ -s "$KEYS/t-$label-$i/k2" ] || failed=$((failed + 1))
  done
  [ "$failed" = 0 ] && ok "$label: 20 fetches, all granted" || bad "$label: $failed of 20 fetches failed"
  printf '%s\n' "${times[@]}" | sort -n | awk -v l="$label" '{ v[NR] = $1 } END { printf "     time: %s fetch, process start to keys on disk (sandbox, local broker, 20 runs): median %.1f ms, p90 %.1f ms, min %.1f ms, max %.1f ms\n", l, (v[10] + v[11]) / 2, v[18], v[1], v[20] }'
}
measure leasehold-workload "$WL"
measure "leasehold workload" "$LEASEHOLD" workload

# ---------------------------------------------------------------------------------------
# The configfs-tsm fake (FUSE): needs /dev/fuse, fusepy and a fusermount.
PYFUSE=""
for py in /usr/bin/python3 python3; do
  if "$py" -c 'import importlib.util as u, sys; sys.exit(0 if u.find_spec("fuse") or u.find_spec("fusepy") else 1)' 2>/dev/null; then PYFUSE="$py"; break; fi
done
FUSE_OK=""
if [ ! -c /dev/fuse ]; then FUSE_WHY="/dev/fuse is missing"
elif [ -z "$PYFUSE" ]; then FUSE_WHY="python3-fusepy is not installed"
elif ! command -v fusermount3 >/dev/null 2>&1 && ! command -v fusermount >/dev/null 2>&1; then FUSE_WHY="fuse3 (fusermount3) is not installed"
else FUSE_OK=1; fi

TSM=""
tsm_mount() { # name fake-options...: serves a fake report tree at $WORK/tsm-NAME, sets TSM
  TSM="$WORK/tsm-$1"; mkdir -p "$TSM"
  "$PYFUSE" "$FAKE" "$TSM" --trace "$WORK/trace-$1" "${@:2}" >"$WORK/fake-$1.log" 2>&1 &
  MOUNTS+=("$TSM")
  for _ in $(seq 1 200); do mountpoint -q "$TSM" && return 0; sleep 0.05; done
  bad "the fake configfs-tsm did not mount: $(tail -3 "$WORK/fake-$1.log")"; return 1
}
tsm_umount() {
  fusermount3 -u "$TSM" 2>/dev/null || fusermount -u "$TSM" 2>/dev/null || umount "$TSM"
  for _ in $(seq 1 50); do mountpoint -q "$TSM" || return 0; sleep 0.05; done
  bad "cannot unmount $TSM"
}
tsm_fetch() { # lease tee outdir [flags]: the real binary against the fake tree, no device nodes
  "$WL" fetch --broker "$URL" --owner acme --lease "$1" --tee "$2" --tsm-root "$TSM" --sev-guest "$NONE" --tdx-guest "$NONE" \
    --gramine-dir "$NONE" --nsm "$NONE" --out "$3" "${@:4}"
}
last_line() { printf '%s\n' "$1" | tail -1; }
starts() { # PREFIX TEXT DESC: the last line of TEXT starts with PREFIX
  case "$(last_line "$2")" in "$1"*) ok "$3";; *) bad "$3: last line: $(last_line "$2")";; esac
}
denial() { # lease: the last log entry about LEASE, as JSON
  log_entries "$URL" | grep "\"leaseId\":\"$1\"" | tail -1
}
entry_field() { python3 -c 'import json,sys; print(json.loads(sys.stdin.read()).get(sys.argv[1], ""))' "$1"; }
no_leftovers() { [ -z "$(ls -A "$TSM")" ] && ok "  ...and the configfs entry was removed (rmdir)" || bad "  ...entries left in the tree: $(ls -A "$TSM")"; }

MILAN="$V/sev-snp/milan-trustee"
GENOA="$V/sev-snp/genoa-lunal"
TDXQ="$V/tdx/phala-dcap-qvl/tdx_quote"
# check_request FILE TEE EVIDENCE [DER-or-PEM ...]: the grant request carried exactly these bytes.
check_request() {
  python3 - "$@" <<'PY'
import base64, json, re, sys
req = json.load(open(sys.argv[1]))
tee, evidence = sys.argv[2], open(sys.argv[3], "rb").read()
want = []
for f in sys.argv[4:]:
    data = open(f, "rb").read()
    pem = re.findall(rb"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", data, re.S)
    want += [base64.b64decode(b"".join(p.split())) for p in pem] if pem else [data]
got = [base64.b64decode(c) for c in (req.get("collateral") or [])]
problems = []
if req["tee"] != tee: problems.append(f"tee {req['tee']}")
if base64.b64decode(req["evidence"]) != evidence: problems.append("evidence bytes differ")
if got != want: problems.append(f"collateral: {len(got)} documents, want {len(want)} ({[len(g) for g in got]} vs {[len(w) for w in want]})")
print("; ".join(problems))
sys.exit(1 if problems else 0)
PY
}

if [ -z "$FUSE_OK" ]; then
  echo "SKIP SEV-SNP and TDX through the configfs-tsm fake, and its fault injection: $FUSE_WHY"
else
  # -------------------------------------------------------------------------------------
  # c. SEV-SNP: the real Milan report and its real certificate table (VCEK, ASK, ARK).
  "$PYFUSE" "$FAKE" --dump-auxblob "$WORK/milan-auxblob.bin" --vcek "$MILAN/test-vcek.der" --ask-ark "$V/sev-snp/amd-kds-cert-chains/ask_ark_milan.pem"
  python3 - "$WORK/milan-auxblob.bin" <<'PY' && ok "the fake's auxblob is a GHCB certificate table: VCEK, ASK, ARK, terminator, DER" || bad "the fake's certificate table is malformed"
import struct, sys, uuid
t = open(sys.argv[1], "rb").read()
kinds = {"63da758d-e664-4564-adc5-f4b93be8accd": "VCEK", "4ab7b379-bbac-4fe4-a02f-05aef327c782": "ASK", "c0b406a4-a803-4952-9743-3fb6014cd0ae": "ARK"}
seen, pos = [], 0
while True:
    g, off, n = t[pos:pos + 16], *struct.unpack_from("<II", t, pos + 16)
    pos += 24
    if g == bytes(16): assert off == n == 0; break
    seen.append(kinds[str(uuid.UUID(bytes=g))])
    assert off >= 96 and t[off] == 0x30 and off + n <= len(t)
sys.exit(0 if seen == ["VCEK", "ASK", "ARK"] else 1)
PY
  if tsm_mount snp --provider sev_guest --outblob "$MILAN/test-report.bin" --vcek "$MILAN/test-vcek.der" --ask-ark "$V/sev-snp/amd-kds-cert-chains/ask_ark_milan.pem"; then
    expect_exit 1 "sev-snp through configfs-tsm (real Milan report + certificate table) is refused" \
      tsm_fetch snp sev-snp "$KEYS/snp" --save-request "$WORK/snp-request.json"
    starts "report-data-mismatch" "$ERR" "  ...with report-data-mismatch first on its last line: genuine evidence that cannot bind our nonce"
    expect_in "evidence: sev-snp from configfs-tsm" "$ERR" "  ...saying which interface made the evidence"
    why="$(check_request "$WORK/snp-request.json" sev-snp "$MILAN/test-report.bin" "$MILAN/test-vcek.der" "$V/sev-snp/amd-kds-cert-chains/ask_ark_milan.pem")" \
      && ok "  ...the request carried the report byte for byte and the VCEK, ASK and ARK as three DER documents" || bad "  ...request: $why"
    e="$(denial snp)"
    [ "$(printf '%s' "$e" | entry_field reason)" = report-data-mismatch ] && [ "$(printf '%s' "$e" | entry_field measurement)" = "$SNP_M" ] \
      && ok "  ...the broker verified the chain and matched the measurement (its key.denied names both)" || bad "  ...log entry: $e"
    [ ! -e "$KEYS/snp/k1" ] && ok "  ...and no key was written" || bad "  ...a key was written"
    grep -q '^inblob 64 bytes generation=1$' "$WORK/trace-snp" && ok "  ...64 bytes of report data went into inblob, applied at close" || bad "  ...trace: $(cat "$WORK/trace-snp")"
    no_leftovers
    expect_exit 1 "--tee auto finds configfs-tsm with provider sev_guest" tsm_fetch snp auto "$KEYS/snp"
    expect_in "evidence: sev-snp from configfs-tsm (configfs-tsm at $TSM has provider sev_guest)" "$ERR" "  ...and says so"
    starts "report-data-mismatch" "$ERR" "  ...and reaches the same refusal"
    no_leftovers
    : > "$WORK/trace-snp"
    expect_exit 1 "--vmpl 0 writes privlevel first, then inblob" tsm_fetch snp sev-snp "$KEYS/snp" --vmpl 0
    starts "report-data-mismatch" "$ERR" "  ...and still reaches the report-data check"
    [ "$(grep -E '^(privlevel|inblob)' "$WORK/trace-snp" | tr '\n' ';')" = "privlevel 0 generation=1;inblob 64 bytes generation=2;" ] \
      && ok "  ...privlevel as ASCII, generation 1, then inblob, generation 2" || bad "  ...trace: $(cat "$WORK/trace-snp")"
    tsm_umount
  fi

  # The Genoa report (v5, CPUID says Genoa) with its own VCEK and the Genoa ASK/ARK.
  if tsm_mount genoa --provider sev_guest --outblob "$GENOA/live-report-v5-genoa.bin" --vcek "$GENOA/live-vcek-genoa.der" --ask-ark "$V/sev-snp/amd-kds-cert-chains/ask_ark_genoa.pem"; then
    expect_exit 1 "sev-snp through configfs-tsm (real Genoa v5 report + certificate table) is refused" tsm_fetch snp sev-snp "$KEYS/snp"
    starts "report-data-mismatch" "$ERR" "  ...with report-data-mismatch"
    [ "$(denial snp | entry_field measurement)" = "$GENOA_M" ] && ok "  ...after the broker matched the Genoa measurement" || bad "  ...log entry: $(denial snp)"
    no_leftovers
    tsm_umount
  fi

  # -------------------------------------------------------------------------------------
  # d. TDX: the real quote (5006 bytes, with its 70 trailing zero bytes), no auxblob.
  if tsm_mount tdx --provider tdx_guest --outblob "$TDXQ"; then
    [ ! -e "$TSM/probe" ] && mkdir "$TSM/probe" && [ "$(ls "$TSM/probe" | tr '\n' ' ')" = "generation inblob outblob provider " ] \
      && ok "the fake's tdx_guest entries show only generation, inblob, outblob, provider (no auxblob)" || bad "tdx_guest entry: $(ls "$TSM/probe" 2>&1)"
    rmdir "$TSM/probe" 2>/dev/null
    expect_exit 1 "tdx through configfs-tsm (real quote) is refused" tsm_fetch tdx tdx "$KEYS/tdx" --save-request "$WORK/tdx-request.json"
    # This broker has no Intel collateral source (no PCS fetcher, no collateral directory) and
    # the TDX attester sends none, so its DCAP verifier stops at the missing PCK CRL.
    starts "evidence-invalid: collateral-missing: " "$ERR" "  ...with evidence-invalid: collateral-missing (the broker has no Intel collateral for it)"
    why="$(check_request "$WORK/tdx-request.json" tdx "$TDXQ")" && ok "  ...the request carried the quote byte for byte, trailing zeros included, and no collateral" || bad "  ...request: $why"
    e="$(denial tdx)"
    [ "$(printf '%s' "$e" | entry_field reason)" = evidence-invalid ] && case "$(printf '%s' "$e" | entry_field detail)" in collateral-missing:*) true;; *) false;; esac \
      && ok "  ...logged as key.denied evidence-invalid, detail collateral-missing" || bad "  ...log entry: $e"
    no_leftovers
    tsm_umount
  fi

  # -------------------------------------------------------------------------------------
  # e. Faults: each a clear error, exit 1 before any grant request (no log entry, no saved request).
  fault() { # name expected-code description fetch-flags... (fake options in FAULT_OPTS)
    local name="$1" code="$2" desc="$3"; shift 3
    local before; before="$(log_count)"
    expect_exit 1 "$desc" tsm_fetch snp sev-snp "$KEYS/fault" --save-request "$WORK/fault-$name.json" "$@"
    starts "evidence-failed: " "$ERR" "  ...as evidence-failed"
    expect_in "$code: " "$ERR" "  ...$code"
    [ "$(log_count)" = "$before" ] && [ ! -e "$WORK/fault-$name.json" ] && ok "  ...nothing was sent (no grant request, no log entry)" || bad "  ...something was sent"
  }
  SNPFILES=(--outblob "$MILAN/test-report.bin" --vcek "$MILAN/test-vcek.der" --ask-ark "$V/sev-snp/amd-kds-cert-chains/ask_ark_milan.pem")
  if tsm_mount provider --provider tdx_guest "${SNPFILES[@]}"; then
    fault provider tsm-provider-mismatch "provider tdx_guest when sev-snp was asked for"
    expect_in '/provider is "tdx_guest' "$ERR" "  ...naming what it found"
    expect_in 'sev-snp needs "sev_guest"' "$ERR" "  ...and what it needs"
    no_leftovers; tsm_umount
  fi
  if tsm_mount bumpread --bump-generation read "${SNPFILES[@]}"; then
    fault bumpread tsm-generation-moved "generation moved while outblob was read"
    expect_in "moved from 1 to 2" "$ERR" "  ...from 1 to 2"
    no_leftovers; tsm_umount
  fi
  if tsm_mount bumpwrite --bump-generation write "${SNPFILES[@]}"; then
    fault bumpwrite tsm-generation-moved "generation moved by another writer at our inblob close"
    expect_in "generation is 2 after our 1 write(s) starting from 0, expected 1" "$ERR" "  ...2, not 1"
    no_leftovers; tsm_umount
  fi
  if tsm_mount empty --empty-outblob "${SNPFILES[@]}"; then
    fault empty empty-outblob "an empty outblob"
    no_leftovers; tsm_umount
  fi
  if tsm_mount floor --privlevel-floor 2 "${SNPFILES[@]}"; then
    fault floor bad-request "--vmpl 1 below privlevel_floor 2" --vmpl 1
    expect_in "privlevel refused 1" "$ERR" "  ...privlevel refused"
    no_leftovers; tsm_umount
  fi
  if tsm_mount deny --deny "${SNPFILES[@]}"; then
    fault deny permission-denied "mkdir denied (EACCES)"
    expect_in "errno 13 (Permission denied)" "$ERR" "  ...with the errno"
    tsm_umount
  fi
  if tsm_mount noprov --no-provider "${SNPFILES[@]}"; then
    fault noprov interface-missing "no provider registered (mkdir: ENXIO)"
    expect_in "has no provider registered" "$ERR" "  ...saying no provider is registered"
    tsm_umount
  fi
fi
# The missing tree needs no FUSE.
before="$(log_count)"
TSM="$WORK/no-such-tsm"
expect_exit 1 "a missing configfs-tsm tree (and no device node) fails" tsm_fetch snp sev-snp "$KEYS/fault" --save-request "$WORK/fault-missing.json"
starts "evidence-failed: interface-missing: " "$ERR" "  ...as evidence-failed: interface-missing"
expect_in "neither $TSM nor $NONE exists" "$ERR" "  ...naming where it looked"
[ "$(log_count)" = "$before" ] && [ ! -e "$WORK/fault-missing.json" ] && ok "  ...nothing was sent" || bad "  ...something was sent"
expect_exit 1 "--tee auto with no interface at all fails closed (no sandbox fallback)" tsm_fetch snp auto "$KEYS/fault"
expect_in "interface-missing: no TEE attestation interface found" "$ERR" "  ...interface-missing"

# ---------------------------------------------------------------------------------------
# f. Retry: a broker that starts late; nothing at all; a refusal; a broker answering 503.
kill -TERM "$SERVER"; wait "$SERVER" 2>/dev/null
t0=$EPOCHREALTIME
sandbox "$KEYS/late" --retry-for 5s --log-key "$LOGKEY" >"$WORK/late.out" 2>"$WORK/late.err" &
late=$!
sleep 1.5
start
wait "$late"; rc=$?
[ "$rc" = 0 ] && ok "--retry-for 5s: a broker that starts 1.5 s late still grants (exit 0 after $(ms_since "$t0") ms, $(grep -c 'attempt [0-9]* failed' "$WORK/late.err") retried attempt(s))" || bad "late broker: exit $rc: $(cat "$WORK/late.err")"
cmp -s "$WORK/k1.bin" "$KEYS/late/k1" && ok "  ...with the owner's key" || bad "  ...key differs"

DEAD=$((20000 + (PORT - 20000 + 7919) % 20000))
curl -s "http://127.0.0.1:$DEAD/" >/dev/null 2>&1 && DEAD=$((DEAD + 1))
t0=$EPOCHREALTIME
expect_exit 3 "--retry-for 1s with nothing listening: exit 3" \
  "$WL" fetch --broker "http://127.0.0.1:$DEAD" --owner acme --lease sbx --tee sandbox --sandbox-measurement "$M" --out "$KEYS/dead" --retry-for 1s
ms="$(ms_since "$t0")"
starts "transport" "$ERR" "  ...transport first on the last line"
expect_in "connection refused" "$ERR" "  ...saying the connection was refused"
# AsyncHTTPClient re-dials a refused port until its connect timeout, which fetch cuts to the
# --retry-for window when that is shorter than 5 s: the window is not overrun by more than
# process start and one last dial.
awk -v m="$ms" 'BEGIN { exit !(m < 2500) }' && ok "  ...within the window ($ms ms for --retry-for 1s)" || bad "  ...took $ms ms"

t0=$EPOCHREALTIME
expect_exit 1 "a refusal is not retried (--retry-for 30s, wrong measurement): exit 1" \
  "$WL" fetch --broker "$URL" --owner acme --lease sbx --tee sandbox --sandbox-measurement "$WRONG" --out "$KEYS/wrong" --retry-for 30s
ms="$(ms_since "$t0")"
starts "measurement-mismatch" "$ERR" "  ...measurement-mismatch"
case "$ERR" in *retrying*) bad "  ...but it retried: $ERR";; *) ok "  ...no retry line";; esac
awk -v m="$ms" 'BEGIN { exit !(m < 5000) }' && ok "  ...at once ($ms ms, window 30 s)" || bad "  ...took $ms ms"

python3 - "$WORK/503.port" "$WORK/503.hits" >"$WORK/503.log" 2>&1 <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def answer(self):
        body = b'{"reason":"unavailable","message":"down for maintenance"}'
        self.send_response(503)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        with open(sys.argv[2], "a") as f:
            f.write(self.command + " " + self.path + "\n")
    do_GET = do_POST = answer
    def log_message(self, *a): pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + ".tmp", "w").write(str(server.server_address[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
PY
p503=$!
for _ in $(seq 1 100); do [ -s "$WORK/503.port" ] && break; sleep 0.05; done
P503="$(cat "$WORK/503.port" 2>/dev/null)"
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$P503/" && break; sleep 0.1; done
: > "$WORK/503.hits"
t0=$EPOCHREALTIME
expect_exit 3 "a broker answering 503 for all of --retry-for 2s: exit 3" \
  "$WL" fetch --broker "http://127.0.0.1:$P503" --owner acme --lease sbx --tee sandbox --sandbox-measurement "$M" --out "$KEYS/503" --retry-for 2s
ms="$(ms_since "$t0")"
hits="$(wc -l < "$WORK/503.hits")"
[ "$hits" -ge 2 ] && ok "  ...after $hits requests in $ms ms" || bad "  ...only $hits request(s): $ERR"
# Back-off with jitter: it stops when the next try would start after the window, so it
# ends somewhere inside the 2 s, never long after.
awk -v m="$ms" 'BEGIN { exit !(m >= 100 && m < 6000) }' && ok "  ...spread over the window" || bad "  ...took $ms ms"
expect_in "attempts in 2s)" "$ERR" "  ...and says how many attempts in 2s"
expect_in "retrying in" "$ERR" "  ...saying when it retries"
kill "$p503"; wait "$p503" 2>/dev/null

# ---------------------------------------------------------------------------------------
# g. The examples.
if command -v systemd-analyze >/dev/null 2>&1; then
  U="$WORK/units"; mkdir -p "$U"
  sed "s#^ExecStart=/usr/local/bin/leasehold-workload #ExecStart=$WL #" "$EX/leasehold-workload.service" > "$U/leasehold-workload.service"
  printf '[Unit]\nDescription=the app that needs the keys\n[Service]\nExecStart=/bin/true\n' > "$U/myapp.service"
  SYSTEMD_UNIT_PATH="$U:" systemd-analyze verify --man=no "$U/leasehold-workload.service" >"$WORK/verify.out" 2>&1
  rc=$?
  [ "$rc" = 0 ] && [ ! -s "$WORK/verify.out" ] && ok "systemd-analyze verify examples/leasehold-workload.service: clean" || bad "systemd-analyze verify: exit $rc: $(cat "$WORK/verify.out")"
  # The same check catches a broken unit (so a clean result means something).
  sed 's/^Type=oneshot/Type=oneshot-typo/' "$U/leasehold-workload.service" > "$U/broken.service"
  SYSTEMD_UNIT_PATH="$U:" systemd-analyze verify --man=no "$U/broken.service" >"$WORK/verify.out" 2>&1
  grep -qi "service type" "$WORK/verify.out" && ok "  ...and it does complain about a broken copy" || bad "  ...a broken unit passed: $(cat "$WORK/verify.out")"
  u="$EX/leasehold-workload.service"
  for line in "Type=oneshot" "RemainAfterExit=yes" "Before=myapp.service" "RequiredBy=myapp.service" "RuntimeDirectory=leasehold" \
              "RuntimeDirectoryPreserve=yes" "NoNewPrivileges=yes" "ProtectSystem=strict" "PrivateTmp=yes" \
              "ReadWritePaths=-/sys/kernel/config/tsm/report" "DeviceAllow=/dev/sev-guest rw" "DeviceAllow=/dev/tdx_guest rw"; do
    grep -qxF "$line" "$u" || bad "  ...the unit lacks $line"
  done
  ok "  ...with Before=, RequiredBy=, RuntimeDirectory= (preserved), RemainAfterExit= and the hardening lines"
  cmd="$(sed -n '/^ExecStart=/,/[^\\]$/p' "$u" | sed 's/\\$//' | tr -s ' \n' ' ' | sed 's/^ExecStart=//')"
  for flag in "--tee auto" "--retry-for 2m" "--out /run/leasehold" "--log-key "; do
    case "$cmd" in *"$flag"*) ;; *) bad "  ...ExecStart lacks $flag: $cmd";; esac
  done
  ok "  ...ExecStart: fetch --tee auto --retry-for 2m --out /run/leasehold, log key pinned"
  # Its flags are the binary's: run that very command line, pointed at local stand-ins (a
  # port nothing listens on, files here, sandbox evidence): exit 3 (unreachable), not 2 (usage).
  printf '%s\n' "$LOGKEY" > "$WORK/unit-broker-log.key"
  cp "$V/roots/intel_sgx_root_ca.pem" "$WORK/unit-broker-ca.pem"   # any PEM certificate
  local_cmd="$(printf '%s' "$cmd" | sed -e "s#https://broker.example.com:8443#http://127.0.0.1:$DEAD#" \
    -e "s#/etc/leasehold/#$WORK/unit-#g" -e "s#/var/lib/leasehold/checkpoint#$WORK/unit-checkpoint#" \
    -e "s#--out /run/leasehold#--out $KEYS/unit#" -e 's#--retry-for 2m#--retry-for 1s#' -e "s#--tee auto#--tee sandbox --sandbox-measurement $M#")"
  read -r -a words <<< "$local_cmd"
  "$WL" "${words[@]:1}" >"$WORK/unit.out" 2>&1; rc=$?
  [ "$rc" = 3 ] && ok "  ...and leasehold-workload takes exactly those flags (exit 3: unreachable, not 2: usage)" || bad "  ...the unit's flags: exit $rc: $(tail -2 "$WORK/unit.out")"
else
  echo "SKIP systemd-analyze verify: systemd-analyze is not installed"
fi

PYYAML=""
for py in python3 /usr/bin/python3; do "$py" -c 'import yaml' 2>/dev/null && { PYYAML="$py"; break; }; done
if [ -n "$PYYAML" ]; then
  "$PYYAML" - "$EX/kubernetes-init-container.yaml" >"$WORK/k8s.out" 2>&1 <<'PY'
import sys, yaml
pod = yaml.safe_load(open(sys.argv[1]))
def need(cond, what):
    if not cond:
        print(what); sys.exit(1)
need(pod.get("apiVersion") == "v1" and pod.get("kind") == "Pod", "not apiVersion v1, kind Pod")
need(isinstance(pod.get("metadata", {}).get("name"), str), "no metadata.name")
spec = pod["spec"]
inits, apps = spec.get("initContainers") or [], spec.get("containers") or []
need(inits and apps, "no initContainers or no containers")
for c in inits + apps:
    need(isinstance(c.get("name"), str) and isinstance(c.get("image"), str), f"container without name/image: {c}")
    for k in ("command", "args"):
        need(all(isinstance(a, str) for a in c.get(k, [])), f"{c['name']}.{k} must be strings (quote numbers)")
vols = {v["name"]: v for v in spec.get("volumes", [])}
mem = [n for n, v in vols.items() if (v.get("emptyDir") or {}).get("medium") == "Memory"]
need(len(mem) == 1, "no emptyDir volume with medium: Memory")
keys = mem[0]
fetch = next((c for c in inits if "leasehold-workload" in " ".join(c.get("command", []))), None)
need(fetch is not None, "no init container runs leasehold-workload")
argv = fetch.get("command", []) + fetch.get("args", [])
need(argv[1:2] == ["fetch"] or "fetch" in argv, "the init container does not run fetch")
out = argv[argv.index("--out") + 1]
mount = next((m for m in fetch.get("volumeMounts", []) if m["name"] == keys), None)
need(mount is not None and mount["mountPath"] == out and not mount.get("readOnly"), f"the init container does not mount {keys} read-write at its --out {out}")
for flag in ("--broker", "--owner", "--lease", "--tee", "--retry-for"):
    need(flag in argv, f"the init container lacks {flag}")
for c in apps:
    m = next((m for m in c.get("volumeMounts", []) if m["name"] == keys), None)
    need(m is not None and m.get("readOnly") is True, f"app container {c['name']} does not mount {keys} readOnly")
    need(not (c.get("securityContext") or {}).get("privileged"), f"app container {c['name']} is privileged")
for v in vols.values():
    kinds = [k for k in v if k != "name"]
    need(len(kinds) == 1, f"volume {v['name']} has {kinds}")
for c in inits + apps:
    for m in c.get("volumeMounts", []):
        need(m["name"] in vols, f"{c['name']} mounts unknown volume {m['name']}")
print(f"Pod {pod['metadata']['name']}: init {[c['name'] for c in inits]}, app {[c['name'] for c in apps]}, keys on emptyDir {keys} (Memory)")
PY
  rc=$?
  [ "$rc" = 0 ] && ok "examples/kubernetes-init-container.yaml: $(cat "$WORK/k8s.out")" || bad "examples/kubernetes-init-container.yaml: $(cat "$WORK/k8s.out")"
else
  echo "SKIP the Kubernetes manifest check: no python3 with PyYAML (python3-yaml)"
fi

expect_exit 0 "bash -n examples/nitro-entrypoint.sh" bash -n "$EX/nitro-entrypoint.sh"
if command -v sh >/dev/null 2>&1; then expect_exit 0 "  ...and sh -n (it is POSIX sh)" sh -n "$EX/nitro-entrypoint.sh"; fi
# Run it: no socat here, keys into a directory that is not tmpfs (it mounts one), an "NSM" that
# exists but answers no ioctl, and first a broker that is not there (exit 3), then the real one
# (the attester fails after the challenge: exit 1). The app after it must not start.
NK="$WORK/nitro-keys"
MOUNTS+=("$NK")
nitro() { # broker-url
  env START_VSOCK_FORWARDER=no BROKER_URL="$1" LEASE_OWNER=acme LEASE_ID=snp LOG_KEY="$WORK/unit-broker-log.key" CA_FILE="$NONE" \
    RETRY_FOR=1s KEY_DIR="$NK" NSM_DEVICE=/dev/null LEASEHOLD_WORKLOAD="$WL" sh "$EX/nitro-entrypoint.sh" touch "$WORK/app-started"
}
printf '%s\n' "$LOGKEY" > "$WORK/unit-broker-log.key"
expect_exit 3 "nitro-entrypoint.sh with the broker unreachable: exit 3" nitro "http://127.0.0.1:$DEAD"
expect_in "only through vsock" "$ERR" "  ...explaining the vsock proxies"
[ "$(stat -f -c %T "$NK")" = tmpfs ] && ok "  ...after mounting a tmpfs on its key directory" || bad "  ...key directory on $(stat -f -c %T "$NK")"
expect_exit 1 "nitro-entrypoint.sh when attestation fails: exit 1" nitro "$URL"
expect_in "evidence-failed: " "$ERR" "  ...with the workload's reason"
expect_in "Not starting the app" "$ERR" "  ...and a clear last word"
[ ! -e "$WORK/app-started" ] && ok "  ...the app did not start" || bad "  ...the app started without keys"

kill -TERM "$SERVER"; wait "$SERVER" 2>/dev/null
finish
