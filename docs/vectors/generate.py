#!/usr/bin/env python3
"""Writes the protocol test vectors of docs/PROTOCOL.md into docs/vectors/*.json.

Computed here, from the specification's formulas, with Python's hashlib, hmac and base64 and
the `cryptography` package's primitives (Ed25519, X25519, AES-GCM), never with the Swift code,
so that Tests/LeaseholdClientTests/ProtocolVectorTests.swift checks the Swift implementation
against an independent one. The X-Wing sealed key (sealed-key.json, second case) cannot be
made here (no X-Wing in this Python) and was sealed once by the Swift code: its test checks
only that it opens to its key.

  python3 docs/vectors/generate.py        # rewrites the files; `git diff` shows any change
"""
import base64, hashlib, hmac, json, os, struct
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives import serialization

HERE = os.path.dirname(os.path.abspath(__file__))
b64 = lambda b: base64.b64encode(b).decode()
sha256 = lambda b: hashlib.sha256(b).digest()
lp = lambda b: struct.pack(">I", len(b)) + b
raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw


def ed25519(seed):
    k = Ed25519PrivateKey.from_private_bytes(seed)
    return k, k.public_key().public_bytes(*raw)


def canonical(obj):
    # Canonical JSON (PROTOCOL §2.5) for the ASCII values used here: keys sorted, no white space.
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def write(name, doc):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(doc, f, indent=2, sort_keys=False)
        f.write("\n")


# ---- shared example values (PROTOCOL §10.1, §7.5, §17.4) ----
NONCE = base64.b64decode("AAECAwQFBgcICQoLDA0ODwAAAaI2Ml0AAAABojYzR2Cqqqqqqqqqqqqqqqqqqqqq")
WORKLOAD_X25519 = X25519PrivateKey.from_private_bytes(bytes([1] * 32))
WORKLOAD_PUB = WORKLOAD_X25519.public_key().public_bytes(*raw)
RECEIPT_SEED = sha256(b"leasehold example receipt key")
_, RECEIPT_PUB = ed25519(RECEIPT_SEED)
SIGNING_KEY = "ed25519:" + b64(RECEIPT_PUB)
MANIFEST_DIGEST = bytes.fromhex("7fb83e0ff0ede7cd2e9e1bdda7988fd72583e024085ac44d6b90c14f92df7170")

# ---- report data (§10) ----
def report_data(nonce, suite, pub, owner, lease, digest, signing=None):
    parts = [b"leasehold/v1/report-data", nonce, suite.encode(), pub, owner.encode(), lease.encode(), digest]
    if signing is not None:
        parts.append(signing.encode())
    msg = b"".join(lp(p) for p in parts)
    return msg, hashlib.sha512(msg).digest()

cases = []
for name, signing in (("example with a signing key (§10.1)", SIGNING_KEY), ("example without a signing key (§10.1)", None)):
    msg, rd = report_data(NONCE, "x25519-sha256-aes256gcm", WORKLOAD_PUB, "acme", "study-1", MANIFEST_DIGEST, signing)
    case = {"name": name, "nonce": b64(NONCE), "suite": "x25519-sha256-aes256gcm", "publicKey": b64(WORKLOAD_PUB),
            "owner": "acme", "leaseId": "study-1", "manifestDigest": MANIFEST_DIGEST.hex()}
    if signing is not None:
        case["signingKey"] = signing
    case.update({"hashInput": msg.hex(), "reportData": rd.hex()})
    cases.append(case)
msg, rd = report_data(bytes(range(32)), "x25519-sha256-aes256gcm", bytes([0x42] * 32), "acme", "lease-2026-001", sha256(b"manifest"))
cases.append({"name": "known answer (32-byte nonce)", "nonce": b64(bytes(range(32))), "suite": "x25519-sha256-aes256gcm",
              "publicKey": b64(bytes([0x42] * 32)), "owner": "acme", "leaseId": "lease-2026-001",
              "manifestDigest": sha256(b"manifest").hex(), "hashInput": msg.hex(), "reportData": rd.hex()})
write("report-data.json", {"spec": "PROTOCOL.md §10", "encoding": "nonce, publicKey: base64; manifestDigest, hashInput, reportData: hex", "cases": cases})

