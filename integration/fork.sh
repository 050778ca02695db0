#!/usr/bin/env bash
# No fork (CRYPTO-REVIEW H2 attack 3, L4): a workload keeps the last checkpoint it saw
# (`workload fetch --checkpoint-file`) and refuses a broker whose log does not extend it; the
# broker itself refuses to start on a database rolled back below the checkpoint it signed.
# The fork is made the one way left: the database restored from an older copy AND the
# broker's checkpoint-floor file moved aside (what an operator must never do).
source "$(dirname "$0")/lib.sh"
D="$WORK/data"
PORT=$((20000 + RANDOM % 20000))
URL="http://127.0.0.1:$PORT"
M="5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
SERVER=""
start() {
  "$LEASEHOLD" serve --data-dir "$D" --listen "127.0.0.1:$PORT" --allow-sandbox >>"$WORK/serve.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do curl -sf "$URL/v1/health" >/dev/null && return 0; sleep 0.1; done
  bad "server did not start: $(tail -5 "$WORK/serve.log")"; finish; exit 1
}
stop() { kill -TERM "$SERVER"; wait "$SERVER" 2>/dev/null; }
fetch() { # outdir [more flags]
  "$LEASEHOLD" workload fetch --allow-disk --broker "$URL" --owner acme --lease l1 --tee sandbox --sandbox-measurement "$M" --out "$1" "${@:2}"
}

start
"$LEASEHOLD" owner keygen --out "$WORK/owner" >/dev/null 2>&1
"$LEASEHOLD" owner register --broker "$URL" --admin-token-file "$D/admin.token" --owner acme --public-key "$WORK/owner.pub" >/dev/null 2>&1
head -c 32 /dev/urandom > "$WORK/k1.bin"
"$LEASEHOLD" vault put --broker "$URL" --owner acme --owner-key "$WORK/owner.key" --key-id k1 --from-file "$WORK/k1.bin" >/dev/null 2>&1
cat > "$WORK/l1.yaml" <<YAML
owner: acme
leaseId: l1
purpose: fork test
ttl: 1h
maxGrants: 10
keys: [k1]
workloads:
  - tee: sandbox
    measurement: $M
YAML
YES=""; "$LEASEHOLD" manifest sign --help 2>&1 | grep -q -- "--yes" && YES="--yes"
"$LEASEHOLD" manifest sign "$WORK/l1.yaml" --owner-key "$WORK/owner.key" --out "$WORK/l1.dsse" $YES >/dev/null 2>&1
expect_exit 0 "lease issued" "$LEASEHOLD" lease issue --broker "$URL" "$WORK/l1.dsse"
stop
for f in leasehold.db leasehold.db-wal; do [ -f "$D/$f" ] && cp "$D/$f" "$WORK/aside-$f"; done
start

expect_exit 0 "a workload gets the key and keeps the checkpoint" fetch "$WORK/out1" --checkpoint-file "$WORK/cp"
SEEN="$(sed -n 2p "$WORK/cp")"
expect_exit 0 "  ...and the next grant's log extends it (consistency proof)" fetch "$WORK/out2" --checkpoint-file "$WORK/cp"
[ "$(sed -n 2p "$WORK/cp")" -gt "$SEEN" ] && ok "  ...and the kept checkpoint moved up" || bad "kept checkpoint did not move: $(sed -n 2p "$WORK/cp")"
cp "$WORK/cp" "$WORK/cp-held"
stop

restore() {
  rm -f "$D/leasehold.db" "$D/leasehold.db-wal" "$D/leasehold.db-shm"
  for f in leasehold.db leasehold.db-wal; do [ -f "$WORK/aside-$f" ] && cp "$WORK/aside-$f" "$D/$f"; done
}
restore
expect_exit 1 "the broker refuses to start on the rolled-back database" "$LEASEHOLD" serve --data-dir "$D" --listen "127.0.0.1:$PORT" --allow-sandbox
expect_in "rolled back below the checkpoint this broker signed" "$ERR" "  ...saying so"

# Forced: the floor moved aside, the broker starts and signs a fork of what the workload holds.
mv "$D/checkpoint-floor" "$WORK/floor-aside"
start
expect_exit 0 "a workload without a kept checkpoint is served the forked log" fetch "$WORK/out3"
expect_exit 0 "  ...and another one too" fetch "$WORK/out4"
expect_exit 1 "the workload that kept a checkpoint refuses the fork" fetch "$WORK/out5" --checkpoint-file "$WORK/cp"
expect_in "log-forked" "$ERR" "  ...with log-forked"
[ ! -e "$WORK/out5/k1" ] && ok "  ...and writes no key" || bad "a key was written despite the fork"
cmp -s "$WORK/cp" "$WORK/cp-held" && ok "  ...and keeps its checkpoint" || bad "the kept checkpoint changed"
stop
finish
