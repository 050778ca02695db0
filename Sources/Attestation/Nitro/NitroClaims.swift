import Codecs
import Foundation

/// What a verified Nitro attestation document states about the enclave.
///
/// Nitro has no single "measurement" or "report data" field; the mapping Leasehold uses
/// everywhere is: measurement = PCR0 (the enclave image file), reportData = `user_data`
/// (empty when absent), and debug = PCR0, PCR1 and PCR2 all zero, which is what the Nitro
/// hypervisor reports for an enclave started with `--debug-mode` (its console is readable).
public struct NitroClaims: TEEClaims, Hashable {
    public var tee: TEE { .nitro }
    /// The Nitro hypervisor module that issued the document, e.g. `i-0…-enc0…`.
    public let moduleID: String
    /// The PCR digest algorithm; always "SHA384" (the parser refuses anything else).
    public let digest: String
    /// Creation time, milliseconds since 1970-01-01T00:00:00Z, as signed.
    public let timestampMilliseconds: UInt64
    /// Every PCR the document carries, by index.
    public let pcrs: [Int: [UInt8]]
    public let publicKey: [UInt8]?
    public let userData: [UInt8]?
    public let nonce: [UInt8]?

    /// The document's creation time.
    public var timestamp: Date { Date(timeIntervalSince1970: Double(timestampMilliseconds) / 1000) }

    /// Enclave image file.
    public var pcr0: [UInt8]? { pcrs[0] }
    /// Linux kernel and bootstrap.
    public var pcr1: [UInt8]? { pcrs[1] }
    /// Application.
    public var pcr2: [UInt8]? { pcrs[2] }
    /// IAM role assigned to the parent instance.
    public var pcr3: [UInt8]? { pcrs[3] }
    /// Instance ID of the parent instance.
    public var pcr4: [UInt8]? { pcrs[4] }
    /// Signing certificate of the enclave image file.
    public var pcr8: [UInt8]? { pcrs[8] }

    public var measurement: [UInt8] { pcr0 ?? [] }
    public var reportData: [UInt8] { userData ?? [] }

    /// True when PCR0, PCR1 and PCR2 are all present and all zero (debug mode). The verifier
    /// refuses documents without these three PCRs, so "absent" never reads as "not debug".
    public var debug: Bool {
        [pcr0, pcr1, pcr2].allSatisfy { pcr in pcr.map { $0.allSatisfy { $0 == 0 } } ?? false }
    }

    init(_ document: NitroAttestationDocument) {
        moduleID = document.moduleID
        digest = document.digest
        timestampMilliseconds = document.timestamp
        pcrs = document.pcrs
        publicKey = document.publicKey
        userData = document.userData
        nonce = document.nonce
    }

    private enum CodingKeys: String, CodingKey {
        case tee, measurement, reportData, debug, moduleId, digest, timestamp, timestampMs, pcrs, publicKey, userData, nonce
    }

    /// The CLI's `--json` form: byte strings as lower-case hex, PCRs keyed by decimal index,
    /// absent optional fields as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(tee, forKey: .tee)
        try c.encode(Hex.encode(measurement), forKey: .measurement)
        try c.encode(Hex.encode(reportData), forKey: .reportData)
        try c.encode(debug, forKey: .debug)
        try c.encode(moduleID, forKey: .moduleId)
        try c.encode(digest, forKey: .digest)
        try c.encode(ISO8601DateFormatter.nitroMilliseconds.string(from: timestamp), forKey: .timestamp)
        try c.encode(timestampMilliseconds, forKey: .timestampMs)
        try c.encode(Dictionary(uniqueKeysWithValues: pcrs.map { (String($0.key), Hex.encode($0.value)) }), forKey: .pcrs)
        try c.encode(publicKey.map { Hex.encode($0) }, forKey: .publicKey)
        try c.encode(userData.map { Hex.encode($0) }, forKey: .userData)
        try c.encode(nonce.map { Hex.encode($0) }, forKey: .nonce)
    }
}

extension ISO8601DateFormatter {
    /// `2022-10-13T08:58:02.136Z`: Nitro timestamps have millisecond precision.
    fileprivate static var nitroMilliseconds: ISO8601DateFormatter {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }
}
