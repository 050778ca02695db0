import Codecs
import Foundation
import SwiftASN1
import X509

/// Everything supplied for verifying a DCAP quote, recognised by content.
///
/// Accepted pieces (in `Evidence.collateral` or the verifier's collateral directory):
/// - Intel PCS TCB info response `{"tcbInfo": {...}, "signature": "<hex r‖s>"}`;
/// - Intel PCS enclave identity response `{"enclaveIdentity": {...}, "signature": "..."}`;
/// - the dcap-qvl project's collateral JSON (`tcb_info`, `tcb_info_signature`, `qe_identity`,
///   `qe_identity_signature`, `*_issuer_chain` PEM, `pck_crl` / `root_ca_crl` hex DER);
/// - certificates and CRLs in PEM (`CERTIFICATE`, `X509 CRL`), DER, or hex of DER
///   (issuer chains as PCS returns them in its headers).
///
/// Certificates go into one pool: which one signed a piece of collateral is decided by
/// verification against the pinned root, not by where it came from (Intel re-issued the TCB
/// signing certificate in 2025 with the same key, so both old and new collateral must work).
struct DCAPCollateral: Sendable {
    /// A JSON body Intel signed, with its raw r ‖ s P-256 signature and its validity window
    /// (parsed once here: date parsing is costly next to a cached verification).
    struct Signed<Value: IntelSignedBody>: Sendable {
        var value: Value
        var signedBytes: [UInt8]
        var signature: [UInt8]
        var issueDate: Date
        var nextUpdate: Date

        init(value: Value, signedBytes: [UInt8], signature: [UInt8]) throws(AttestationError) {
            guard let issue = Self.parseDate(value.issueDate), let next = Self.parseDate(value.nextUpdate) else {
                throw AttestationError(.collateralInvalid, "\(value.what) dates \(value.issueDate) / \(value.nextUpdate) are not ISO 8601")
            }
            self.value = value
            self.signedBytes = signedBytes
            self.signature = signature
            self.issueDate = issue
            self.nextUpdate = next
        }

        /// Intel writes `2025-01-01T00:00:00Z` (sometimes with a fraction). Read by
        /// `InternetTime`, never `ISO8601DateFormatter`: this text is not yet authenticated, and
        /// ICU traps on some malformed dates (fuzz/crashes/dcap-collateral).
        static func parseDate(_ text: String) -> Date? { InternetTime.parse(text) }
    }

    var tcbInfos: [Signed<TCBInfo>] = []
    var qeIdentities: [Signed<QEIdentity>] = []
    var certificates: [Certificate] = []
    var crls: [CertificateRevocationList] = []

    static func recognise(_ pieces: [[UInt8]]) throws(AttestationError) -> DCAPCollateral {
        var out = DCAPCollateral()
        for (index, piece) in pieces.enumerated() {
            try out.add(piece, name: "collateral piece \(index + 1)")
        }
        return out
    }

    mutating func add(_ piece: [UInt8], name: String) throws(AttestationError) {
        let trimmed = Array(piece.drop(while: { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }))
        guard let first = trimmed.first else { throw AttestationError(.collateralInvalid, "\(name) is empty") }
        if first == UInt8(ascii: "{") {
            try addJSON(trimmed, name: name)
        } else if first == UInt8(ascii: "-") {
            try addPEM(String(decoding: trimmed, as: UTF8.self), name: name)
        } else if first == 0x30 {
            try addDER(piece, name: name)
        } else if let der = Hex.decode(trimmed.filter { !($0 == 0x0A || $0 == 0x0D || $0 == 0x20) }), der.first == 0x30 {
            try addDER(der, name: name)
        } else {
            throw AttestationError(.collateralInvalid, "\(name) is neither Intel PCS JSON, dcap-qvl collateral JSON, PEM nor DER")
        }
    }

    private mutating func addDER(_ der: [UInt8], name: String) throws(AttestationError) {
        if let cert = try? Certificate(derEncoded: der) {
            certificates.append(cert)
            return
        }
        do throws(AttestationError) { crls.append(try CertificateRevocationList.parse(der: der)) } catch {
            throw AttestationError(.collateralInvalid, "\(name) is DER but neither a certificate nor a CRL: \(error.reason)")
        }
    }

