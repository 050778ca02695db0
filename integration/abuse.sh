#!/usr/bin/env bash
# The review's attacks (SECURITY-REVIEW-2026-12: C1, H1, H2, H3, M3, rate limits) against a
# real `leasehold serve` on loopback, with bounded counts and times, then the checks that the
# broker survived: /v1/health within 1 s, a genuine workload still gets its key, the audit
# of the whole log verifies. Traffic goes only to 127.0.0.1.
source "$(dirname "$0")/lib.sh"
SCENARIO="abuse.sh"
M="5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
PY="$WORK/abuse.py"
HELP="$("$LEASEHOLD" serve --help 2>&1)"
has_opt() { case "$HELP" in *"$1"*) return 0;; *) return 1;; esac; }

# The attack tools, after the review's appendix scripts. Every socket has a timeout; every
# loop a bound.
cat > "$PY" <<'PY'
import base64, json, os, select, socket, struct, sys, threading, time, urllib.request, urllib.error

def post(url, body, timeout=10, ctype="application/json"):
    req = urllib.request.Request(url, data=body, method="POST", headers={"content-type": ctype})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r: return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e: return e.code, e.read(), dict(e.headers)
    except Exception as e: return None, repr(e).encode(), {}

def challenge(url, owner, lease):
    st, b, _ = post(f"{url}/v1/leases/{owner}/{lease}/challenge", b"")
    if st != 200: sys.exit(f"challenge: {st} {b[:300]!r}")
    return json.loads(b)["nonce"]

def show(st, body):
    # One line for bash: the status, whether the body is a JSON error object, and its text.
    try: j = json.loads(body); isjson = isinstance(j, dict) and "error" in j; reason = j.get("reason", "") if isinstance(j, dict) else ""
    except Exception: isjson, reason = False, ""
    print(st, "json" if isjson else "nojson", reason or "-", body[:300].decode("utf-8", "replace").replace("\n", " "))

# --- DER, enough for the crash inputs ---
def tlv(tag, content):
    n = len(content)
    if n < 0x80: length = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big"); length = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + length + content
SEQ = lambda *xs: tlv(0x30, b"".join(xs))
OID_SHA384 = bytes.fromhex("0609608648016503040202")
OID_MGF1 = bytes.fromhex("06092a864886f70d010108")
OID_PSS = bytes.fromhex("06092a864886f70d01010a")
NULL = b"\x05\x00"
INTMAX = tlv(0x02, bytes.fromhex("7fffffffffffffff"))
# AMD's RSASSA-PSS AlgorithmIdentifier: SHA-384, MGF1-SHA-384, salt 48.
PSS = SEQ(OID_PSS, SEQ(tlv(0xA0, SEQ(OID_SHA384, NULL)), tlv(0xA1, SEQ(OID_MGF1, SEQ(OID_SHA384, NULL))), tlv(0xA2, tlv(0x02, b"\x30"))))
# The review's 27-byte CRL: version INTEGER Int.max.
CRL = bytes.fromhex("301b" "300a02087fffffffffffffff" "300a06082a8648ce3d040302" "030100")
# A certificate whose [0] EXPLICIT version is Int.max, with AMD's algorithm identifier.
CERT = SEQ(SEQ(tlv(0xA0, INTMAX)), PSS, tlv(0x03, b"\x00"))

def pem(label, der):
    b = base64.b64encode(der)
    return (f"-----BEGIN {label}-----\n".encode() + b"".join(b[i:i + 64] + b"\n" for i in range(0, len(b), 64))
            + f"-----END {label}-----\n".encode())

def grant_body(tee, evidence, collateral, nonce, tee_field=None):
    return json.dumps({"tee": tee_field or tee, "evidence": base64.b64encode(evidence).decode(),
                       "collateral": [base64.b64encode(c).decode() for c in collateral], "nonce": nonce,
                       "suite": "x25519-sha256-aes256gcm", "publicKey": base64.b64encode(b"\x09" * 32).decode()}).encode()

