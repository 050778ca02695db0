#!/usr/bin/env bash
# The audit log end to end with the real CLI: demo database, audit verify, export bundle,
# proofs checked by Go's sumdb tlog/note (../shared/tools/tlogverify), tampering, rollback,
# bad input, and a kill -9 in the middle of a burst of appends.
source "$(dirname "$0")/lib.sh"
TLOGVERIFY="$SHARED/tools/tlogverify/run.sh"
D="$WORK/demo.db"

expect_exit 0 "demo runs on a fresh SQLite file" "$LEASEHOLD" demo --db "$D"
expect_exit 0 "audit verify --db passes on the demo log" "$LEASEHOLD" audit verify --db "$D" --trust-db-key
expect_exit 2 "audit verify --db without --log-key or --trust-db-key is a usage error (a database cannot vouch for its own key)" "$LEASEHOLD" audit verify --db "$D"
expect_exit 0 "audit log-key prints the verifier key" "$LEASEHOLD" audit log-key --db "$D"
VKEY="$OUT"; echo "$VKEY" > "$WORK/vkey"
expect_exit 0 "audit checkpoint prints the signed note" "$LEASEHOLD" audit checkpoint --db "$D"
"$LEASEHOLD" audit checkpoint --db "$D" > "$WORK/checkpoint"
SIZE="$(sed -n 2p "$WORK/checkpoint")"

# Outside check: Go's x/mod verifies our checkpoint and every inclusion proof, and consistency from every older size.
expect_exit 0 "tlogverify accepts the checkpoint signature" bash "$TLOGVERIFY" "$WORK/checkpoint" "$VKEY"
for i in $(seq 0 $((SIZE - 1))); do
  "$LEASEHOLD" audit prove --db "$D" --index "$i" > "$WORK/prove.json"
  expect_exit 0 "tlogverify accepts inclusion proof of seq $i" bash "$TLOGVERIFY" -q "$WORK/checkpoint" "$VKEY" "$WORK/prove.json"
done
for m in $(seq 0 "$SIZE"); do
  "$LEASEHOLD" audit consistency --db "$D" --old "$m" > "$WORK/cons.json"
  expect_exit 0 "tlogverify accepts consistency proof from size $m" bash "$TLOGVERIFY" -q "$WORK/checkpoint" "$VKEY" "$WORK/cons.json"
done
"$LEASEHOLD" audit prove --db "$D" --index 1 > "$WORK/prove.json"
sed 's/"leaf_index":1/"leaf_index":0/' "$WORK/prove.json" > "$WORK/prove-bad.json"
expect_exit 1 "tlogverify rejects our proof for the wrong index" bash "$TLOGVERIFY" -q "$WORK/checkpoint" "$VKEY" "$WORK/prove-bad.json"

# Export bundle, verified offline against the key the auditor trusts.
expect_exit 0 "audit export writes a bundle" "$LEASEHOLD" audit export --db "$D" --out "$WORK/bundle"
expect_exit 0 "audit verify --bundle passes with the log key" "$LEASEHOLD" audit verify --bundle "$WORK/bundle" --log-key "$VKEY"
expect_exit 0 "audit verify --bundle takes the key as @FILE" "$LEASEHOLD" audit verify --bundle "$WORK/bundle" --log-key "@$WORK/vkey"
expect_exit 2 "audit verify --bundle without --log-key is a usage error" "$LEASEHOLD" audit verify --bundle "$WORK/bundle"

# Each grant's kept evidence travels in the bundle and re-verifies from it alone.
NREC="$(ls "$WORK/bundle/evidence" | wc -l)"
NGRANTS="$(grep -c '"kind":"key.granted"' "$WORK/bundle/entries.jsonl")"
if [ "$NGRANTS" -gt 0 ] && [ "$NREC" -eq "$NGRANTS" ]; then ok "the bundle holds one evidence record per grant of the demo ($NGRANTS)"; else bad "evidence records: $NREC for $NGRANTS grants"; fi
expect_exit 0 "audit verify --bundle --evidence re-verifies every grant" "$LEASEHOLD" audit verify --bundle "$WORK/bundle" --log-key "$VKEY" --evidence
expect_in "evidence: $NGRANTS grant(s) re-verified" "$OUT" "  ...and says how many, by TEE"
expect_exit 0 "audit verify --db --evidence reads the records from the database" "$LEASEHOLD" audit verify --db "$D" --log-key "$VKEY" --evidence
REC="$(ls "$WORK/bundle/evidence" | head -1)"
cp -r "$WORK/bundle" "$WORK/bundle-noev"
rm "$WORK/bundle-noev/evidence/$REC"
expect_exit 0 "without --evidence a bundle missing a record still verifies (the records are an addition)" "$LEASEHOLD" audit verify --bundle "$WORK/bundle-noev" --log-key "$VKEY"
expect_exit 1 "with --evidence a missing record fails" "$LEASEHOLD" audit verify --bundle "$WORK/bundle-noev" --log-key "$VKEY" --evidence
expect_in "is missing" "$ERR" "  ...saying which record is missing"
cp -r "$WORK/bundle" "$WORK/bundle-editev"
sed -i 's/"tee":"sandbox"/"tee":"sev-snp"/' "$WORK/bundle-editev/evidence/$REC"
expect_exit 1 "with --evidence an edited record fails" "$LEASEHOLD" audit verify --bundle "$WORK/bundle-editev" --log-key "$VKEY" --evidence
expect_in "does not hash to" "$ERR" "  ...naming the record that does not hash to its name"

