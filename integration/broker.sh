#!/usr/bin/env bash
# The broker end to end: the real `leasehold serve` on loopback, driven by the real CLI and
# curl, on SQLite (or PostgreSQL with BROKER_BACKEND=postgres: broker-postgres.sh). Grant, wrong
# measurement, replayed nonce, tampered manifest, exhausted, revoked, expired and swept, restart
# with leases in flight, and kill -9 during a burst of concurrent grants.
source "$(dirname "$0")/lib.sh"
BACKEND="${BROKER_BACKEND:-sqlite}"
SCENARIO="broker.sh ($BACKEND)"
if [ "$BACKEND" = postgres ]; then
  postgres_db broker || { finish; exit $?; }
  export LEASEHOLD_DATABASE_URL="$PGURL"
fi
D="$WORK/data"
PORT=$((20000 + RANDOM % 20000))
URL="http://127.0.0.1:$PORT"
M="5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
WRONG="$(printf '66%.0s' $(seq 48))"
SERVER=""

start() {
  "$LEASEHOLD" serve --data-dir "$D" --listen "127.0.0.1:$PORT" --allow-sandbox --sweep-interval 1 >>"$WORK/serve.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do curl -sf "$URL/v1/health" >/dev/null && return 0; sleep 0.1; done
  bad "server did not start: $(tail -5 "$WORK/serve.log")"; finish; exit 1
}

manifest() { # leaseId ttl maxGrants
  cat > "$WORK/$1.yaml" <<YAML
owner: acme
leaseId: $1
purpose: integration test
ttl: $2
maxGrants: $3
keys: [k1]
workloads:
  - tee: sandbox
    measurement: $M
YAML
  "$LEASEHOLD" manifest sign "$WORK/$1.yaml" --owner-key "$WORK/owner.key" --out "$WORK/$1.dsse" --yes >/dev/null
}

fetch() { # leaseId measurement outdir [more flags]
  "$LEASEHOLD" workload fetch --allow-disk --broker "$URL" --owner acme --lease "$1" --tee sandbox --sandbox-measurement "$2" --out "$3" "${@:4}"
}

start
expect_exit 0 "serve answers /v1/health" curl -sf "$URL/v1/health"
LOGKEY="$(curl -sf "$URL/v1/broker" | json_field logKey)"
[ "$(stat -c %a "$D/admin.token")" = "600" ] && ok "admin.token is 0600" || bad "admin.token mode $(stat -c %a "$D/admin.token")"
expect_exit 0 "owner keygen" "$LEASEHOLD" owner keygen --out "$WORK/owner"
[ "$(stat -c %a "$WORK/owner.key")" = "600" ] && ok "owner key file is 0600" || bad "owner key mode"
expect_exit 0 "owner register with the admin token" "$LEASEHOLD" owner register --broker "$URL" --admin-token-file "$D/admin.token" --owner acme --public-key "$WORK/owner.pub"
expect_in "first contact with $URL" "$ERR" "  ...which records the broker's keys on first contact"
grep -q "^$URL $LOGKEY " "$LEASEHOLD_KNOWN_BROKERS" && ok "  ...in the known-brokers file, with its log key" || bad "known-brokers file: $(cat "$LEASEHOLD_KNOWN_BROKERS")"
# Who reads the log (issue 15): checkpoints and proofs are public, entries need an auditor or
# the admin token (no --public-log here); an auditor token changes nothing anywhere.
code="$(curl -s -o "$WORK/noauth.out" -w '%{http_code}' "$URL/v1/log/entries?start=0&limit=10")"
[ "$code" = 401 ] && grep -q '"reason":"unauthorized"' "$WORK/noauth.out" && ok "GET /v1/log/entries without a token is refused (401 unauthorized)" || bad "entries without a token: HTTP $code $(cat "$WORK/noauth.out")"
code="$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/log/checkpoint")"
[ "$code" = 200 ] && ok "  ...while the checkpoint stays public" || bad "checkpoint without a token: HTTP $code"
expect_exit 0 "leasehold auditor add prints a token" "$LEASEHOLD" auditor add --broker "$URL" --admin-token-file "$D/admin.token" --name alice
LOG_TOKEN="$OUT"
case "$LOG_TOKEN" in lha_????????????????????????????????????????????????????????????????) ok "  ...lha_ and 64 hex digits";; *) bad "  ...auditor token '$LOG_TOKEN'";; esac
log_entries "$URL" | grep -q '"kind":"owner.registered"' && ok "  ...which reads the entries" || bad "  ...the auditor token cannot read the entries"
expect_exit 1 "a second auditor of the same name is refused" "$LEASEHOLD" auditor add --broker "$URL" --admin-token-file "$D/admin.token" --name alice
expect_in "auditor-exists" "$ERR" "  ...auditor-exists"
if [ "$BACKEND" = postgres ]; then
  auditors_table() { psql "$PGURL" -Atc "SELECT name, encode(token_hash, 'hex') FROM auditors"; }