def crash(url, owner, lease, kind):
    nonce = challenge(url, owner, lease)
    if kind == "sgx":   # crlcrash.py: an SGX v3 quote whose collateral holds the CRL
        INTEL = bytes.fromhex("939a7233f79c4ca9940a0db3957f0607")
        pck = b"-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n"
        header = struct.pack("<HHI", 3, 2, 0) + b"\0" * 4 + INTEL + b"\0" * 20
        sig = b"\0" * (64 + 64 + 384 + 64) + struct.pack("<H", 0) + struct.pack("<HI", 5, len(pck)) + pck
        quote = header + b"\0" * 384 + struct.pack("<I", len(sig)) + sig
        body = grant_body("sgx", quote, [CRL], nonce)
    else:               # the SEV-SNP variant: VERSION=2, POLICY bit 17, SIGNATURE_ALGO=1
        report = bytearray(1184)
        struct.pack_into("<I", report, 0x00, 2)
        struct.pack_into("<Q", report, 0x08, 1 << 17)
        struct.pack_into("<I", report, 0x34, 1)
        coll = {"snp-cert": [CERT], "snp-crl": [CRL, CERT], "snp-pem": [pem("CERTIFICATE", CERT) + pem("X509 CRL", CRL)]}[kind]
        body = grant_body("sev-snp", bytes(report), coll, nonce)
    st, b, _ = post(f"{url}/v1/leases/{owner}/{lease}/grants", body)
    show(st, b)

def bomb(depth, cut=None):
    lines = ["a0: &a0 [" + ",".join(["x"] * 10) + "]"]
    for i in range(1, depth): lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i-1}"] * 10) + "]")
    return "\n".join(lines + [f"? *a{depth-1}", ": 1"]) + "\n"

def spam(url, path, count, size, nonce_mode, tee):
    # logspam.py: grant requests with a SIZE-byte tee (or a valid one) and an empty, bogus
    # or garbage nonce. Prints the status histogram.
    hist = {}
    for i in range(count):
        p = path.replace("{i}", str(i))
        nonce = {"empty": "", "bogus": base64.b64encode(os.urandom(48)).decode(), "junk": "!!not base64!!"}[nonce_mode]
        t = "A" * size if tee == "big" else tee
        body = json.dumps({"tee": t, "evidence": "", "nonce": nonce, "suite": "x25519-sha256-aes256gcm",
                           "publicKey": base64.b64encode(b"\x09" * 32).decode()}).encode()
        st, _, _ = post(url + p, body)
        hist[str(st)] = hist.get(str(st), 0) + 1
    print(json.dumps(hist, sort_keys=True))

def health_ms(host, port):
    t = time.monotonic()
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/v1/health", timeout=1) as r: r.read(); ok = r.status == 200
    except Exception: ok = False
    return ok, round((time.monotonic() - t) * 1000)

def slow(host, port, n_head, n_body, n_idle, wait):
    # slow.py: N_HEAD sockets send a partial request head and never finish it; N_BODY send a
    # grant head with Content-Length 1 MB and a few bytes of body; N_IDLE only connect. Then
    # they hold: each is watched until the server closes it (EOF or reset) or WAIT passes.
    socks = []
    for kind, n in (("head", n_head), ("body", n_body), ("idle", n_idle)):
        for i in range(n):
            s = socket.create_connection((host, port), timeout=5)
            if kind == "head":
                s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n")
            elif kind == "body":
                s.sendall(b"POST /v1/leases/acme/real/grants HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          b"Content-Length: 1048576\r\n\r\n{\"tee\":\"sgx\",")
            s.setblocking(False)
            socks.append([kind, s, None])
    t0 = time.monotonic()
    during = [health_ms(host, port)]   # at once, and again 1 s into the hold
    deadline = t0 + wait
    while time.monotonic() < deadline:
        if len(during) == 1 and time.monotonic() - t0 >= 1: during.append(health_ms(host, port))
        live = [x for x in socks if x[2] is None]
        if not live: break
        r, _, _ = select.select([x[1] for x in live], [], [], 0.2)
        for x in live:
            if x[1] in r:
                try: data = x[1].recv(65536)
                except (ConnectionResetError, BrokenPipeError): data = b""
                except BlockingIOError: continue
                if data == b"": x[2] = time.monotonic() - t0   # closed by the server
                # (a response before the close, e.g. a 408, is read and the socket watched on)
    after = health_ms(host, port)
    res = {"opened": len(socks), "during": during, "after": after, "open": {}, "closed": {}, "latest": {}}
    for kind, s, at in socks:
        key = "open" if at is None else "closed"
        res[key][kind] = res[key].get(kind, 0) + 1
        if at is not None: res["latest"][kind] = round(max(res["latest"].get(kind, 0), at), 2)
        s.close()
    print(json.dumps(res, sort_keys=True))

def capped(host, port, cap):
    # Opens CAP idle sockets (the cap), then one more: it must be closed at once. Then frees them.
    socks = [socket.create_connection((host, port), timeout=5) for _ in range(cap)]
    time.sleep(0.2)
    extra = socket.create_connection((host, port), timeout=5)
    extra.settimeout(3)
    t = time.monotonic()
    try: data = extra.recv(1024); closed = data == b""
    except (ConnectionResetError, BrokenPipeError): closed = True
    except socket.timeout: closed = False
    took = round(time.monotonic() - t, 2)
    for s in socks + [extra]: s.close()
    print(json.dumps({"closed": closed, "seconds": took}))

def owner_sign(keyfile, op, owner, field, value, broker):
    # ownersign.py, with the audience: signs as OwnerRequestSigning.sign does (DSSE PAE over
    # canonical JSON {op, owner, <target>, time, broker}).
    import datetime
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    parts = open(keyfile).read().split()
    assert parts[:3] == ["leasehold-owner-key", "v1", "ed25519"], parts[:3]
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(parts[3]))
    t = datetime.datetime.now(datetime.timezone.utc)
    payload = json.dumps({"op": op, "owner": owner, field: value, "broker": broker,
                          "time": t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"},
                         sort_keys=True, separators=(",", ":")).encode()
    ptype = b"application/vnd.leasehold.request+json"
    pae = b"DSSEv1 %d %s %d %s" % (len(ptype), ptype, len(payload), payload)
    print(json.dumps({"payload": base64.b64encode(payload).decode(), "signature": base64.b64encode(key.sign(pae)).decode()}))

def proxy(listen_port, target, record, portfile):
    # A one-shot recording proxy to TARGET (used when `cryptography` is missing): forwards
    # every request and keeps the body of the POST .../revoke it sees.
    import http.server
    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a): pass
        def go(self, method):
            n = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(n) if n else None
            if method == "POST" and self.path.endswith("/revoke"): open(record, "wb").write(body or b"")
            req = urllib.request.Request(target + self.path, data=body, method=method,
                                         headers={k: v for k, v in self.headers.items() if k.lower() in ("content-type", "authorization")})
            try:
                with urllib.request.urlopen(req, timeout=10) as r: st, b, ct = r.status, r.read(), r.headers.get("content-type")
            except urllib.error.HTTPError as e: st, b, ct = e.code, e.read(), e.headers.get("content-type")
            self.send_response(st); self.send_header("content-type", ct or "application/json")
            self.send_header("content-length", str(len(b))); self.end_headers(); self.wfile.write(b)
        def do_GET(self): self.go("GET")
        def do_POST(self): self.go("POST")
        def do_PUT(self): self.go("PUT")
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", listen_port), H)
    open(portfile, "w").write(str(srv.server_address[1]))
    srv.timeout = 1
    end = time.monotonic() + 60
    while time.monotonic() < end: srv.handle_request()

