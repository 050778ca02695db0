#!/usr/bin/env bash
# The read-only web console (issue 15) in headless Chromium: the real `leasehold serve`, a log
# made through the real CLI, an auditor token from `leasehold auditor add`, and selenium
# (Debian's python3-selenium, chromium, chromium-driver). The browser must verify the
# checkpoint and the proofs itself: behind a proxy that forges either, it says NOT verified.
source "$(dirname "$0")/lib.sh"
SCENARIO="console.sh"
D="$WORK/data"
PORT=$((20000 + RANDOM % 20000))
URL="http://127.0.0.1:$PORT"
M="5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
WRONG="$(printf '66%.0s' $(seq 48))"
ART="${LEASEHOLD_ARTIFACTS:-$ROOT/.build/test-artifacts}"
mkdir -p "$ART"

start() {
  "$LEASEHOLD" serve --data-dir "$D" --listen "127.0.0.1:$PORT" --allow-sandbox "$@" >>"$WORK/serve.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 150); do curl -sf "$URL/v1/health" >/dev/null && return 0; sleep 0.1; done
  bad "server did not start: $(tail -5 "$WORK/serve.log")"; finish; exit 1
}

start
"$LEASEHOLD" owner keygen --out "$WORK/owner" >/dev/null
"$LEASEHOLD" owner register --broker "$URL" --admin-token-file "$D/admin.token" --owner acme --public-key "$WORK/owner.pub" >/dev/null 2>&1
head -c 32 /dev/urandom > "$WORK/k1.bin"
"$LEASEHOLD" vault put --broker "$URL" --owner acme --owner-key "$WORK/owner.key" --key-id k1 --from-file "$WORK/k1.bin" >/dev/null
cat > "$WORK/console.yaml" <<YAML
owner: acme
leaseId: console
purpose: "console <b>test</b>"
ttl: 1h
maxGrants: 3
keys: [k1]
workloads:
  - tee: sandbox
    measurement: $M
YAML
"$LEASEHOLD" manifest sign "$WORK/console.yaml" --owner-key "$WORK/owner.key" --out "$WORK/console.dsse" --yes >/dev/null
expect_exit 0 "a lease issued through the CLI" "$LEASEHOLD" lease issue --broker "$URL" "$WORK/console.dsse"
fetch() { "$LEASEHOLD" workload fetch --allow-disk --broker "$URL" --owner acme --lease console --tee sandbox --sandbox-measurement "$1" --out "$WORK/keys"; }
expect_exit 0 "  ...a grant" fetch "$M"
expect_exit 1 "  ...a denial (wrong measurement)" fetch "$WRONG"
expect_exit 0 "  ...revoked by its owner" "$LEASEHOLD" lease revoke --broker "$URL" --owner acme --owner-key "$WORK/owner.key" --lease console
expect_exit 0 "an auditor token" "$LEASEHOLD" auditor add --broker "$URL" --admin-token-file "$D/admin.token" --name console-test
TOKEN="$OUT"

# The page is public and locked down; its data is not.
curl -s -D "$WORK/h.txt" -o "$WORK/console.html" "$URL/console"
grep -q "^HTTP/1.1 200" "$WORK/h.txt" && grep -qi "^content-security-policy: default-src 'none'; script-src 'self'" "$WORK/h.txt" \
  && ok "GET /console without a token: 200 with a strict CSP" || bad "GET /console: $(head -1 "$WORK/h.txt"); $(grep -i content-security "$WORK/h.txt")"
grep -qiE '<script>|<style>| on[a-z]+=|https?://' "$WORK/console.html" && bad "  ...the page has inline script or style, a handler attribute or an outside URL" || ok "  ...no inline script or style, no outside URL"
code="$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/audit/owners")"
[ "$code" = 401 ] && ok "GET /v1/audit/owners without a token: 401" || bad "audit owners without a token: HTTP $code"
curl -sf -H "Authorization: Bearer $TOKEN" "$URL/v1/audit/leases?owner=acme" > "$WORK/leases.json"
python3 - "$WORK/leases.json" <<'PY' && ok "GET /v1/audit/leases with the token: lease console, revoked, 1 grant, 1 denial" || bad "audit leases: $(cat "$WORK/leases.json")"
import json, sys
l = [x for x in json.load(open(sys.argv[1])) if x["leaseId"] == "console"][0]
assert (l["status"], l["grants"], l["denials"], len(l["seqs"])) == ("revoked", 1, 1, 4), l
PY
code="$(curl -s -o "$WORK/nf.out" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/v1/audit/leases/acme/nope/entries")"
[ "$code" = 404 ] && grep -q lease-not-found "$WORK/nf.out" && ok "  ...an unknown lease's entries: 404 lease-not-found" || bad "unknown lease entries: HTTP $code"

if [ -x /usr/bin/chromedriver ] && /usr/bin/python3 -c "import selenium" 2>/dev/null; then
  P1=$((PORT + 1)); P2=$((PORT + 2))
  /usr/bin/python3 "$ROOT/integration/console-proxy.py" "$P1" "$URL" checkpoint & 
  /usr/bin/python3 "$ROOT/integration/console-proxy.py" "$P2" "$URL" proof &
  for p in "$P1" "$P2"; do for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$p/v1/health" >/dev/null && break; sleep 0.1; done; done
  timeout 300 /usr/bin/python3 "$ROOT/integration/console-browser.py" "$URL" "$TOKEN" acme console \
    "http://127.0.0.1:$P1" "http://127.0.0.1:$P2" "$ART/console-lease.png" > "$WORK/browser.out" 2>"$WORK/browser.err"
  while IFS= read -r line; do
    case "$line" in "ok   "*) ok "${line#ok   }";; "FAIL "*) bad "${line#FAIL }";; esac
  done < "$WORK/browser.out"
  grep -q . "$WORK/browser.out" || bad "the browser test printed nothing: $(tail -5 "$WORK/browser.err")"
  [ -s "$ART/console-lease.png" ] && ok "  ...artifact $ART/console-lease.png ($(stat -c %s "$ART/console-lease.png") bytes)" || bad "no screenshot"
else
  bad "chromium-driver and python3-selenium are needed for the console test (.ci/run installs them)"
fi

# --public-log: anyone reads; a token that is sent must still be valid.
kill "$SERVER"; wait "$SERVER" 2>/dev/null
start --public-log
code="$(curl -s -o "$WORK/pub.out" -w '%{http_code}' "$URL/v1/log/entries?start=0&limit=5")"
[ "$code" = 200 ] && grep -q owner.registered "$WORK/pub.out" && ok "serve --public-log: entries without a token" || bad "public log entries: HTTP $code"
code="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer lha_0000" "$URL/v1/audit/owners")"
[ "$code" = 401 ] && ok "  ...but a wrong token is still refused (401)" || bad "public log with a wrong token: HTTP $code"
grep -q "log entries readable by anyone (--public-log)" "$WORK/serve.log" && ok "  ...and serve says so at start" || bad "serve does not say the log is public"
finish
