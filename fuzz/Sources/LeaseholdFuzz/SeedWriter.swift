import Codecs
import Crypto
import Foundation
import X509
@testable import Attestation
@testable import LeaseholdCore
@testable import TransparencyLog

/// Writes seed inputs for every target: the real evidence and collateral in ../shared/vectors
/// (and the pieces the parsers find inside them: signature data, PCK extensions, COSE
/// payloads, TCB info bodies, CRLs), the repository's example manifests, and inputs made with
/// the library's own writers (envelopes, log entries, checkpoints, signed notes). Generated at
/// run time so that the seeds follow the formats as they change.
enum SeedWriter {
    static func writeAll(to dir: String, vectors: String?, repo: String?) {
        var seeds: [String: [(String, [UInt8])]] = [:]
        func add(_ target: String, _ name: String, _ bytes: [UInt8]) {
            guard !bytes.isEmpty else { return }
            seeds[target, default: []].append((name, bytes))
        }
        func read(_ path: String) -> [UInt8]? { FileManager.default.contents(atPath: path).map { [UInt8]($0) } }
        func files(_ root: String) -> [String] {
            guard let e = FileManager.default.enumerator(atPath: root) else { return [] }
            return e.compactMap { $0 as? String }.filter { !$0.hasSuffix(".zip") && !$0.hasSuffix(".md") }.sorted().map { root + "/" + $0 }
                .filter { var d: ObjCBool = false; return FileManager.default.fileExists(atPath: $0, isDirectory: &d) && !d.boolValue }
        }
        func label(_ path: String) -> String { path.split(separator: "/").suffix(2).joined(separator: "_") }

        if let vectors {
            for path in files(vectors) {
                guard let raw = read(path) else { continue }
                let name = label(path)
                let bytes = EvidenceFile.decode(raw)
                let text = String(decoding: raw, as: UTF8.self)
                if path.contains("/sev-snp/") && path.hasSuffix(".bin") { add("snp-report", name, bytes) }
                if path.hasSuffix(".der") || path.hasSuffix(".pem") {
                    if path.contains("amd") || path.contains("sev-snp") || path.contains("vcek") { add("amd-certificate", name, raw) }
                    add("dcap-collateral", name, raw)
                    if let docs = try? AMDCertificate.derDocuments(in: raw) {
                        for (i, der) in docs.certificates.enumerated() { add("amd-certificate", "\(name).\(i).der", der) }
                        for (i, der) in docs.crls.enumerated() { add("crl", "\(name).\(i).der", der) }
                    }
                    if path.hasSuffix(".der"), AMDCertificate.isCRL(der: raw) { add("crl", name, raw) }
                }
                if path.hasSuffix(".json") {
                    add("json-raw-members", name, raw)
                    add("strict-json", name, raw)
                    add("canonical-json", name, raw)
                    if !path.hasSuffix("EXPECTED.json") { add("dcap-collateral", name, raw) }
                    if let members = JSONRawMembers.parse(raw) {
                        if let body = members["tcbInfo"] { add("tcb-info", name, body) }
                        if let body = members["enclaveIdentity"] { add("qe-identity", name, body) }
                    }
                    if let object = (try? JSONSerialization.jsonObject(with: Data(raw))) as? [String: Any] {
                        if let s = object["tcb_info"] as? String { add("tcb-info", name + ".tcb_info", Array(s.utf8)) }
                        if let s = object["qe_identity"] as? String { add("qe-identity", name + ".qe_identity", Array(s.utf8)) }
                        for key in ["pck_crl", "root_ca_crl"] {
                            if let s = object[key] as? String, let der = Hex.decode(Array(s.utf8)) { add("crl", "\(name).\(key)", der) }
                        }
                    }
                }
                if let quote = try? DCAPQuote.parse(bytes) {
                    add("dcap-quote", name, bytes)
                    let start = quote.signedBytes.count + 4
                    let end = bytes.count - quote.trailingZeroBytes
                    if start <= end {
                        let versionByte = UInt8((Int(quote.header.version) - 3) % 3)
                        add("quote-signature-data", name, [versionByte] + bytes[start..<end])
                    }
                    if let chain = try? DCAPCertificates.parsePEMChain(quote.signatureData.pckChainPEM, what: "PCK chain") {
                        add("dcap-collateral", name + ".pck-chain.pem", quote.signatureData.pckChainPEM)
                        for cert in chain {
                            if let ext = cert.extensions.first(where: { $0.oid == PCKExtensions.sgxExtensionsOID }) {
                                add("pck-extensions", name, Array(ext.value))
                            }
                        }
                    }
                }
                if path.contains("/nitro/"), let cose = try? CoseSign1.parse(bytes, limits: NitroVerifier.limits) {
                    add("cose-sign1", name, bytes)
                    add("cbor", name, bytes)
                    add("cbor", name + ".protected", cose.protectedBytes)
                    add("cbor", name + ".payload", cose.payload)
                    add("nitro-document", name, cose.payload)
                }
                _ = text
            }
        }

        // Manifests: the repository's examples, their canonical JSON, and signed envelopes.
        if let repo {
            for path in files(repo + "/manifests") where path.hasSuffix(".yaml") {
                guard let raw = read(path) else { continue }
                let name = label(path)
                add("manifest-yaml", name, raw)
                if let m = try? LeaseManifest(yaml: String(decoding: raw, as: UTF8.self)) {
                    add("manifest-json", name + ".json", m.canonicalJSON)
                    add("canonical-json", name + ".json", m.canonicalJSON)
                    if let envelope = try? ManifestEnvelope.sign(m, with: FixedKeys.owner) {
                        add("dsse", name + ".dsse.json", envelope.json)
                        add("canonical-json", name + ".dsse.json", envelope.json)
                        add("strict-json", name + ".dsse.json", envelope.json)
                    }
                }
            }
        }

        // Request bodies of the shapes BrokerHTTP's StrictJSON reads.
        add("strict-json", "grant.json", Array(#"{"tee":"sev-snp","evidence":"AAEC","collateral":["-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n"],"nonce":"bm9uY2U=","suite":"x25519","publicKey":"AAAA"}"#.utf8))
        add("strict-json", "owner.json", Array(#"{ "owner" : "acme", "publicKey" : "leasehold-owner-pub v1 ed25519 AAAA", "x": {"a": [1, "}", "\"{"]} }"#.utf8))
        add("strict-json", "receipt.json", Array(#"{"grantId":"g\u00e9","kind":"use","outputDigest":null,"time":"2026-01-01T00:00:00Z","mac":"AA=="}"#.utf8))

        // Evidence records as the broker keeps them (audit bundles' evidence/HASH.json).
        for (i, record) in [
            GrantEvidenceRecord(tee: "sandbox", evidence: [1, 2, 3], collateral: [], nonce: [UInt8](repeating: 7, count: 48), suite: "x25519-sha256-aes256gcm",
                                publicKey: [UInt8](repeating: 9, count: 32), signingKey: "ed25519:AAAA", verifiedAt: Date(timeIntervalSince1970: 1_780_000_000.5)),
            GrantEvidenceRecord(tee: "tdx", evidence: [0xff], collateral: [[1], [2, 3]], nonce: [0], suite: "xwing-sha256-aes256gcm",
                                publicKey: [4], signingKey: nil, verifiedAt: Date(timeIntervalSince1970: 0)),
        ].enumerated() {
            add("evidence-record", "record-\(i).json", record.canonicalJSON)
        }

        // Log entries, checkpoints and signed notes, as the log writes them.
        let time = Date(timeIntervalSince1970: 1_780_000_000.123)
        var prev = LogHash.zero
        var tree = MemoryTree()
        let kinds: [(String, [String: JSONValue])] = [
            ("owner.registered", ["publicKey": .string("leasehold-owner-pub v1 ed25519 AAAA")]),
            ("lease.created", ["manifestDigest": .string(String(repeating: "ab", count: 32)), "notAfter": .string("2026-12-01T00:00:00.000Z")]),
            ("key.denied", ["reason": .string("measurement-mismatch"), "detail": .string("caf\u{e9} \"quoted\"\n"), "n": .int(-3)]),
            ("key.granted", ["keys": .array([.string("k1"), .string("k2")]), "count": .int(2), "ok": .bool(true), "none": .null]),
        ]
        for (seq, (kind, fields)) in kinds.enumerated() {
            let entry = LogEntry(seq: UInt64(seq), time: time, kind: kind, owner: "acme", leaseId: seq > 0 ? "l1" : nil, prev: prev, fields: fields)
            let bytes = entry.encoded()
            add("log-entry", "entry-\(seq).json", bytes)
            add("canonical-json", "entry-\(seq).json", bytes)
            prev = MerkleHash.leaf(bytes)
            tree.append(leaf: prev)
            let cp = Checkpoint(origin: FixedKeys.logSigner.name, size: tree.size, root: tree.root,
                                extensions: seq == 3 ? ["ext one", "ext two"] : [])
            add("checkpoint", "checkpoint-\(seq)", Array(cp.body.utf8))
            if let note = try? FixedKeys.logSigner.sign(cp.body) { add("signed-note", "note-\(seq)", Array(note.utf8)) }
        }
        add("signed-note", "verifier-key", Array(FixedKeys.logVerifier.encoded.utf8))

        // Boundary-value variants of the DER seeds (see DERVariants).
        for target in ["amd-certificate", "crl", "pck-extensions"] {
            for (name, bytes) in seeds[target] ?? [] where bytes.first == 0x30 {
                for (i, variant) in DERVariants.variants(of: bytes).enumerated() { add(target, "\(name).int\(i)", variant) }
            }
        }

        let fm = FileManager.default
        var total = 0
        for target in targets {
            let tdir = dir + "/" + target.name
            try? fm.createDirectory(atPath: tdir, withIntermediateDirectories: true)
            for (name, bytes) in seeds[target.name] ?? [] {
                fm.createFile(atPath: tdir + "/" + name.replacingOccurrences(of: "/", with: "_"), contents: Data(bytes))
                total += 1
            }
            if (seeds[target.name] ?? []).isEmpty {
                FileHandle.standardError.write(Data("leasehold-fuzz: no generated seeds for \(target.name)\n".utf8))
            }
        }
        print("leasehold-fuzz: wrote \(total) seeds under \(dir)")
    }
}