def burst(url, path, n, threads):
    # N POSTs to PATH from THREADS threads at once; the status histogram and Retry-After values.
    res, lock = {"status": {}, "retryAfter": []}, threading.Lock()
    todo = list(range(n))
    def work():
        while True:
            with lock:
                if not todo: return
                todo.pop()
            st, _, h = post(url + path, b"", timeout=5)
            ra = {k.lower(): v for k, v in h.items()}.get("retry-after")
            with lock:
                res["status"][str(st)] = res["status"].get(str(st), 0) + 1
                if st == 429: res["retryAfter"].append(ra)
    ts = [threading.Thread(target=work) for _ in range(threads)]
    for t in ts: t.start()
    for t in ts: t.join(30)
    print(json.dumps(res))

def entries(url):
    # Every entry, page by page (bounded): the count and the longest string value in any entry.
    start, longest, kinds = 0, 0, {}
    for _ in range(1000):
        token = os.environ.get("LOG_TOKEN")
        req = urllib.request.Request(f"{url}/v1/log/entries?start={start}&limit=1000", headers={"Authorization": "Bearer " + token} if token else {})
        with urllib.request.urlopen(req, timeout=10) as r: lines = r.read().splitlines()
        if not lines: break
        for l in lines:
            e = json.loads(l)
            kinds[e.get("kind")] = kinds.get(e.get("kind"), 0) + 1
            for v in e.values():
                if isinstance(v, str): longest = max(longest, len(v))
        start += len(lines)
    print(json.dumps({"count": start, "longest": longest, "kinds": kinds}))

cmd, a = sys.argv[1], sys.argv[2:]
if cmd == "crash": crash(a[0], a[1], a[2], a[3])
elif cmd == "bomb": sys.stdout.write(bomb(int(a[0])))
elif cmd == "bomb-envelope":
    print(json.dumps({"payload": base64.b64encode(bomb(int(a[0])).encode()).decode(),
                      "payloadType": "application/vnd.leasehold.manifest+json",
                      "signatures": [{"keyid": "", "sig": base64.b64encode(b"\0" * 64).decode()}]}))