else
  auditors_table() { sqlite3 "$D/leasehold.db" "SELECT name, lower(hex(token_hash)) FROM auditors"; }
fi
auditors_table | grep -q "^alice|$(printf %s "$LOG_TOKEN" | sha256sum | cut -c1-64)$" && ok "  ...the database keeps the token's SHA-256" || bad "  ...the token's hash is not what the database keeps: $(auditors_table)"
auditors_table | grep -q "${LOG_TOKEN#lha_}" && bad "  ...the token itself is in the database" || ok "  ...and not the token"
code="$(curl -s -o "$WORK/ro.out" -w '%{http_code}' -X POST -H "Authorization: Bearer $LOG_TOKEN" -H 'content-type: application/json' --data '{"owner":"eve","publicKey":"x"}' "$URL/v1/owners")"
[ "$code" = 403 ] && grep -q read-only-credential "$WORK/ro.out" && ok "an auditor token on a write route (POST /v1/owners) is 403 read-only-credential" || bad "auditor token on POST /v1/owners: HTTP $code $(cat "$WORK/ro.out")"
code="$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $LOG_TOKEN" "$URL/v1/leases/acme/any/revoke")"
[ "$code" = 403 ] && ok "  ...and on POST .../revoke" || bad "auditor token on revoke: HTTP $code"
code="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $LOG_TOKEN" "$URL/metrics")"
[ "$code" = 401 ] && ok "  ...and reads no metrics (401)" || bad "auditor token on /metrics: HTTP $code"
"$LEASEHOLD" auditor add --broker "$URL" --admin-token-file "$D/admin.token" --name bob > "$WORK/bob.token" 2>/dev/null
expect_exit 0 "auditor revoke" "$LEASEHOLD" auditor revoke --broker "$URL" --admin-token-file "$D/admin.token" --name bob
code="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(cat "$WORK/bob.token")" "$URL/v1/log/entries?start=0&limit=1")"
[ "$code" = 401 ] && ok "  ...a revoked token reads nothing (401)" || bad "revoked auditor token: HTTP $code"
expect_exit 0 "auditor list" "$LEASEHOLD" auditor list --broker "$URL" --admin-token-file "$D/admin.token"
echo "$OUT" | grep -E '^alice +[0-9TZ:.-]+ +-$' >/dev/null && echo "$OUT" | grep -E '^bob +[0-9TZ:.-]+ +[0-9TZ:.-]+$' >/dev/null && ! echo "$OUT" | grep -q lha_ \
  && ok "  ...names alice (working) and bob (revoked), no token" || bad "auditor list: $(echo "$OUT" | tr '\n' '/')"