# ---- HPKE info (§12.3, §7.4) ----
def grant_info(owner, lease, key, not_after):
    return b"".join(lp(p.encode()) for p in ("leasehold/v1 grant", owner, lease, key, not_after))

def vault_info(owner, key):
    return b"leasehold/v1 vault put" + lp(owner.encode()) + lp(key.encode())

write("hpke-info.json", {
    "spec": "PROTOCOL.md §12.3 (grant), §7.4 (vault put)", "encoding": "info: hex",
    "grant": [{"owner": o, "leaseId": l, "keyId": k, "notAfter": n, "info": grant_info(o, l, k, n).hex()}
              for o, l, k, n in (("acme", "study-1", "k1", "2026-12-31T00:00:00Z"),
                                 ("acme", "lease-2026-001", "customer-db-key", "2026-07-01T00:00:00Z"))],
    "vaultPut": [{"owner": "acme", "keyId": "k1", "info": vault_info("acme", "k1").hex()}],
})

# ---- a sealed key (§12.1): HPKE base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM ----
def labeled_extract(suite_id, salt, label, ikm):
    return hmac.new(salt or bytes(32), b"HPKE-v1" + suite_id + label + ikm, hashlib.sha256).digest()

def labeled_expand(suite_id, prk, label, info, n):
    labeled_info = struct.pack(">H", n) + b"HPKE-v1" + suite_id + label + info
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = hmac.new(prk, t + labeled_info + bytes([i]), hashlib.sha256).digest()
        out += t; i += 1
    return out[:n]

def hpke_seal_x25519(recipient_pub, ephemeral_seed, info, plaintext):
    kem_id = b"KEM" + struct.pack(">H", 0x0020)
    eph = X25519PrivateKey.from_private_bytes(ephemeral_seed)
    enc = eph.public_key().public_bytes(*raw)
    dh = eph.exchange(X25519PublicKey.from_public_bytes(recipient_pub))
    eae_prk = labeled_extract(kem_id, b"", b"eae_prk", dh)
    shared = labeled_expand(kem_id, eae_prk, b"shared_secret", enc + recipient_pub, 32)
    hpke_id = b"HPKE" + struct.pack(">HHH", 0x0020, 0x0001, 0x0002)
    psk_id_hash = labeled_extract(hpke_id, b"", b"psk_id_hash", b"")
    info_hash = labeled_extract(hpke_id, b"", b"info_hash", info)
    context = b"\x00" + psk_id_hash + info_hash
    secret = labeled_extract(hpke_id, shared, b"secret", b"")
    key = labeled_expand(hpke_id, secret, b"key", context, 32)
    base_nonce = labeled_expand(hpke_id, secret, b"base_nonce", context, 12)
    return enc, AESGCM(key).encrypt(base_nonce, plaintext, b"")

recipient_seed = sha256(b"leasehold example workload hpke key")
recipient_pub = X25519PrivateKey.from_private_bytes(recipient_seed).public_key().public_bytes(*raw)
ephemeral_seed = sha256(b"leasehold example ephemeral key")
data_key = sha256(b"leasehold example data key")
info = grant_info("acme", "study-1", "k1", "2026-12-31T00:00:00Z")
enc, ct = hpke_seal_x25519(recipient_pub, ephemeral_seed, info, data_key)
sealed = [{
    "name": "x25519, a grant's key k1 of acme/study-1",
    "suite": "x25519-sha256-aes256gcm", "recipientSeed": recipient_seed.hex(), "recipientPublicKey": b64(recipient_pub),
    "ephemeralSeed": ephemeral_seed.hex(), "info": info.hex(), "key": data_key.hex(),
    "encapsulatedKey": b64(enc), "ciphertext": b64(ct), "sealedDigest": sha256(lp(enc) + lp(ct)).hex(),
}]
xwing_path = os.path.join(HERE, "sealed-key.json")
if os.path.exists(xwing_path):  # keep the X-Wing case the Swift code sealed once
    sealed += [c for c in json.load(open(xwing_path))["cases"] if c["suite"] == "xwing-sha256-aes256gcm"]
write("sealed-key.json", {"spec": "PROTOCOL.md §12.1, §12.3, §12.4", "encoding": "seeds, info, key, sealedDigest: hex; keys, enc, ciphertext: base64",
                          "note": "recipientSeed is the X25519 private scalar, or the X-Wing 32-byte seed; ephemeralSeed (x25519 only) is the sender's ephemeral private scalar",
                          "cases": sealed})