elif cmd == "spam": spam(a[0], a[1], int(a[2]), int(a[3]), a[4], a[5])
elif cmd == "slow": slow(a[0], int(a[1]), int(a[2]), int(a[3]), int(a[4]), float(a[5]))
elif cmd == "capped": capped(a[0], int(a[1]), int(a[2]))
elif cmd == "ownersign": owner_sign(*a)
elif cmd == "proxy": proxy(int(a[0]), a[1], a[2], a[3])
elif cmd == "burst": burst(a[0], a[1], int(a[2]), int(a[3]))
elif cmd == "entries": entries(a[0])
elif cmd == "post":
    st, b, _ = post(a[0], open(a[1], "rb").read()); show(st, b)
else: sys.exit("unknown " + cmd)
PY

# jq-free JSON reads for the results above.
jget() { python3 -c 'import json,sys; v=json.load(sys.stdin)
for k in sys.argv[1:]: v = v.get(k, 0) if isinstance(v, dict) else 0
print(v)' "$@"; }
is4xx() { case "$1" in 4??) return 0;; *) return 1;; esac; }
# health URL: /v1/health answers 200 within 1 s.
health() { curl -sf -m 1 -o /dev/null "$1/v1/health"; }
log_size() { curl -sf -m 5 "$1/v1/log/checkpoint" | sed -n 2p; }

# Servers. Generous rate limits for the broker under attack, so only the dedicated rate-limit
# check (on broker B, with the defaults) is throttled; short HTTP timeouts for the stalled
# sockets if the options exist (else the 30 s defaults the issue asks for are checked).
LIMITS=()
has_opt --client-rate && LIMITS+=(--client-rate 100000 --client-burst 100000 --lease-rate 100000 --lease-burst 100000 --owner-rate 100000 --owner-burst 100000)
SLOW_T=30
if has_opt --request-head-timeout && has_opt --request-body-timeout; then
  SLOW_T=2; LIMITS+=(--request-head-timeout 2 --request-body-timeout 2)
  has_opt --idle-timeout && LIMITS+=(--idle-timeout 3)
fi
has_opt --max-connections && LIMITS+=(--max-connections 400)

# start NAME DATADIR [flags]: serve on 127.0.0.1, port 0 (the kernel picks a free one, which
# the server prints); sets PORT_NAME and PID_NAME.
start() {
  local name="$1" dir="$2" port=""; shift 2
  "$LEASEHOLD" serve --data-dir "$dir" --listen "127.0.0.1:0" --allow-sandbox --sweep-interval 1 "$@" >>"$WORK/$name.log" 2>&1 &
  eval "PID_$name=$!"
  for _ in $(seq 1 100); do
    port="$(sed -n -E 's|^leasehold: listening on http://127\.0\.0\.1:([0-9]+)$|\1|p' "$WORK/$name.log" | tail -1)"
    [ -n "$port" ] && curl -sf -m 1 "http://127.0.0.1:$port/v1/health" >/dev/null && { eval "PORT_$name=$port"; return 0; }
    sleep 0.1
  done
  bad "server $name did not start: $(tail -5 "$WORK/$name.log")"; finish; exit 1
}
alive() { kill -0 "$(eval echo "\$PID_$1")" 2>/dev/null; }

manifest() { # owner leaseId keyfile [extra yaml line]
  { printf 'owner: %s\nleaseId: %s\npurpose: abuse test\nttl: 1h\nmaxGrants: 100\nkeys: [k1]\n' "$1" "$2"
    [ -n "${4:-}" ] && printf '%s\n' "$4"
    printf 'workloads:\n  - tee: sandbox\n    measurement: %s\n' "$M"; } > "$WORK/$1-$2.yaml"
  "$LEASEHOLD" manifest sign "$WORK/$1-$2.yaml" --owner-key "$3" --out "$WORK/$1-$2.dsse" --yes >/dev/null
}