expect_exit 1 "auditor add with a wrong admin token is refused" "$LEASEHOLD" auditor add --broker "$URL" --admin-token-file "$WORK/owner.pub" --name carol
# A broker whose vault key is not the recorded one (a man in the middle) gets no key.
cp "$LEASEHOLD_KNOWN_BROKERS" "$WORK/kb.saved"
sed -i -E 's#x25519-sha256-aes256gcm=[^ ]+#x25519-sha256-aes256gcm=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=#' "$LEASEHOLD_KNOWN_BROKERS"
head -c 32 /dev/urandom > "$WORK/k0.bin"
expect_exit 1 "vault put to a broker whose vault key changed is refused" "$LEASEHOLD" vault put --broker "$URL" --owner acme --owner-key "$WORK/owner.key" --key-id k0 --from-file "$WORK/k0.bin"
expect_in "broker-changed" "$ERR" "  ...with broker-changed"
log_entries "$URL" | grep -q '"keyId":"k0"' && bad "  ...but the key reached the broker" || ok "  ...and nothing reached the broker"
curl -sf "$URL/v1/broker" > "$WORK/broker-id.json"
expect_exit 0 "with the broker's id pinned (--broker-id, its GET /v1/broker got out of band) the put goes through" "$LEASEHOLD" vault put --broker "$URL" --broker-id "$WORK/broker-id.json" --owner acme --owner-key "$WORK/owner.key" --key-id k0 --from-file "$WORK/k0.bin"
cp "$WORK/kb.saved" "$LEASEHOLD_KNOWN_BROKERS"
echo "not the token" > "$WORK/bad.token"
expect_exit 1 "owner register with a wrong token is refused" "$LEASEHOLD" owner register --broker "$URL" --admin-token-file "$WORK/bad.token" --owner mallory --public-key "$WORK/owner.pub"
head -c 32 /dev/urandom > "$WORK/k1.bin"
expect_exit 0 "vault put from a file" "$LEASEHOLD" vault put --broker "$URL" --owner acme --owner-key "$WORK/owner.key" --key-id k1 --from-file "$WORK/k1.bin"

manifest grant 1h 3
expect_exit 0 "manifest verify" "$LEASEHOLD" manifest verify "$WORK/grant.dsse" --public-key "$WORK/owner.pub"
expect_exit 0 "lease issue" "$LEASEHOLD" lease issue --broker "$URL" "$WORK/grant.dsse"
expect_exit 0 "workload with the right measurement gets the key" fetch grant "$M" "$WORK/out1"
cmp -s "$WORK/k1.bin" "$WORK/out1/k1" && ok "  ...and it is the owner's key" || bad "released key differs"
[ "$(stat -c %a "$WORK/out1/k1")" = "600" ] && ok "  ...written 0600" || bad "key file mode"
expect_exit 1 "workload with another measurement is refused" fetch grant "$WRONG" "$WORK/out2"
expect_in "measurement-mismatch" "$ERR" "  ...with measurement-mismatch"
[ ! -e "$WORK/out2/k1" ] && ok "  ...and no key file was written" || bad "a refused fetch wrote a key"

# Replayed nonce: the exact grant request of a successful grant, sent again by someone else.
manifest replay 1h 5
"$LEASEHOLD" lease issue --broker "$URL" "$WORK/replay.dsse" >/dev/null
expect_exit 0 "a grant whose request is kept" fetch replay "$M" "$WORK/out-replay" --save-request "$WORK/replay.json"
code="$(curl -s -o "$WORK/replay.out" -w '%{http_code}' -X POST -H 'content-type: application/json' --data-binary @"$WORK/replay.json" "$URL/v1/leases/acme/replay/grants")"
case "$code" in 4??) ok "the same grant request replayed is refused (HTTP $code)";; *) bad "a replayed grant request got HTTP $code";; esac
expect_in '"reason":"nonce-invalid"' "$(cat "$WORK/replay.out")" "  ...with nonce-invalid"
grep -q '"keys"' "$WORK/replay.out" && bad "  ...but the refusal carries keys" || ok "  ...and carries no key"
expect_exit 0 "lease show after the replay" "$LEASEHOLD" lease show --broker "$URL" --owner acme --lease replay
expect_in '"grantsIssued":1' "$OUT" "  ...counts one grant, not two"
log_entries "$URL" > "$WORK/entries.jsonl"
grep '"kind":"key.denied"' "$WORK/entries.jsonl" | grep '"leaseId":"replay"' | grep -q 'nonce-invalid' && bad "a used nonce bought a key.denied entry" || ok "  ...and the used nonce added no log entry (only a genuine, unused nonce can)"