    private mutating func addPEM(_ text: String, name: String) throws(AttestationError) {
        let docs: [PEMDocument]
        do { docs = try PEMDocument.parseMultiple(pemString: text) } catch {
            throw AttestationError(.collateralInvalid, "\(name) is not valid PEM: \(AttestationError.libraryReason(error))")
        }
        for doc in docs {
            switch doc.discriminator {
            case "CERTIFICATE":
                do { certificates.append(try Certificate(derEncoded: doc.derBytes)) } catch {
                    throw AttestationError(.collateralInvalid, "\(name): a PEM certificate does not parse: \(AttestationError.libraryReason(error))")
                }
            case "X509 CRL":
                do throws(AttestationError) { crls.append(try CertificateRevocationList.parse(der: doc.derBytes)) } catch {
                    throw AttestationError(.collateralInvalid, "\(name): a PEM CRL does not parse: \(error.reason)")
                }
            default:
                throw AttestationError(.collateralInvalid, "\(name): PEM block \(doc.discriminator) is not a certificate or CRL")
            }
        }
    }

    private mutating func addJSON(_ text: [UInt8], name: String) throws(AttestationError) {
        guard let members = JSONRawMembers.parse(text) else {
            throw AttestationError(.collateralInvalid, "\(name) is not a well-formed JSON object")
        }
        if let body = members["tcbInfo"] {
            tcbInfos.append(
                try Signed(
                    value: try TCBInfo.parse(body), signedBytes: body,
                    signature: try Self.hexSignature(members["signature"], name: "\(name) (TCB info)")))
        } else if let body = members["enclaveIdentity"] {
            qeIdentities.append(
                try Signed(
                    value: try QEIdentity.parse(body), signedBytes: body,
                    signature: try Self.hexSignature(members["signature"], name: "\(name) (QE identity)")))
        } else if members["tcb_info"] != nil || members["qe_identity"] != nil {
            try addQVLBundle(text, name: name)
        } else {
            throw AttestationError(.collateralInvalid, "\(name) is JSON but has no tcbInfo, enclaveIdentity or tcb_info member")
        }
    }

    /// dcap-qvl's QuoteCollateralV3 JSON: the signed texts are JSON strings, signatures and
    /// CRLs hex, issuer chains PEM.
    private mutating func addQVLBundle(_ text: [UInt8], name: String) throws(AttestationError) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text))) as? [String: Any] else {
            throw AttestationError(.collateralInvalid, "\(name) is not a JSON object")
        }
        func string(_ key: String) throws(AttestationError) -> String {
            guard let s = object[key] as? String else {
                throw AttestationError(.collateralInvalid, "\(name): dcap-qvl collateral lacks the string \(key)")
            }
            return s
        }
        func hex(_ key: String) throws(AttestationError) -> [UInt8] {
            guard let b = Hex.decode(try string(key)) else {
                throw AttestationError(.collateralInvalid, "\(name): \(key) is not hex")
            }
            return b
        }
        let tcbText = Array(try string("tcb_info").utf8)
        tcbInfos.append(try Signed(value: try TCBInfo.parse(tcbText), signedBytes: tcbText, signature: try hex("tcb_info_signature")))
        let qeText = Array(try string("qe_identity").utf8)
        qeIdentities.append(try Signed(value: try QEIdentity.parse(qeText), signedBytes: qeText, signature: try hex("qe_identity_signature")))
        for key in ["tcb_info_issuer_chain", "qe_identity_issuer_chain", "pck_crl_issuer_chain"] where object[key] != nil {
            try addPEM(try string(key), name: "\(name) \(key)")
        }
        for key in ["pck_crl", "root_ca_crl"] where object[key] != nil {
            do throws(AttestationError) { crls.append(try CertificateRevocationList.parse(der: try hex(key))) } catch {
                throw AttestationError(.collateralInvalid, "\(name): \(key) does not parse: \(error.reason)")
            }
        }
    }

    private static func hexSignature(_ raw: [UInt8]?, name: String) throws(AttestationError) -> [UInt8] {
        guard let raw, raw.count == 130, raw.first == UInt8(ascii: "\""), raw.last == UInt8(ascii: "\""),
            let sig = Hex.decode(Array(raw.dropFirst().dropLast()))
        else {
            throw AttestationError(.collateralInvalid, "\(name): signature is not a 64-byte hex string")
        }
        return sig
    }
}

/// Intel-signed collateral JSON with an issueDate .. nextUpdate validity.
protocol IntelSignedBody: Sendable {
    var issueDate: String { get }
    var nextUpdate: String { get }
    /// How errors name it ("TCB info for FMSPC 00A067110000", "QE identity").
    var what: String { get }
}

extension TCBInfo: IntelSignedBody {
    var what: String { "\(id) TCB info for FMSPC \(fmspc)" }
}

extension QEIdentity: IntelSignedBody {
    var what: String { "\(id) identity" }
}