T0=$SECONDS
start A "$WORK/dataA" "${LIMITS[@]}"
PORT="$PORT_A"; URL="http://127.0.0.1:$PORT"
LOGKEY="$(curl -sf "$URL/v1/broker" | json_field logKey)"
# A client that hangs up mid-body is its own failure: logged as 400 body-incomplete, not a 500.
python3 - "$PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"POST /v1/leases HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n" + b"{" * 100)
s.close()
PY
for _ in $(seq 1 50); do grep -q "body-incomplete" "$WORK/A.log" && break; sleep 0.1; done
grep -q "reason=body-incomplete" "$WORK/A.log" && ! grep -q "status=500" "$WORK/A.log" && ok "a client hanging up mid-body is logged as 400 body-incomplete, not a 500" \
  || bad "hang-up mid-body: $(grep -E 'body-incomplete|status=500' "$WORK/A.log" | tail -2)"
"$LEASEHOLD" owner keygen --out "$WORK/acme" >/dev/null
expect_exit 0 "owner acme registered" "$LEASEHOLD" owner register --broker "$URL" --admin-token-file "$WORK/dataA/admin.token" --owner acme --public-key "$WORK/acme.pub"
export LOG_TOKEN="$(cat "$WORK/dataA/admin.token")"  # entries need a reader's token (no --public-log)
head -c 32 /dev/urandom > "$WORK/k1.bin"
"$LEASEHOLD" vault put --broker "$URL" --owner acme --owner-key "$WORK/acme.key" --key-id k1 --from-file "$WORK/k1.bin" >/dev/null
manifest acme real "$WORK/acme.key"
expect_exit 0 "lease acme/real issued (names only sandbox)" "$LEASEHOLD" lease issue --broker "$URL" "$WORK/acme-real.dsse"

# --- a. C1: Int.max versions in a CRL and an AMD certificate ---------------------------------
for kind in sgx snp-cert snp-crl snp-pem; do
  read -r st isjson reason rest < <(timeout 20 python3 "$PY" crash "$URL" acme real "$kind")
  if is4xx "$st" && [ "$isjson" = json ]; then ok "C1 $kind: Int.max version refused with HTTP $st ($reason: ${rest:0:150})"
  else bad "C1 $kind: want a 4xx JSON error, got '$st $isjson $reason $rest'"; fi
  health "$URL" && ok "  ...and /v1/health answers within 1 s" || bad "  .../v1/health gave no answer within 1 s after C1 $kind (alive: $(alive A && echo yes || echo no))"
done
alive A || { bad "the broker died in C1: $(grep -m3 -A3 'runtime failure' "$WORK/A.log")"; finish; exit 1; }

# --- b. H1: YAML alias bombs (complex key `? *aN`) on POST /v1/leases -------------------------
for d in 10 12; do
  python3 "$PY" bomb "$d" > "$WORK/bomb$d.yaml"
  python3 "$PY" bomb-envelope "$d" > "$WORK/bomb$d.json"
  for form in yaml json; do
    f="$WORK/bomb$d.$form"
    res="$(curl -s -m 2 -o "$WORK/bomb.out" -w '%{http_code} %{time_total}' -X POST -H 'content-type: application/json' --data-binary @"$f" "$URL/v1/leases")"
    code="${res% *}"
    if is4xx "$code"; then ok "H1 depth $d as $form ($(wc -c < "$f") bytes): HTTP $code in ${res#* } s"
    else bad "H1 depth $d as $form: want a 4xx within 2 s, got '$res' $(head -c 200 "$WORK/bomb.out")"; fi
    health "$URL" && ok "  ...and /v1/health answers within 1 s right after" || bad "  ...no /v1/health within 1 s right after the depth-$d bomb"
  done
done
# The CLI refuses the same YAML at the event level (anchors and aliases), quickly.
s=$SECONDS
expect_exit 1 "manifest sign refuses the depth-12 bomb" timeout 10 "$LEASEHOLD" manifest sign "$WORK/bomb12.yaml" --owner-key "$WORK/acme.key" --out "$WORK/bomb.dsse" --yes
[ $((SECONDS - s)) -le 2 ] && ok "  ...within 2 s" || bad "  ...took $((SECONDS - s)) s"

# --- c. H2: denied-entry spam must not grow the log --------------------------------------------
before="$(log_size "$URL")"
hist="$(timeout 60 python3 "$PY" spam "$URL" "/v1/leases/nobody-{i}/nothing/grants" 50 100000 empty big)"
[ "$(echo "$hist" | python3 -c 'import json,sys; h=json.load(sys.stdin); print(all(k.startswith("4") for k in h) and sum(h.values()))')" = 50 ] \
  && ok "H2: 50 grants with a 100 KB tee on a non-existent lease: all 4xx $hist" || bad "H2 spam on a non-existent lease: $hist"
hist="$(timeout 60 python3 "$PY" spam "$URL" "/v1/leases/acme/real/grants" 50 100000 empty big)"
[ "$(echo "$hist" | python3 -c 'import json,sys; h=json.load(sys.stdin); print(all(k.startswith("4") for k in h) and sum(h.values()))')" = 50 ] \
  && ok "H2: 50 grants with a 100 KB tee on the real lease: all 4xx $hist" || bad "H2 spam on the real lease: $hist"
hist="$(timeout 60 python3 "$PY" spam "$URL" "/v1/leases/acme/real/grants" 30 0 bogus sandbox)"
[ "$(echo "$hist" | python3 -c 'import json,sys; h=json.load(sys.stdin); print(all(k.startswith("4") for k in h) and sum(h.values()))')" = 30 ] \
  && ok "H2: 30 grants with a valid tee and a bogus (well-formed) nonce on the real lease: all 4xx $hist" || bad "H2 bogus-nonce spam: $hist"
hist="$(timeout 60 python3 "$PY" spam "$URL" "/v1/leases/nobody/nothing/grants" 20 0 junk sgx)"
[ "$(echo "$hist" | python3 -c 'import json,sys; h=json.load(sys.stdin); print(all(k.startswith("4") for k in h) and sum(h.values()))')" = 20 ] \
  && ok "H2: 20 grants with a non-base64 nonce on a non-existent lease: all 4xx $hist" || bad "H2 junk-nonce spam: $hist"
after="$(log_size "$URL")"
[ -n "$before" ] && [ "$before" = "$after" ] && ok "  ...and the log did not grow (size $before before and after 150 refusals)" || bad "the spam grew the log: size $before -> $after"
# Only a genuine, unused nonce buys an entry: one real grant (one key.granted), its replay none.
expect_exit 0 "a genuine workload gets its key (request kept)" "$LEASEHOLD" workload fetch --allow-disk --broker "$URL" --owner acme --lease real --tee sandbox --sandbox-measurement "$M" --out "$WORK/out1" --save-request "$WORK/grant.json"
cmp -s "$WORK/k1.bin" "$WORK/out1/k1" && ok "  ...and it is the owner's key" || bad "released key differs"
s1="$(log_size "$URL")"
[ "$s1" = $((after + 1)) ] && ok "  ...which added exactly one entry" || bad "a genuine grant moved the log from $after to $s1"
read -r st isjson reason rest < <(python3 "$PY" post "$URL/v1/leases/acme/real/grants" "$WORK/grant.json")
is4xx "$st" && [ "$reason" = nonce-invalid ] && ok "H2: the used-nonce replay of that grant is refused (HTTP $st $reason)" || bad "used-nonce replay: '$st $isjson $reason $rest'"
s2="$(log_size "$URL")"
[ "$s1" = "$s2" ] && ok "  ...and adds no log entry" || bad "the used-nonce replay grew the log from $s1 to $s2"
read -r res < <(python3 "$PY" entries "$URL")
longest="$(echo "$res" | jget longest)"
[ "$(echo "$res" | jget count)" = "$s2" ] && ok "  ...GET /v1/log/entries has as many entries as the checkpoint ($s2)" || bad "entries $(echo "$res" | jget count) vs checkpoint size $s2"
[ "$longest" -le 4096 ] && ok "H2: no string in any log entry is longer than 4 KiB (longest $longest)" || bad "a log entry holds a $longest-character string"

# --- d. H3: stalled sockets (partial heads, stalled bodies, idle connections) ------------------
WAIT=$((SLOW_T + 5))
res="$(timeout $((WAIT + 20)) python3 "$PY" slow 127.0.0.1 "$PORT" 50 10 10 "$WAIT")"
echo "  (stalled sockets, timeouts ${SLOW_T} s: $res)"
[ "$(echo "$res" | jget closed head)" = 50 ] && ok "H3: 50 partial request heads closed by the server (last after $(echo "$res" | jget latest head) s, head timeout $SLOW_T s)" || bad "H3: partial heads not all closed within $WAIT s: $res"
[ "$(echo "$res" | jget closed body)" = 10 ] && ok "H3: 10 stalled 1 MB grant bodies closed by the server (last after $(echo "$res" | jget latest body) s)" || bad "H3: stalled bodies not all closed within $WAIT s: $res"
if has_opt --idle-timeout; then
  [ "$(echo "$res" | jget closed idle)" = 10 ] && ok "H3: 10 idle connections closed by the server (last after $(echo "$res" | jget latest idle) s, idle timeout 3 s)" || bad "H3: idle connections not all closed within $WAIT s: $res"
fi
[ "$(echo "$res" | python3 -c 'import json,sys; d=json.load(sys.stdin)["during"]; print(len(d) == 2 and all(x[0] for x in d))')" = True ] && ok "  .../v1/health answered within 1 s during the attack (at once and 1 s in)" || bad "  .../v1/health did not answer within 1 s during the attack: $res"
[ "$(echo "$res" | python3 -c 'import json,sys; print(json.load(sys.stdin)["after"][0])')" = True ] && health "$URL" && ok "  ...and after it" || bad "  .../v1/health did not answer within 1 s after the attack: $res"

# --- e. M3: replay across two brokers ---------------------------------------------------------
if has_opt --max-connections; then start B "$WORK/dataB" --max-connections 8; else start B "$WORK/dataB"; fi
PORTB="$PORT_B"; URLB="http://127.0.0.1:$PORTB"
LOGKEYB="$(curl -sf "$URLB/v1/broker" | json_field logKey)"
"$LEASEHOLD" owner keygen --out "$WORK/shared" >/dev/null
for n in A B; do
  bu="$URL"; [ "$n" = B ] && bu="$URLB"
  expect_exit 0 "owner 'shared' (one key) registered on broker $n" "$LEASEHOLD" owner register --broker "$bu" --admin-token-file "$WORK/data$n/admin.token" --owner shared --public-key "$WORK/shared.pub"
  "$LEASEHOLD" vault put --broker "$bu" --owner shared --owner-key "$WORK/shared.key" --key-id k1 --from-file "$WORK/k1.bin" >/dev/null || bad "vault put on $n"
done
manifest shared study "$WORK/shared.key" "broker: $LOGKEY"
expect_exit 0 "M3: a manifest with broker: <A's log key> issues on A" "$LEASEHOLD" lease issue --broker "$URL" "$WORK/shared-study.dsse"
code="$(curl -s -m 5 -o "$WORK/m3.out" -w '%{http_code}' -X POST -H 'content-type: application/json' --data-binary @"$WORK/shared-study.dsse" "$URLB/v1/leases")"
is4xx "$code" && grep -q '"reason":"manifest-invalid"' "$WORK/m3.out" && ok "M3: the same envelope POSTed to B is refused (HTTP $code manifest-invalid)" || bad "M3: B answered $code to A's envelope: $(cat "$WORK/m3.out")"
curl -sf -m 5 "$URLB/v1/leases/shared/study" >/dev/null && bad "  ...but B has the lease" || ok "  ...and B has no such lease"
manifest shared open "$WORK/shared.key"
expect_exit 0 "M3: a manifest without broker: issues on A" "$LEASEHOLD" lease issue --broker "$URL" "$WORK/shared-open.dsse"
expect_exit 0 "  ...and, as documented (no audience), on B too" "$LEASEHOLD" lease issue --broker "$URLB" "$WORK/shared-open.dsse"
expect_exit 0 "M3: the owner revokes study on A (lease revoke --owner-key)" "$LEASEHOLD" lease revoke --broker "$URL" --owner shared --lease study --owner-key "$WORK/shared.key"
if python3 -c 'import cryptography' 2>/dev/null && [ -z "${ABUSE_FORCE_PROXY:-}" ]; then
  # The owner's revoke of 'open' addressed to A, signed as the CLI signs it.
  python3 "$PY" ownersign "$WORK/shared.key" lease.revoke shared leaseId open "$LOGKEY" > "$WORK/revoke.json"
  how="signed in Python as OwnerRequestSigning does"
  read -r st isjson reason rest < <(python3 "$PY" post "$URLB/v1/leases/shared/open/revoke" "$WORK/revoke.json")
  is4xx "$st" && ok "M3: a revoke addressed to A, replayed to B, is refused (HTTP $st $reason: ${rest:0:80}...)" || bad "M3: B took A's revoke: '$st $isjson $reason $rest'"
  read -r st isjson reason rest < <(python3 "$PY" post "$URL/v1/leases/shared/open/revoke" "$WORK/revoke.json")
  [ "$st" = 200 ] && ok "  ...while A accepts it (so the body is genuine)" || bad "  ...A refused the revoke it was addressed to: '$st $isjson $reason $rest'"
  read -r st isjson reason rest < <(python3 "$PY" post "$URL/v1/leases/shared/open/revoke" "$WORK/revoke.json")
  is4xx "$st" && [ "$reason" = request-replayed ] && ok "  ...and A refuses it the second time ($reason)" || bad "  ...a replay to A: '$st $isjson $reason $rest'"
else
  # No `cryptography`: the CLI revokes 'open' on A through a recording proxy; its body goes to B.
  how="recorded from the CLI through a proxy (python3 cryptography missing)"
  python3 "$PY" proxy 0 "$URL" "$WORK/revoke.json" "$WORK/proxy.port" & PROXY=$!
  for _ in $(seq 1 50); do [ -s "$WORK/proxy.port" ] && break; sleep 0.1; done
  expect_exit 0 "M3: the owner revokes open on A through a recording proxy" "$LEASEHOLD" lease revoke --broker "http://127.0.0.1:$(cat "$WORK/proxy.port")" --owner shared --lease open --owner-key "$WORK/shared.key"
  kill "$PROXY" 2>/dev/null; wait "$PROXY" 2>/dev/null
  read -r st isjson reason rest < <(python3 "$PY" post "$URLB/v1/leases/shared/open/revoke" "$WORK/revoke.json")
  is4xx "$st" && ok "M3: that revoke body replayed to B is refused (HTTP $st $reason: ${rest:0:80}...)" || bad "M3: B took A's revoke: '$st $isjson $reason $rest'"
fi
echo "  (revoke body $how)"
st="$(curl -sf -m 5 "$URLB/v1/leases/shared/open" | json_field state)"
case "$st" in issued|active) ok "  ...B's lease 'open' is not revoked (state $st)";; *) bad "B's lease 'open' is in state '$st'";; esac
curl -sf -m 5 "$URL/v1/leases/shared/open" | grep -q '"state":"revoked"' && ok "  ...A's lease 'open' is revoked" || bad "A's lease 'open': $(curl -s -m 5 "$URL/v1/leases/shared/open")"