# A second implementation of the envelope check: DSSE v1 PAE from the spec, Ed25519 by
# securesystemslib (Debian's python3-securesystemslib), on the bundle alone.
expect_exit 0 "securesystemslib verifies every owner envelope the bundle's lease.issued entries carry" /usr/bin/python3 "$ROOT/integration/dsse-verify.py" "$WORK/bundle"
expect_in "verified by securesystemslib" "$OUT" "  ...$OUT"
mkdir -p "$WORK/bundle-dsse"
/usr/bin/python3 - "$WORK/bundle/entries.jsonl" "$WORK/bundle-dsse/entries.jsonl" <<'PY'
import base64, json, sys
out = []
for line in open(sys.argv[1], "rb"):
    e = json.loads(line)
    if e["kind"] == "lease.issued" and "envelope" in e:
        env = json.loads(base64.b64decode(e["envelope"]))
        sig = bytearray(base64.b64decode(env["signatures"][0]["sig"]))
        sig[0] ^= 1
        env["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()
        e["envelope"] = base64.b64encode(json.dumps(env).encode()).decode()
    out.append(json.dumps(e, separators=(",", ":")))
open(sys.argv[2], "w").write("\n".join(out) + "\n")
PY
expect_exit 1 "  ...and refuses an envelope whose signature has one flipped bit" /usr/bin/python3 "$ROOT/integration/dsse-verify.py" "$WORK/bundle-dsse"
OTHER="$("$LEASEHOLD" demo --db "$WORK/other.db" >/dev/null && "$LEASEHOLD" audit log-key --db "$WORK/other.db")"
expect_exit 1 "a bundle checked with another log's key fails" "$LEASEHOLD" audit verify --bundle "$WORK/bundle" --log-key "$OTHER"
expect_in "not signed by" "$ERR" "  ...and says the checkpoint is not signed by that key"
cp -r "$WORK/bundle" "$WORK/bundle-bad"
sed -i '2s/.*/{"not":"an entry"/' "$WORK/bundle-bad/entries.jsonl"
expect_exit 1 "a bundle with a malformed line fails" "$LEASEHOLD" audit verify --bundle "$WORK/bundle-bad" --log-key "$VKEY"
expect_in "seq 1" "$ERR" "  ...naming seq 1"
cp -r "$WORK/bundle" "$WORK/bundle-swap"
awk 'NR==2{l2=$0; next} NR==3{print; print l2; next} {print}' "$WORK/bundle/entries.jsonl" > "$WORK/bundle-swap/entries.jsonl"
expect_exit 1 "a bundle with two swapped entries fails" "$LEASEHOLD" audit verify --bundle "$WORK/bundle-swap" --log-key "$VKEY"
expect_in "seq 1" "$ERR" "  ...naming seq 1"

# Tampering with the database through sqlite3, as an insider would.
cp "$D" "$WORK/t1.db"
sqlite3 "$WORK/t1.db" "UPDATE log_entries SET entry = CAST(replace(CAST(entry AS TEXT), 'acme-health', 'acme-hea1th') AS BLOB) WHERE seq = 1"
expect_exit 1 "a flipped byte in an entry fails" "$LEASEHOLD" audit verify --db "$WORK/t1.db" --trust-db-key
expect_in "seq 1" "$ERR" "  ...naming seq 1"
cp "$D" "$WORK/t2.db"
sqlite3 "$WORK/t2.db" "DELETE FROM log_entries WHERE seq = 1"
expect_exit 1 "a deleted entry fails" "$LEASEHOLD" audit verify --db "$WORK/t2.db" --trust-db-key
expect_in "seq 1" "$ERR" "  ...naming seq 1"

# Rollback: the owner kept a checkpoint; the insider truncates the log and its checkpoints.
cp "$D" "$WORK/t3.db"
sqlite3 "$WORK/t3.db" "DELETE FROM log_entries WHERE seq >= 2; DELETE FROM checkpoints; DELETE FROM merkle_nodes;"
expect_exit 1 "a log truncated below a kept checkpoint fails" "$LEASEHOLD" audit verify --db "$WORK/t3.db" --trust-db-key --checkpoint "$WORK/checkpoint"
expect_in "truncated" "$ERR" "  ...and says it was truncated"

# No fork (CRYPTO-REVIEW H2 attack 3): serve keeps the last checkpoint it signed in its data
# directory (checkpoint-floor); on a database restored from an older copy it refuses to start.
FD="$WORK/floor"
FPORT=$((20000 + RANDOM % 20000))
FURL="http://127.0.0.1:$FPORT"
serve_floor() {
  "$LEASEHOLD" serve --data-dir "$FD" --listen "127.0.0.1:$FPORT" >>"$WORK/floor-serve.log" 2>&1 &
  FSERVER=$!
  for _ in $(seq 1 100); do curl -sf "$FURL/v1/health" >/dev/null && return 0; sleep 0.1; done
  bad "serve did not start: $(tail -5 "$WORK/floor-serve.log")"
}
serve_floor
kill -TERM "$FSERVER"; wait "$FSERVER" 2>/dev/null
[ "$(stat -c %a "$FD/checkpoint-floor")" = "600" ] && ok "serve keeps checkpoint-floor, 0600" || bad "checkpoint-floor: $(stat -c %a "$FD/checkpoint-floor" 2>&1)"
expect_exit 0 "tlogverify accepts checkpoint-floor as a checkpoint of the log key" bash "$TLOGVERIFY" "$FD/checkpoint-floor" "$("$LEASEHOLD" audit log-key --db "$FD/leasehold.db")"
for f in leasehold.db leasehold.db-wal; do [ -f "$FD/$f" ] && cp "$FD/$f" "$WORK/aside-$f"; done
serve_floor
"$LEASEHOLD" owner keygen --out "$WORK/floor-owner" >/dev/null 2>&1
expect_exit 0 "an owner registered on the running broker" "$LEASEHOLD" owner register --broker "$FURL" --admin-token-file "$FD/admin.token" --owner acme --public-key "$WORK/floor-owner.pub"
kill -TERM "$FSERVER"; wait "$FSERVER" 2>/dev/null
FLOOR="$(sed -n 2p "$FD/checkpoint-floor")"
rm -f "$FD/leasehold.db" "$FD/leasehold.db-wal" "$FD/leasehold.db-shm"
for f in leasehold.db leasehold.db-wal; do [ -f "$WORK/aside-$f" ] && cp "$WORK/aside-$f" "$FD/$f"; done
expect_exit 1 "serve refuses a database restored from an older copy" "$LEASEHOLD" serve --data-dir "$FD" --listen "127.0.0.1:$FPORT"
expect_in "rolled back below the checkpoint this broker signed at size $FLOOR" "$ERR" "  ...naming the size it signed ($FLOOR)"
expect_in "Refusing to sign a fork" "$ERR" "  ...and why"

# Bad input: clear one-line errors, never a stack trace.
echo "hello, I am not a database" > "$WORK/junk.db"
expect_exit 1 "a non-SQLite file is refused" "$LEASEHOLD" audit verify --db "$WORK/junk.db" --trust-db-key
expect_in "not an SQLite database" "$ERR" "  ...with a clear message"
expect_exit 1 "a missing file is refused" "$LEASEHOLD" audit verify --db "$WORK/missing.db" --trust-db-key
expect_exit 1 "a malformed log key is refused" "$LEASEHOLD" audit verify --bundle "$WORK/bundle" --log-key "not-a-key"
expect_in "bad log key" "$ERR" "  ...with a clear message"

# Crash: kill -9 during a burst of durable appends; the log must still verify, with no half entry.
"$LEASEHOLD" bench log --db "$WORK/crash.db" --single 1000000 --entries 0 >/dev/null 2>&1 &
BENCH=$!
for _ in $(seq 1 100); do
  n="$(sqlite3 "$WORK/crash.db" 'SELECT count(*) FROM log_entries' 2>/dev/null || echo 0)"
  [ "${n:-0}" -ge 300 ] && break
  sleep 0.1
done
kill -9 "$BENCH"; wait "$BENCH" 2>/dev/null
expect_exit 0 "after kill -9 mid-append the log verifies" "$LEASEHOLD" audit verify --db "$WORK/crash.db" --trust-db-key
expect_in "entries" "$OUT" "  ...($OUT)"
n="$(sqlite3 "$WORK/crash.db" 'SELECT count(*) FROM log_entries')"
sz="$(sqlite3 "$WORK/crash.db" 'SELECT tree_size FROM log_meta')"
[ "$n" = "$sz" ] && [ "$n" -ge 300 ] && ok "  ...entries ($n) and the stored tree size agree" || bad "entries $n vs tree size $sz"

finish