# Tampered manifest: change maxGrants inside the signed payload.
python3 - "$WORK/grant.dsse" "$WORK/tampered.dsse" <<'PY'
import base64, json, sys
env = json.load(open(sys.argv[1]))
p = base64.b64decode(env["payload"]).replace(b'"leaseId":"grant"', b'"leaseId":"grant2"')
env["payload"] = base64.b64encode(p).decode()
json.dump(env, open(sys.argv[2], "w"))
PY
expect_exit 1 "a tampered manifest is refused" "$LEASEHOLD" lease issue --broker "$URL" "$WORK/tampered.dsse"
expect_in "signature" "$ERR" "  ...as a bad signature"
expect_exit 1 "a lease id cannot be issued twice" "$LEASEHOLD" lease issue --broker "$URL" "$WORK/grant.dsse"

manifest once 1h 1
"$LEASEHOLD" lease issue --broker "$URL" "$WORK/once.dsse" >/dev/null
expect_exit 0 "the single grant of a lease" fetch once "$M" "$WORK/out3"
expect_exit 1 "a second grant beyond maxGrants is refused" fetch once "$M" "$WORK/out4"
expect_in "lease-exhausted" "$ERR" "  ...with lease-exhausted"

manifest rev 1h 5
"$LEASEHOLD" lease issue --broker "$URL" "$WORK/rev.dsse" >/dev/null
expect_exit 0 "owner revokes a lease" "$LEASEHOLD" lease revoke --broker "$URL" --owner acme --lease rev --owner-key "$WORK/owner.key"
expect_exit 1 "a revoked lease releases nothing" fetch rev "$M" "$WORK/out5"
expect_in "lease-revoked" "$ERR" "  ...with lease-revoked"

manifest short 2s 5
"$LEASEHOLD" lease issue --broker "$URL" "$WORK/short.dsse" >/dev/null
sleep 3.5
expect_exit 1 "an expired lease releases nothing" fetch short "$M" "$WORK/out6"
expect_in "lease-expired" "$ERR" "  ...with lease-expired"
n="$(expired_count "$URL" short)"
[ "$n" = 1 ] && ok "the sweeper logged lease.expired for it, once" || bad "lease.expired for 'short' logged $n times"
expect_exit 0 "lease show" "$LEASEHOLD" lease show --broker "$URL" --owner acme --lease short
expect_in "expired" "$OUT" "  ...says expired"

# A released lease with receipts, through the workload CLI (fetch ... -- CMD): the command runs
# with the keys, its output is receipted, the keys are shredded and the lease released, each
# signed with the grant's one-time key, which never left the workload's memory.
manifest rel 1h 5
"$LEASEHOLD" lease issue --broker "$URL" "$WORK/rel.dsse" >/dev/null
expect_exit 0 "a workload runs a command with the keys, then releases the lease" fetch rel "$M" "$WORK/out-rel" --output-receipt "$WORK/rel-result.txt" --release \
  -- sh -c 'sha256sum "$LEASEHOLD_KEYS_DIR/k1" | cut -c1-64 > "$0"' "$WORK/rel-result.txt"
[ "$(cat "$WORK/rel-result.txt")" = "$(sha256sum "$WORK/k1.bin" | cut -c1-64)" ] && ok "  ...the command saw the owner's key in \$LEASEHOLD_KEYS_DIR" || bad "  ...the command's output: $(cat "$WORK/rel-result.txt")"
[ ! -e "$WORK/out-rel/k1" ] && ok "  ...the key file is gone after it" || bad "  ...the key file outlived the command"
expect_in "lease released" "$ERR" "  ...and it says the lease was released"
REL_DIGEST="$(sha256sum "$WORK/rel-result.txt" | cut -c1-64)"
expect_exit 1 "a released lease releases nothing" fetch rel "$M" "$WORK/out-rel2"
expect_in "lease-released" "$ERR" "  ...with lease-released"
manifest cmd 1h 5
"$LEASEHOLD" lease issue --broker "$URL" "$WORK/cmd.dsse" >/dev/null
expect_exit 0 "without --release, the command's end is a shredded receipt" fetch cmd "$M" "$WORK/out-shred" -- true
expect_in "shredded receipt" "$ERR" "  ...$(echo "$ERR" | tail -1)"
expect_exit 7 "a failing command's status is the fetch's status" fetch cmd "$M" "$WORK/out-fail" -- sh -c 'exit 7'
[ ! -e "$WORK/out-fail/k1" ] && ok "  ...and its keys are shredded too" || bad "  ...a failed command left its keys"
expect_exit 2 "--release without a command is a usage error" fetch cmd "$M" "$WORK/out-x" --release

