#!/usr/bin/python3
"""A second implementation of the owner-envelope check, for an exported audit bundle.

For every lease.issued entry of BUNDLE/entries.jsonl: the envelope it carries is a DSSE
envelope whose signature verifies, over the DSSE v1 pre-authentication encoding written here
from the DSSE specification (not from Leasehold's code), under the owner key logged by that
owner's owner.registered entry, with the signature check done by securesystemslib (Debian's
python3-securesystemslib); its keyid is that key's id (SHA-256 of the key line) and its payload
hashes to the entry's manifestDigest. Prints a summary; exit 1 on the first failure.
Ed25519 owner keys only (securesystemslib has no ML-DSA); others are counted as skipped.
"""
import base64, hashlib, json, sys
from securesystemslib.signer import SSlibKey, Signature


def pae(payload_type: bytes, body: bytes) -> bytes:
    return b"DSSEv1 %d %s %d %s" % (len(payload_type), payload_type, len(body), body)


def main(bundle: str) -> int:
    owners, checked, skipped = {}, 0, 0
    with open(bundle + "/entries.jsonl", "rb") as f:
        for line in f:
            e = json.loads(line)
            if e["kind"] == "owner.registered" and "publicKey" in e:
                owners[e["owner"]] = e["publicKey"]
            if e["kind"] != "lease.issued" or "envelope" not in e:
                continue
            where = "seq %d (%s/%s)" % (e["seq"], e["owner"], e["leaseId"])
            key_line = owners.get(e["owner"])
            if key_line is None:
                print("FAIL %s: no owner.registered key for %s" % (where, e["owner"]))
                return 1
            prefix, version, alg, b64 = key_line.split(" ")
            if (prefix, version) != ("leasehold-owner-pub", "v1"):
                print("FAIL %s: owner key line %r" % (where, key_line))
                return 1
            if alg != "ed25519":
                skipped += 1
                continue
            env = json.loads(base64.b64decode(e["envelope"], validate=True))
            body = base64.b64decode(env["payload"], validate=True)
            keyid = hashlib.sha256(key_line.encode()).hexdigest()
            key = SSlibKey(keyid, "ed25519", "ed25519", {"public": base64.b64decode(b64).hex()})
            sigs = [s for s in env.get("signatures", []) if s.get("keyid") == keyid]
            if not sigs:
                print("FAIL %s: no signature by the logged owner key %s" % (where, keyid))
                return 1
            try:
                key.verify_signature(Signature(keyid, base64.b64decode(sigs[0]["sig"]).hex()),
                                     pae(env["payloadType"].encode(), body))
            except Exception as err:  # securesystemslib raises its own types
                print("FAIL %s: signature does not verify: %s" % (where, err))
                return 1
            if hashlib.sha256(body).hexdigest() != e["manifestDigest"]:
                print("FAIL %s: payload does not hash to manifestDigest" % where)
                return 1
            checked += 1
    print("dsse-verify: %d envelope(s) verified by securesystemslib, %d non-Ed25519 skipped" % (checked, skipped))
    return 0 if checked > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