# ---- receipts and release (§15.1) ----
rk, _ = ed25519(RECEIPT_SEED)
def receipt_case(op, kind, time, output=None):
    obj = {"ctx": "leasehold/v1 receipt", "op": op, "owner": "acme", "leaseId": "study-1",
           "grantId": "00112233445566778899aabbccddeeff", "kind": kind, "time": time}
    if output is not None:
        obj["outputDigest"] = output
    msg = canonical(obj)
    c = {"op": op, "owner": "acme", "leaseId": "study-1", "grantId": obj["grantId"], "kind": kind, "time": time}
    if output is not None:
        c["outputDigest"] = output
    c.update({"message": msg.decode(), "signature": b64(rk.sign(msg))})
    return c
write("receipt-signature.json", {
    "spec": "PROTOCOL.md §15.1", "signingKeySeed": RECEIPT_SEED.hex(), "signingKey": SIGNING_KEY,
    "cases": [receipt_case("receipt", "output", "2026-12-02T10:00:05.123Z", sha256(b"output").hex()),
              receipt_case("release", "shredded", "2026-12-02T10:00:09.000Z")],
})

# ---- owner-signed request (§7) ----
owner_seed = sha256(b"leasehold example owner key")
ok, owner_pub = ed25519(owner_seed)
owner_text = "leasehold-owner-pub v1 ed25519 " + b64(owner_pub)
log_seed = sha256(b"leasehold example log key")
_, log_pub = ed25519(log_seed)
log_name = "leasehold.local/log"
log_id = sha256(log_name.encode() + b"\n\x01" + log_pub)[:4]
log_key = log_name + "+" + log_id.hex() + "+" + b64(b"\x01" + log_pub)
payload = canonical({"broker": log_key, "leaseId": "study-1", "op": "lease.revoke", "owner": "acme", "time": "2026-12-02T10:01:00.000Z"})
ptype = "application/vnd.leasehold.request+json"
pae = b"DSSEv1 %d %s %d " % (len(ptype), ptype.encode(), len(payload)) + payload
sig = ok.sign(pae)
write("owner-request.json", {
    "spec": "PROTOCOL.md §7", "ownerKeySeed": owner_seed.hex(), "ownerPublicKey": owner_text, "ownerKeyId": sha256(owner_text.encode()).hex(),
    "payloadType": ptype, "payload": payload.decode(), "pae": pae.hex(), "signature": b64(sig),
    "body": {"payload": b64(payload), "signature": b64(sig)},
})

# ---- log entries, tree, checkpoint (§16, §17) ----
lk, _ = ed25519(log_seed)
e0 = canonical({"alg": "ed25519", "kind": "owner.registered", "owner": "acme", "prev": "0" * 64, "publicKey": owner_text,
                "publicKeyId": sha256(owner_text.encode()).hex(), "seq": 0, "time": "2026-12-02T09:00:00.000Z"})
l0 = sha256(b"\x00" + e0)
e1 = canonical({"bytes": 32, "keyId": "k1", "kind": "vault.key.put", "owner": "acme", "prev": l0.hex(), "seq": 1,
                "time": "2026-12-02T09:00:01.500Z", "version": 1})
l1 = sha256(b"\x00" + e1)
root = sha256(b"\x01" + l0 + l1)
body = f"{log_name}\n2\n{b64(root)}\n"
note = body + "\n" + "\u2014 " + log_name + " " + b64(log_id + lk.sign(body.encode())) + "\n"
write("log.json", {
    "spec": "PROTOCOL.md §16, §17", "logKeySeed": log_seed.hex(), "logKey": log_key,
    "entries": [{"seq": 0, "bytes": e0.decode(), "leafHash": l0.hex()}, {"seq": 1, "bytes": e1.decode(), "leafHash": l1.hex()}],
    "root": b64(root), "checkpoint": note,
    "inclusionProofs": [{"index": 0, "treeSize": 2, "path": [b64(l1)]}, {"index": 1, "treeSize": 2, "path": [b64(l0)]}],
    "emptyRoot": b64(sha256(b"")),
})
print("wrote", ", ".join(sorted(f for f in os.listdir(HERE) if f.endswith(".json"))))