# C1 again, on a lease the owner has just revoked (the challenge endpoint still answers for it).
read -r st isjson reason rest < <(timeout 20 python3 "$PY" crash "$URL" shared study snp-cert)
is4xx "$st" && [ "$isjson" = json ] && health "$URL" && ok "C1 snp-cert on the revoked lease: HTTP $st ($reason), and /v1/health answers" || bad "C1 on a revoked lease: '$st $isjson $reason $rest'"

# --- rate limits and the connection cap (broker B: default rate limits, --max-connections 8) ---
if has_opt --max-connections; then
  res="$(timeout 20 python3 "$PY" capped 127.0.0.1 "$PORTB" 8)"
  [ "$(echo "$res" | jget closed)" = True ] && ok "a 9th connection over --max-connections 8 is closed at once ($(echo "$res" | jget seconds) s)" || bad "over the connection cap: $res"
  for _ in $(seq 1 20); do health "$URLB" && break; sleep 0.1; done
  health "$URLB" && ok "  ...and B answers /v1/health once they are gone" || bad "  ...B does not answer /v1/health after the cap test"
fi
if "$LEASEHOLD" serve --help | grep -qE -- "--(client|lease)-rate"; then
  res="$(timeout 40 python3 "$PY" burst "$URLB" /v1/leases/shared/open/challenge 200 4)"
  n429="$(echo "$res" | jget status 429)"; n200="$(echo "$res" | jget status 200)"
  [ "$n429" -ge 1 ] && [ $((n429 + n200)) = 200 ] && ok "rate limit: a burst of 200 challenges from one client: $n200 answered, $n429 got 429" || bad "rate limit: a burst of 200 challenges gave $res"
  ra="$(echo "$res" | python3 -c 'import json,sys; v=json.load(sys.stdin)["retryAfter"]; print(max(int(x) for x in v) if v and all(x and x.isdigit() and int(x) >= 1 for x in v) else "")')"
  [ -n "$ra" ] && [ "$ra" -le 60 ] && ok "  ...every 429 has Retry-After (at most $ra s)" || bad "  ...429s without a usable Retry-After: $res"
  sleep "${ra:-1}"
  code="$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST "$URLB/v1/leases/shared/open/challenge")"
  [ "$code" = 200 ] && ok "  ...after waiting Retry-After a challenge succeeds" || bad "  ...after waiting $ra s the challenge got HTTP $code"
  health "$URLB" && ok "  ...and /v1/health (not rate-limited) answers within 1 s" || bad "  .../v1/health on B did not answer within 1 s after the burst"