# Every refusal the sandbox can provoke is a key.denied entry (the history below lists them).
yaml_lease() { # NAME: signs and issues $WORK/NAME.yaml
  "$LEASEHOLD" manifest sign "$WORK/$1.yaml" --owner-key "$WORK/owner.key" --out "$WORK/$1.dsse" --yes >/dev/null
  "$LEASEHOLD" lease issue --broker "$URL" "$WORK/$1.dsse" >/dev/null
}
printf 'owner: acme\nleaseId: future\npurpose: later\nnotBefore: %s\nnotAfter: %s\nmaxGrants: 1\nkeys: [k1]\nworkloads:\n  - tee: sandbox\n    measurement: %s\n' \
  "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" "$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%SZ)" "$M" > "$WORK/future.yaml"
yaml_lease future
expect_exit 1 "a lease before its notBefore releases nothing" fetch future "$M" "$WORK/out-f"
expect_in "lease-not-yet-valid" "$ERR" "  ...with lease-not-yet-valid"
printf 'owner: acme\nleaseId: snp-only\npurpose: snp\nttl: 1h\nmaxGrants: 1\nkeys: [k1]\nworkloads:\n  - tee: sev-snp\n    measurement: %s\n' "$M" > "$WORK/snp-only.yaml"
yaml_lease snp-only
expect_exit 1 "sandbox evidence for a lease that names only SEV-SNP is refused" fetch snp-only "$M" "$WORK/out-s"
expect_in "tee-not-allowed" "$ERR" "  ...with tee-not-allowed"
expect_exit 1 "debug evidence is refused" fetch grant "$M" "$WORK/out-d" --sandbox-debug
expect_in "debug-not-allowed" "$ERR" "  ...with debug-not-allowed"
printf 'owner: acme\nleaseId: pq\npurpose: post-quantum\nttl: 1h\nmaxGrants: 1\nsuite: xwing-sha256-aes256gcm\nkeys: [k1]\nworkloads:\n  - tee: sandbox\n    measurement: %s\n' "$M" > "$WORK/pq.yaml"
yaml_lease pq
expect_exit 1 "a lease that requires X-Wing refuses an X25519 grant" fetch pq "$M" "$WORK/out-pq"
expect_in "suite-not-allowed" "$ERR" "  ...with suite-not-allowed"

# Restart with leases in flight: state and log survive.
kill -TERM "$SERVER"; wait "$SERVER" 2>/dev/null
start
expect_exit 0 "after a restart the lease still grants" fetch grant "$M" "$WORK/out7"
expect_exit 0 "lease show after restart" "$LEASEHOLD" lease show --broker "$URL" --owner acme --lease grant
expect_in "2" "$OUT" "  ...counting both grants"
sleep 2
log_entries "$URL" > "$WORK/entries.jsonl"
[ "$(grep -c '"kind":"lease.expired"' "$WORK/entries.jsonl")" = "1" ] && ok "no second lease.expired after the restart" || bad "lease.expired count $(grep -c '"kind":"lease.expired"' "$WORK/entries.jsonl")"

# kill -9 during a burst of concurrent grants, then restart: every key a client received has
# its key.granted entry, and the audit verifies.
manifest burst 1h 1000
"$LEASEHOLD" lease issue --broker "$URL" "$WORK/burst.dsse" >/dev/null
# Eight streams each fetch one key after another until the broker stops answering, so the
# kill finds requests in flight whatever the machine's speed and however group commit batches
# them (a one-shot burst of 48 could all land in one commit between two polls).
STREAMS=8; CAP=100  # 800 at most: under the lease's 1000 grants
for s in $(seq 1 $STREAMS); do
  (
    k=0
    while [ "$k" -lt "$CAP" ]; do
      k=$((k + 1))
      fetch burst "$M" "$WORK/burst/$s-$k" > "$WORK/burst-$s-$k.out" 2>&1
      rc=$?
      echo "$rc" > "$WORK/burst-$s-$k.rc"
      [ "$rc" = 0 ] || break
    done
  ) &
