#!/usr/bin/env bash
# Two brokers, one PostgreSQL database: the deployment for several replicas. They share the
# data directory's keys; the database serialises their writes. A lease's maxGrants holds across
# both under concurrent load, its expiry is logged once though both sweep, the log is one
# unbroken chain, and a broker with another log key is refused the database.
source "$(dirname "$0")/lib.sh"
postgres_db replicas || { finish; exit $?; }
export LEASEHOLD_DATABASE_URL="$PGURL"
M="$(printf '5a%.0s' $(seq 48))"
P1=$((20000 + RANDOM % 20000)); P2=$((P1 + 1))
U1="http://127.0.0.1:$P1"; U2="http://127.0.0.1:$P2"

start() { # datadir port
  "$LEASEHOLD" serve --data-dir "$1" --listen "127.0.0.1:$2" --allow-sandbox --sweep-interval 1 >>"$WORK/serve-$2.log" 2>&1 &
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$2/v1/health" >/dev/null && return 0; sleep 0.1; done
  bad "server on $2 did not start: $(tail -5 "$WORK/serve-$2.log")"; finish; exit 1
}

manifest() { # leaseId ttl maxGrants
  printf 'owner: acme\nleaseId: %s\npurpose: replicas\nttl: %s\nmaxGrants: %s\nkeys: [k1]\nworkloads:\n  - tee: sandbox\n    measurement: %s\n' "$1" "$2" "$3" "$M" > "$WORK/$1.yaml"
  "$LEASEHOLD" manifest sign "$WORK/$1.yaml" --owner-key "$WORK/owner.key" --out "$WORK/$1.dsse" --yes >/dev/null
}

start "$WORK/d1" "$P1"
S1=$!
cp -a "$WORK/d1" "$WORK/d2"   # the second replica: same log key, root key and admin token
start "$WORK/d2" "$P2"
S2=$!
ok "two replicas serve one database"
K1="$(curl -sf "$U1/v1/broker" | json_field logKey)"; K2="$(curl -sf "$U2/v1/broker" | json_field logKey)"
[ "$K1" = "$K2" ] && ok "  ...with one log key" || bad "replicas publish different log keys: $K1 / $K2"

"$LEASEHOLD" owner keygen --out "$WORK/owner" >/dev/null
expect_exit 0 "owner registered through replica 1" "$LEASEHOLD" owner register --broker "$U1" --admin-token-file "$WORK/d1/admin.token" --owner acme --public-key "$WORK/owner.pub"
LOG_TOKEN="$(cat "$WORK/d1/admin.token")"  # entries need a reader's token (no --public-log)
head -c 32 /dev/urandom > "$WORK/k1.bin"
expect_exit 0 "key stored through replica 2" "$LEASEHOLD" vault put --broker "$U2" --owner acme --owner-key "$WORK/owner.key" --key-id k1 --from-file "$WORK/k1.bin"
manifest shared 1h 20
expect_exit 0 "lease (maxGrants 20) issued through replica 1" "$LEASEHOLD" lease issue --broker "$U1" "$WORK/shared.dsse"

N=40
for i in $(seq 1 $N); do
  u="$U1"; [ $((i % 2)) = 0 ] && u="$U2"
  ( "$LEASEHOLD" workload fetch --allow-disk --broker "$u" --owner acme --lease shared --tee sandbox --sandbox-measurement "$M" --out "$WORK/got/$i" > "$WORK/f-$i.out" 2>&1; echo $? > "$WORK/f-$i.rc" ) &
done
for _ in $(seq 1 600); do [ "$(ls "$WORK"/f-*.rc 2>/dev/null | wc -l)" = "$N" ] && break; sleep 0.1; done
granted="$(cat "$WORK"/f-*.rc | grep -c '^0$')"
exhausted="$(grep -l 'lease-exhausted' "$WORK"/f-*.out | wc -l)"
[ "$granted" = 20 ] && ok "$N concurrent fetches over both replicas: exactly 20 granted" || bad "$granted of $N fetches were granted, want 20"
[ "$exhausted" = 20 ] && ok "  ...and the other 20 refused lease-exhausted" || bad "$exhausted refusals say lease-exhausted, want 20: $(cat "$WORK"/f-*.out | grep -v granted | sort | uniq -c | head -3)"
same=0; for d in "$WORK"/got/*; do cmp -s "$WORK/k1.bin" "$d/k1" && same=$((same + 1)); done
[ "$same" = 20 ] && ok "  ...every granted workload holds the owner's key" || bad "$same released keys match the owner's"
expect_exit 0 "lease show through replica 2" "$LEASEHOLD" lease show --broker "$U2" --owner acme --lease shared
expect_in '"grantsIssued":20' "$OUT" "  ...counts 20 grants"
expect_in '"state":"exhausted"' "$OUT" "  ...and says exhausted"

manifest short 2s 5
"$LEASEHOLD" lease issue --broker "$U2" "$WORK/short.dsse" >/dev/null
n="$(expired_count "$U1" short)"
[ "$n" = 1 ] && ok "both replicas sweep; lease.expired is logged once" || bad "lease.expired logged $n times for one lease"

mkdir -p "$WORK/d3"
"$LEASEHOLD" serve --data-dir "$WORK/d3" --listen "127.0.0.1:0" --allow-sandbox > "$WORK/d3.log" 2>&1 &
S3=$!
for _ in $(seq 1 100); do kill -0 "$S3" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$S3" 2>/dev/null; then kill -9 "$S3"; bad "a broker with another log key was allowed to serve the database"
else wait "$S3"; rc=$?; [ "$rc" -ne 0 ] && ok "a broker with another log key is refused the database (exit $rc)" || bad "a broker with another log key exited 0"
fi
expect_in "another key" "$(cat "$WORK/d3.log")" "  ...saying the log belongs to another key"

kill -TERM "$S1" "$S2"; wait "$S1" "$S2" 2>/dev/null
expect_exit 0 "audit export of the shared database" "$LEASEHOLD" audit export --out "$WORK/bundle"
expect_exit 0 "the audit verifies: one chain, lease invariants hold across replicas" "$LEASEHOLD" audit verify --bundle "$WORK/bundle" --log-key "$K1"
expect_in "lease invariants hold" "$OUT" "  ...$OUT"
finish
