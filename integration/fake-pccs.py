#!/usr/bin/python3
"""A PCCS and an AMD KDS for the integration tests.

PCCS: serves Intel's real collateral from ../shared/vectors at the PCS v4 paths, with the issuer
chains in percent-encoded headers as Intel sends them, and the root CA CRL hex-encoded as PCCS
API 3.0 does. One set at a time, as a real PCCS serves one QE identity: `q4` (default; Trustee's
TDX set, FMSPC 50806f000000) or `phala` (dcap-qvl's TDX b0c06f000000 and SGX 00a067110000 sets).
KDS: serves the real Milan and Genoa VCEKs at /vcek/v1/{product}/{hwid}?blSPL=..&teeSPL=..
&snpSPL=..&ucodeSPL=.. (only for the vectors' chip ids and reported TCBs) and the real
cert_chain PEMs; /crl answers 404, because the vectors hold no ARK-signed CRL.
Anything under /slow/ answers after 30 s (a stalled upstream). Threaded, so a stalled request
holds up no other. Prints its port, then serves until killed. Every request is appended to
LOG (argv[2]).

    fake-pccs.py VECTORS_DIR LOG_FILE [q4|phala]
"""
import http.server, json, re, sys, time, urllib.parse

VECTORS = sys.argv[1] + "/"
V = VECTORS + "tdx/trustee-q4-lunal-collateral/"
LOG = sys.argv[2]
SET = sys.argv[3] if len(sys.argv) > 3 else "q4"


def read(name):
    with open(V + name, "rb") as f:
        return f.read()


def pck_crl_chain():
    text = read("tdx_quote_4.dat").decode("latin-1")
    blocks = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n?", text, re.S)
    return "".join(b if b.endswith("\n") else b + "\n" for b in blocks[1:]).encode()


def pct(data):
    return urllib.parse.quote(data, safe="")


def vector(name):
    with open(VECTORS + name, "rb") as f:
        return f.read()


def pcs(member, text, signature):
    """A PCS v4 answer: the signed JSON text byte for byte, and its signature."""
    return ('{"%s":%s,"signature":"%s"}' % (member, text, signature)).encode()


# (path, fmspc or ca) -> (body, headers). q4: Trustee's TDX set (2026-04); phala: dcap-qvl's
# TDX and SGX sets (2025-07), its collateral JSON turned back into the PCS answers it came from.
if SET == "q4":
    INTEL = {
        ("/tdx/certification/v4/tcb", "50806f000000"): (read("tcb_info_50806f000000.json"), {"TCB-Info-Issuer-Chain": pct(read("tcb_signing_chain.pem"))}),
        ("/tdx/certification/v4/qe/identity", None): (read("td_qe_identity.json"), {"SGX-Enclave-Identity-Issuer-Chain": pct(read("qe_identity_signing_chain.pem"))}),
        ("/sgx/certification/v4/pckcrl", "platform"): (read("pck_crl_platform.der"), {"SGX-PCK-CRL-Issuer-Chain": pct(pck_crl_chain())}),
        ("/sgx/certification/v4/rootcacrl", None): (read("root_ca_crl.der").hex().encode(), {}),
    }
else:
    INTEL = {}
    for tee, fmspc, ca, name in (("tdx", "b0c06f000000", "platform", "tdx/phala-dcap-qvl/tdx_quote_collateral.json"),
                                 ("sgx", "00a067110000", "processor", "sgx/phala-dcap-qvl/sgx_quote_collateral.json")):
        c = json.loads(vector(name))
        INTEL[("/%s/certification/v4/tcb" % tee, fmspc)] = (pcs("tcbInfo", c["tcb_info"], c["tcb_info_signature"]),
                                                           {"TCB-Info-Issuer-Chain": pct(c["tcb_info_issuer_chain"].encode())})
        INTEL[("/%s/certification/v4/qe/identity" % tee, None)] = (pcs("enclaveIdentity", c["qe_identity"], c["qe_identity_signature"]),
                                                                  {"SGX-Enclave-Identity-Issuer-Chain": pct(c["qe_identity_issuer_chain"].encode())})
        INTEL[("/sgx/certification/v4/pckcrl", ca)] = (bytes.fromhex(c["pck_crl"]), {"SGX-PCK-CRL-Issuer-Chain": pct(c["pck_crl_issuer_chain"].encode())})
        INTEL[("/sgx/certification/v4/rootcacrl", None)] = (c["root_ca_crl"].encode(), {})


# The vectors' chips at their reported TCBs (EXPECTED.json), and the products' chains.
KDS = {
    "/vcek/v1/Milan/c38427a30d4c7af9d96f7a15b97269825a64cb76a2352ffd5d18115d89ad473f8e8c0bcd9a5d9286612bad4aadfb4426205a3b9e4fea82301135a170e477524e?blSPL=3&teeSPL=0&snpSPL=8&ucodeSPL=115":
        vector("sev-snp/milan-trustee/test-vcek.der"),
    "/vcek/v1/Genoa/b5f9a4c8280e63c97d288db6648577dc2b848884aa682d7a227ba40e50deb2b0d112b599d87aaccda78d06f4254b1e81c4d953ef3c699db39d4e06013e9fa4ce?blSPL=10&teeSPL=0&snpSPL=27&ucodeSPL=27":
        vector("sev-snp/genoa-lunal/live-vcek-genoa.der"),
    "/vcek/v1/Milan/cert_chain": vector("sev-snp/amd-kds-cert-chains/ask_ark_milan.pem"),
    "/vcek/v1/Genoa/cert_chain": vector("sev-snp/amd-kds-cert-chains/ask_ark_genoa.pem"),
}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(LOG, "a") as log:
            log.write(self.path + "\n")
        if self.path.startswith("/slow/"):
            time.sleep(30)
        if self.path in KDS:
            body = KDS[self.path]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        path, _, query = self.path.partition("?")
        q = urllib.parse.parse_qs(query)
        which = (q.get("fmspc") or q.get("ca") or [None])[0]
        route = INTEL.get((path, which))
        if route is None:
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


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