done
# Kill once a handful of clients have their keys and every stream is still running.
for _ in $(seq 1 600); do
  done_ok="$(cat "$WORK"/burst-*.rc 2>/dev/null | grep -c '^0$')"
  [ "$done_ok" -ge 12 ] && break
  sleep 0.05
done
kill -9 "$SERVER"; wait "$SERVER" 2>/dev/null
wait
start
log_entries "$URL" > "$WORK/entries.jsonl"
got=0; missing=0; refused=0; other=0; capped=0
for f in "$WORK"/burst-*.rc; do
  out="${f%.rc}.out"
  if [ "$(cat "$f")" = "0" ]; then
    got=$((got + 1))
    idx="$(sed -E -n 's/.*log index ([0-9]+).*/\1/p' "$out")"
    line="$(sed -n "$((idx + 1))p" "$WORK/entries.jsonl")"
    case "$line" in *'"kind":"key.granted"'*'"leaseId":"burst"'*|*'"leaseId":"burst"'*'"kind":"key.granted"'*) ;; *) missing=$((missing + 1));; esac
  elif grep -q transport "$out"; then
    refused=$((refused + 1))   # cut off by the kill (or connection refused while it was down)
  else
    other=$((other + 1)); echo "  refused, not cut off: $(cat "$out")"
  fi
done
for s in $(seq 1 $STREAMS); do [ -f "$WORK/burst-$s-$CAP.rc" ] && capped=$((capped + 1)); done
[ "$got" -ge 12 ] && [ "$refused" = "$STREAMS" ] && [ "$capped" = 0 ] && ok "kill -9 landed mid-burst: $got clients got keys, all $STREAMS streams were cut off" || bad "kill -9 was not mid-burst ($got got keys, $refused cut off, $capped streams finished before it)"
[ "$other" = 0 ] && ok "  ...and no client was refused before it" || bad "$other clients were refused for another reason than the kill"
[ "$missing" = "0" ] && ok "kill -9 mid-burst: all $got received keys have their key.granted entry" || bad "$missing of $got received keys have no key.granted entry"
kill -TERM "$SERVER"; wait "$SERVER" 2>/dev/null
if [ "$BACKEND" = postgres ]; then
  expect_exit 0 "audit export from PostgreSQL" "$LEASEHOLD" audit export --out "$WORK/bundle"
  expect_exit 0 "the audit verifies after all of it (chain, tree, checkpoints, lease invariants)" "$LEASEHOLD" audit verify --bundle "$WORK/bundle" --log-key "$LOGKEY" --evidence
else
  expect_exit 0 "the audit verifies after all of it (chain, tree, checkpoints, lease invariants)" "$LEASEHOLD" audit verify --db "$D/leasehold.db" --log-key "$LOGKEY" --evidence
fi
expect_in "lease invariants hold" "$OUT" "  ...$OUT"

# The auditor's view of the same log: one lease's history, verified first.
if [ "$BACKEND" = postgres ]; then H() { "$LEASEHOLD" audit history --log-key "$LOGKEY" "$@"; }; else H() { "$LEASEHOLD" audit history --db "$D/leasehold.db" --log-key "$LOGKEY" "$@"; }; fi
expect_exit 0 "audit history of the revoked lease" H --owner acme --lease rev
expect_in "revoked" "$OUT" "  ...shows the revocation"
expect_in "reason lease-revoked" "$OUT" "  ...and the refusal after it"
if [ "$BACKEND" = postgres ]; then SCOPE="every lease"; else SCOPE="the selected lease(s)"; fi
expect_in "Lease invariants ($SCOPE): hold" "$OUT" "  ...with the invariants' verdict and what it covered"
expect_in "Proven against: the whole log" "$OUT" "  ...and the checkpoint"
printf '%s\n' "$OUT" > "$WORK/history.txt"
python3 - "$WORK/history.txt" <<'PY' && ok "  ...in aligned columns" || bad "  ...columns are not aligned: $(head -5 "$WORK/history.txt")"
import re, sys
lines = open(sys.argv[1]).read().split("\n")
head = next(i for i, l in enumerate(lines) if l.startswith("SEQ "))
cols = [lines[head].index(c) for c in ("TIME", "EVENT", "LEASE", "DETAILS")]
rows = [l for l in lines[head + 1:] if re.match(r"^\d+ ", l)]
assert len(rows) >= 3, rows
for r in rows:
    for c in cols:
        assert r[c - 2:c] == "  " and r[c] != " ", (r, c)
