#!/usr/bin/env python3
"""A man in the middle for the console test: forwards every request to the broker and forges
one kind of answer, so the test can see the browser say NOT verified.

  console-proxy.py PORT BROKER_URL checkpoint   # the checkpoint's root hash changed (signature kept)
  console-proxy.py PORT BROKER_URL proof        # the first hash of every inclusion proof flipped
"""
import base64, http.server, json, sys, urllib.error, urllib.request

port, upstream, mode = int(sys.argv[1]), sys.argv[2].rstrip("/"), sys.argv[3]


def forge(path, body):
    if mode == "checkpoint" and path.startswith("/v1/log/checkpoint"):
        lines = body.decode().split("\n")
        root = bytearray(base64.b64decode(lines[2]))
        root[0] ^= 1
        lines[2] = base64.b64encode(bytes(root)).decode()
        return "\n".join(lines).encode()
    if mode == "proof" and path.startswith("/v1/log/proof/inclusion"):
        proof = json.loads(body)
        if proof["inclusion_proof"]:
            h = bytearray(base64.b64decode(proof["inclusion_proof"][0]))
            h[0] ^= 1
            proof["inclusion_proof"][0] = base64.b64encode(bytes(h)).decode()
        return json.dumps(proof).encode()
    return body


class Proxy(http.server.BaseHTTPRequestHandler):
    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("authorization", "content-type")}
        req = urllib.request.Request(upstream + self.path, data=data, headers=headers, method=self.command)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                status, rheaders, body = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            status, rheaders, body = e.code, e.headers, e.read()
        body = forge(self.path, body) if status == 200 else body
        self.send_response(status)
        for k, v in rheaders.items():
            if k.lower() not in ("content-length", "connection", "transfer-encoding", "date", "server"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = forward

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", port), Proxy).serve_forever()