else
  echo "SKIP rate-limit check: serve has no --...-rate options"
fi

# --- f. afterwards: alive, still granting, the audit verifies ---------------------------------
for b in A B; do alive "$b" && ok "broker $b is still running" || bad "broker $b died: $(grep -m3 -A5 'runtime failure\|Fatal' "$WORK/$b.log")"; done
health "$URL" && ok "A answers /v1/health within 1 s after all of it" || bad "A: no /v1/health within 1 s at the end"
expect_exit 0 "a genuine workload still gets its key" "$LEASEHOLD" workload fetch --allow-disk --broker "$URL" --owner acme --lease real --tee sandbox --sandbox-measurement "$M" --out "$WORK/out2"
cmp -s "$WORK/k1.bin" "$WORK/out2/k1" && ok "  ...the owner's key" || bad "released key differs at the end"
grep -q 'runtime failure\|Fatal error' "$WORK/A.log" "$WORK/B.log" && bad "a server log shows a runtime failure" || ok "no runtime failure in either server log"
for b in A B; do
  lk="$LOGKEY"; [ "$b" = B ] && lk="$LOGKEYB"
  expect_exit 0 "audit export of broker $b" "$LEASEHOLD" audit export --db "$WORK/data$b/leasehold.db" --out "$WORK/bundle$b"
  expect_exit 0 "audit verify --bundle of broker $b with its published log key" "$LEASEHOLD" audit verify --bundle "$WORK/bundle$b" --log-key "$lk"
  expect_in "lease invariants hold" "$OUT" "  ...$OUT"
done
echo "  (abuse.sh took $((SECONDS - T0)) s)"
finish