PY
expect_exit 0 "audit history --json of the exhausted lease" H --owner acme --lease once --json
printf '%s\n' "$OUT" > "$WORK/history.json"
python3 - "$WORK/history.json" <<'PY' && ok "  ...matches the documented schema: issued, one grant, the refusal beyond maxGrants" || bad "  ...$(head -c 400 "$WORK/history.json")"
import json, sys
h = json.load(open(sys.argv[1]))
assert h["schema"] == "leasehold.audit.history/v1" and h["selection"] == {"owner": "acme", "leaseId": "once"}
assert set(h) == {"schema", "selection", "events", "invariants", "log", "checkpoint"}
ev = h["events"]
assert [e["seq"] for e in ev] == sorted(e["seq"] for e in ev) and all(e["owner"] == "acme" and e["leaseId"] == "once" for e in ev)
assert ev[0]["event"] == "issued" and ev[0]["maxGrants"] == 1 and ev[0]["workloads"][0]["tee"] == "sandbox" and len(ev[0]["manifestDigest"]) == 64
grants = [e for e in ev if e["event"] == "granted"]
assert len(grants) == 1 and len(grants[0]["grantId"]) == 32 and len(grants[0]["evidenceHash"]) == 64 and grants[0]["debug"] is False
assert any(e["event"] == "denied" and e["reason"] == "lease-exhausted" for e in ev), ev
assert h["invariants"]["hold"] is True and h["invariants"]["scope"] in ("selection", "log") and h["log"]["entries"] > 0 and h["checkpoint"].startswith(h["log"]["key"].split("+")[0])
PY
expect_exit 0 "audit history --json of the owner: every lease, every refusal the sandbox can provoke" H --owner acme --json
printf '%s\n' "$OUT" > "$WORK/owner-history.json"
python3 - "$WORK/owner-history.json" "$REL_DIGEST" <<'PY' && ok "  ...denials of 9 reasons; rel's output receipt (its digest), shredded receipts and release; revoked, expired, exhausted" || bad "  ...$(python3 -c 'import json,sys; h=json.load(open(sys.argv[1])); print(sorted({e.get("reason") for e in h["events"] if e["event"]=="denied"}), sorted({e["event"] for e in h["events"]}))' "$WORK/owner-history.json")"
import json, sys
h = json.load(open(sys.argv[1]))
ev = h["events"]
reasons = {e["reason"] for e in ev if e["event"] == "denied"}
want = {"measurement-mismatch", "lease-exhausted", "lease-revoked", "lease-expired", "lease-released", "lease-not-yet-valid", "tee-not-allowed", "debug-not-allowed", "suite-not-allowed"}
assert want <= reasons, sorted(want - reasons)
rel = [e for e in ev if e["leaseId"] == "rel"]
assert [e["event"] for e in rel][:4] == ["issued", "granted", "receipt", "released"], [e["event"] for e in rel]
assert rel[2]["receiptKind"] == "output" and rel[2]["outputDigest"] == sys.argv[2] and rel[2]["grantId"] == rel[1]["grantId"], rel[2]
assert any(e["event"] == "receipt" and e["receiptKind"] == "shredded" and e["leaseId"] == "cmd" for e in ev)
ended = {e["leaseId"]: e["event"] for e in ev if e["event"] in ("revoked", "expired", "released")}
assert ended.get("rev") == "revoked" and ended.get("short") == "expired" and ended.get("rel") == "released", ended
assert any(e["leaseId"] == "once" and e["event"] == "denied" and e["reason"] == "lease-exhausted" for e in ev)
assert h["invariants"]["hold"] is True
PY
expect_exit 0 "audit history of the released lease (text)" H --owner acme --lease rel
expect_in "released" "$OUT" "  ...shows the release"
expect_in "${REL_DIGEST:0:16}…" "$OUT" "  ...and the output receipt's digest (shortened, as the text form does)"
# The same lease as a self-contained report, printed to PDF by headless Chromium.
if [ "$BACKEND" = postgres ]; then R() { "$LEASEHOLD" audit report --log-key "$LOGKEY" "$@"; }; else R() { "$LEASEHOLD" audit report --db "$D/leasehold.db" --log-key "$LOGKEY" "$@"; }; fi
expect_exit 0 "audit report of the exhausted lease" R --owner acme --lease once --out "$WORK/report.html"
grep -qiE '<script|<link|@import|url\(|https?://' "$WORK/report.html" && bad "  ...the report loads something from outside" || ok "  ...self-contained (no script, link, import or URL)"
if command -v chromium >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1; then
  timeout 120 chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer --print-to-pdf="$WORK/report.pdf" "file://$WORK/report.html" >/dev/null 2>&1
  pages="$(pdfinfo "$WORK/report.pdf" 2>/dev/null | sed -n 's/^Pages: *//p')"
  [ "${pages:-0}" -ge 4 ] && ok "  ...prints to a PDF of $pages pages (one section per page)" || bad "  ...PDF pages: '${pages:-none}'"
  pdftotext "$WORK/report.pdf" "$WORK/report.txt"
  ids="$(python3 -c 'import json,sys; print(" ".join(e["grantId"] for e in json.load(open(sys.argv[1]))["events"] if e["event"] == "granted"))' "$WORK/history.json")"
  missing=""
  for want in "acme/once" "Lease invariants: hold" "Appendix B" $ids; do grep -qF "$want" "$WORK/report.txt" || missing="$missing $want"; done
  [ -z "$missing" ] && ok "  ...its text holds the lease id, every grant id ($ids) and the verdict" || bad "  ...missing from the PDF text:$missing"
