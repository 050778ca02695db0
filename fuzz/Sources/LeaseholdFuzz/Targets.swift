import Codecs
import Crypto
import Foundation
import SwiftASN1
import X509
@testable import Attestation
@testable import LeaseholdCore
@testable import TransparencyLog
@testable import StrictJSONShim

/// One fuzz target: a name and a function that parses one input. Parsers may throw (that is
/// the expected answer to bad input); a trap, a sanitizer report or a failed `check` is a bug.
struct FuzzTarget: Sendable {
    var name: String
    var summary: String
    var run: @Sendable ([UInt8]) -> Void
}

/// Fails the run (libFuzzer saves the input) when a property that must hold for every input
/// does not: a differential or round-trip check, not a parser's thrown error.
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() {
        FileHandle.standardError.write(Data("leasehold-fuzz: property violated: \(message())\n".utf8))
        abort()
    }
}

let targets: [FuzzTarget] = [
    FuzzTarget(name: "snp-report", summary: "SNPReport(parsing:)") { bytes in
        _ = try? SNPReport(parsing: bytes)
    },
    FuzzTarget(name: "amd-certificate", summary: "AMDCertificate.derDocuments(in:), AMDCertificate(derEncoded:), isCRL") { bytes in
        _ = AMDCertificate.isCRL(der: bytes)
        _ = try? AMDCertificate(derEncoded: bytes)
        if let docs = try? AMDCertificate.derDocuments(in: bytes) {
            for der in docs.certificates { _ = try? AMDCertificate(derEncoded: der) }
            for der in docs.crls { _ = try? CertificateRevocationList.parse(der: der) }
        }
    },
    FuzzTarget(name: "crl", summary: "CertificateRevocationList.parse(der:)") { bytes in
        if let crl = try? CertificateRevocationList.parse(der: bytes) {
            _ = crl.revokes(serial: [0x01])
        }
    },
    FuzzTarget(name: "dcap-quote", summary: "DCAPQuote.parse (header, body, QuoteSignatureData); DCAPCollateralNeeds.of (FMSPC and PCK CA for the collateral fetcher)") { bytes in
        _ = try? DCAPQuote.parse(bytes)
        _ = try? DCAPCollateralNeeds.of(quote: bytes, tee: .tdx)
    },
    FuzzTarget(name: "quote-signature-data", summary: "QuoteSignatureData.parse: byte 0 picks the quote version (3, 4, 5), the rest is the signature data") { bytes in
        guard let first = bytes.first else { return }
        let version = UInt16(3 + first % 3)
        var reader = ByteReader(bytes, structure: "DCAP signature data", offset: 1)
        _ = try? QuoteSignatureData.parse(&reader, version: version)
    },
    FuzzTarget(name: "dcap-collateral", summary: "DCAPCollateral.recognise (Intel JSON, dcap-qvl JSON, PEM, DER, hex; TCB info, QE identity, CRLs)") { bytes in
        _ = try? DCAPCollateral.recognise([bytes])
    },
    FuzzTarget(name: "pck-extensions", summary: "PCKExtensions.parse on a certificate whose SGX extension value is the input") { bytes in
        guard let cert = PCKTemplate.certificate(sgxExtensionValue: bytes) else { return }
        _ = try? PCKExtensions.parse(cert)
    },
    FuzzTarget(name: "tcb-info", summary: "TCBInfo.parse (the tcbInfo member's bytes)") { bytes in
        _ = try? TCBInfo.parse(bytes)
    },
    FuzzTarget(name: "qe-identity", summary: "QEIdentity.parse (the enclaveIdentity member's bytes)") { bytes in
        _ = try? QEIdentity.parse(bytes)
    },
    FuzzTarget(name: "json-raw-members", summary: "JSONRawMembers.parse; on a document JSONSerialization accepts, every member it cuts out must be a JSON value") { bytes in
        // The scanner only finds value boundaries (its content is validated later), so only
        // on valid JSON can its cuts be checked: there, each must be exactly one value.
        guard let members = JSONRawMembers.parse(bytes) else { return }
        guard (try? JSONSerialization.jsonObject(with: Data(bytes), options: [])) is [String: Any] else { return }
        for (name, raw) in members {
            let ok = (try? JSONSerialization.jsonObject(with: Data(raw), options: [.fragmentsAllowed])) != nil
            check(ok, "JSONRawMembers cut member \"\(name)\" of a valid document at the wrong boundary")
        }
    },
    FuzzTarget(name: "cbor", summary: "CBORDecoder.decode; what decodes must re-encode to the same bytes (one encoding per value)") { bytes in
        guard let item = try? CBORDecoder.decode(bytes) else { return }
        check(CBOREncoder.encode(item) == bytes, "CBOR decoded but re-encodes differently")
    },
    FuzzTarget(name: "cose-sign1", summary: "CoseSign1.parse with the Nitro limits") { bytes in
        _ = try? CoseSign1.parse(bytes, limits: NitroVerifier.limits)
    },
    FuzzTarget(name: "nitro-document", summary: "NitroAttestationDocument.parse (the COSE payload) with the Nitro limits") { bytes in
        _ = try? NitroAttestationDocument.parse(bytes, limits: NitroVerifier.limits)
    },
    FuzzTarget(name: "dsse", summary: "DSSEEnvelope(json:), ManifestEnvelope.verify against a fixed key, and the payload as a manifest") { bytes in
        guard let envelope = try? DSSEEnvelope(json: bytes) else { return }
        _ = try? ManifestEnvelope.verify(envelope, trustedKeys: [FixedKeys.owner.publicKey])
        _ = try? LeaseManifest(canonicalJSON: envelope.payload)
    },
    FuzzTarget(name: "manifest-yaml", summary: "LeaseManifest(yaml:) (ManifestNode, ManifestReader, LeaseManifest+Parsing)") { bytes in
        _ = try? LeaseManifest(yaml: String(decoding: bytes, as: UTF8.self))
    },
    FuzzTarget(name: "manifest-json", summary: "LeaseManifest(canonicalJSON:) and LeaseManifest(json:); a canonical manifest must read back equal") { bytes in
        if let m = try? LeaseManifest(canonicalJSON: bytes) {
            check(m.canonicalJSON == bytes, "canonical manifest does not re-encode to its bytes")
        }
        _ = try? LeaseManifest(json: String(decoding: bytes, as: UTF8.self))
    },
    FuzzTarget(name: "strict-json", summary: "StrictJSON.topLevelMemberNames (BrokerHTTP, compiled against a Broker stub); its names must be the object's keys") { bytes in
        guard let names = try? StrictJSON.topLevelMemberNames(bytes) else { return }
        if let object = (try? JSONSerialization.jsonObject(with: Data(bytes), options: [])) as? [String: Any] {
            check(Set(names) == Set(object.keys), "member names \(names) are not the object's keys \(object.keys.sorted())")
        }
    },
    FuzzTarget(name: "canonical-json", summary: "CanonicalJSON.parse and parseStrict; canonical input must re-encode to itself") { bytes in
        if let value = try? CanonicalJSON.parse(bytes) {
            check(CanonicalJSON.encode(value) == bytes, "canonical JSON does not re-encode to its bytes")
            check((try? CanonicalJSON.parseStrict(bytes)) == value, "parse accepts what parseStrict refuses or reads differently")
        }
        if let value = try? CanonicalJSON.parseStrict(bytes) {
            let canonical = CanonicalJSON.encode(value)
            check((try? CanonicalJSON.parse(canonical)) == value, "the canonical form of a strict document does not parse back to it")
        }
    },
    FuzzTarget(name: "signed-note", summary: "SignedNote(parsing:) (round trip), NoteVerifier(encoded:), NoteVerifier.open with a fixed key") { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        if let note = try? SignedNote(parsing: text) {
            check(note.serialized == text, "signed note does not re-serialize to its text")
        }
        _ = try? NoteVerifier(encoded: text)
        _ = try? FixedKeys.logVerifier.open(text)
    },
    FuzzTarget(name: "checkpoint", summary: "Checkpoint(body:) (round trip) and LogAuditor over a signed checkpoint of that body") { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        if let cp = try? Checkpoint(body: text) {
            check(cp.body == text, "checkpoint does not re-serialize to its body")
        }
        if let note = try? FixedKeys.logSigner.sign(text) {
            if let auditor = try? LogAuditor(verifier: FixedKeys.logSigner.verifier, signedCheckpoints: [(note, "fuzz")]) {
                _ = try? auditor.finish()
            }
        }
    },
    FuzzTarget(name: "evidence-record", summary: "GrantEvidenceRecord(canonicalJSON:) from an audit bundle: what parses re-encodes to the same bytes") { bytes in
        guard let record = try? GrantEvidenceRecord(canonicalJSON: bytes) else { return }
        check(record.canonicalJSON == bytes, "an evidence record parsed but does not re-encode to its own bytes")
        var resolved = record
        _ = try? resolved.resolve { _ in bytes }
    },
    FuzzTarget(name: "log-entry", summary: "LogEntryScanner.scan against LogEntry(bytes:): the scanner may never accept what the parser refuses, nor read other values") { bytes in
        let scanned = bytes.withUnsafeBytes { LogEntryScanner.scan($0) }
        let parsed = try? LogEntry(bytes: bytes)
        if let scanned {
            check(parsed != nil, "LogEntryScanner accepts an entry that LogEntry(bytes:) refuses")
            if let parsed {
                check(scanned.seq == parsed.seq && scanned.prev == parsed.prev, "LogEntryScanner reads seq/prev \(scanned) but LogEntry reads \(parsed.seq)/\(parsed.prev)")
            }
        }
        // The auditor's two paths must agree on the first entry (prev zero, seq 0).
        var fast = FixedKeys.emptyAuditor, full = FixedKeys.emptyAuditor
        let a = bytes.withUnsafeBytes { raw in (try? fast.consume(seq: 0, rawBytes: raw)) != nil }
        let b = (try? full.consume(seq: 0, bytes: bytes)) != nil
        check(a == b, "LogAuditor.consume(rawBytes:) says \(a), consume(bytes:) says \(b)")
    },
]

/// Fixed keys, so that every run is deterministic (no randomness, no clock).
enum FixedKeys {
    static let owner: OwnerSigningKey = try! OwnerSigningKey(algorithm: .ed25519, seed: [UInt8](repeating: 7, count: 32))
    static let logSigner: NoteSigner = try! NoteSigner(
        name: "leasehold.fuzz/log",
        privateKey: Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 9, count: 32)))
    static let logVerifier = logSigner.verifier
    static let emptyAuditor: LogAuditor = try! LogAuditor(verifier: logVerifier, signedCheckpoints: [])
}
