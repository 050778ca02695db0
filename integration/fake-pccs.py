#!/usr/bin/python3
"""A PCCS for the integration tests: serves Intel's real collateral from ../shared/vectors (the
TDX q4 set of Trustee, FMSPC 50806f000000) at the PCS v4 paths, with the issuer chains in
percent-encoded headers as Intel sends them, and the root CA CRL hex-encoded as PCCS API 3.0
does. Prints its port, then serves until killed. Every request is appended to LOG (argv[2]).

    fake-pccs.py VECTORS_DIR LOG_FILE
"""
import http.server, re, sys, urllib.parse

V = sys.argv[1] + "/tdx/trustee-q4-lunal-collateral/"
LOG = sys.argv[2]


def read(name):
    with open(V + name, "rb") as f:
        return f.read()


def pck_crl_chain():
    text = read("tdx_quote_4.dat").decode("latin-1")
    blocks = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n?", text, re.S)
    return "".join(b if b.endswith("\n") else b + "\n" for b in blocks[1:]).encode()


def pct(data):
    return urllib.parse.quote(data, safe="")


ROUTES = {
    "/tdx/certification/v4/tcb": (read("tcb_info_50806f000000.json"), {"TCB-Info-Issuer-Chain": pct(read("tcb_signing_chain.pem"))}),
    "/tdx/certification/v4/qe/identity": (read("td_qe_identity.json"), {"SGX-Enclave-Identity-Issuer-Chain": pct(read("qe_identity_signing_chain.pem"))}),
    "/sgx/certification/v4/pckcrl": (read("pck_crl_platform.der"), {"SGX-PCK-CRL-Issuer-Chain": pct(pck_crl_chain())}),
    "/sgx/certification/v4/rootcacrl": (read("root_ca_crl.der").hex().encode(), {}),
}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(LOG, "a") as log:
            log.write(self.path + "\n")
        path, _, query = self.path.partition("?")
        q = urllib.parse.parse_qs(query)
        route = ROUTES.get(path)
        if route is None or (path.endswith("/tcb") and q.get("fmspc") != ["50806f000000"]) \
                or (path.endswith("/pckcrl") and q.get("ca") != ["platform"]):
            self.send_response(404)
            self.end_headers()
            return
        body, headers = route
        self.send_response(200)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