else
  bad "  ...chromium and pdftotext are needed to print the report (.ci/run installs them)"
fi
expect_exit 2 "audit report needs a lease" "$LEASEHOLD" audit report --db "$WORK/none.db" --trust-db-key --out "$WORK/x.html"
expect_exit 0 "audit history of the expired lease" H --owner acme --lease short
expect_in "expired" "$OUT" "  ...shows the expiry"
expect_exit 2 "audit history needs a trusted key" "$LEASEHOLD" audit history --bundle "$WORK/none"
if [ "$BACKEND" = sqlite ]; then
  sqlite3 "$D/leasehold.db" ".backup $WORK/tampered.db"
  sqlite3 "$WORK/tampered.db" "UPDATE log_entries SET entry = CAST(replace(CAST(entry AS TEXT), '\"debug\":false', '\"debug\":true') AS BLOB) WHERE seq = (SELECT min(seq) FROM log_entries WHERE CAST(entry AS TEXT) LIKE '%\"kind\":\"key.granted\"%')"
  expect_exit 1 "audit history of a tampered database refuses" "$LEASEHOLD" audit history --db "$WORK/tampered.db" --log-key "$LOGKEY" --owner acme
  expect_in "audit failed: seq" "$ERR" "  ...naming the entry: $ERR"
  [ -z "$OUT" ] && ok "  ...and prints no story" || bad "  ...printed: $OUT"
  expect_exit 1 "audit report of a tampered database refuses" "$LEASEHOLD" audit report --db "$WORK/tampered.db" --log-key "$LOGKEY" --owner acme --lease once --out "$WORK/tampered.html"
  [ ! -e "$WORK/tampered.html" ] && ok "  ...and writes no report" || bad "  ...wrote a report"
else
  sed -i '0,/"kind":"key.granted"/s/"debug":false/"debug":true/' "$WORK/bundle/entries.jsonl"
  expect_exit 1 "audit history of a tampered bundle refuses" "$LEASEHOLD" audit history --bundle "$WORK/bundle" --log-key "$LOGKEY" --owner acme
  expect_in "audit failed: seq" "$ERR" "  ...naming the entry: $ERR"
fi
finish
