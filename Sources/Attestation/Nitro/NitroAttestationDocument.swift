/// The payload of a Nitro attestation document, as AWS specifies it
/// (aws-nitro-enclaves-nsm-api, docs/attestation_process.md, "Attestation document specification"):
///
/// ```
/// AttestationDocument = {
///     module_id:   text,               ; issuing Nitro hypervisor module, non-empty
///     digest:      "SHA384",           ; the only digest AWS defines
///     timestamp:   uint .size 8,       ; creation time, ms since the UNIX epoch, > 0
///     pcrs:        { + index => pcr }, ; 1-32 entries
///     certificate: cert,               ; signs this document
///     cabundle:    [ + cert ],         ; root first, then down to the certificate's issuer
///     ? public_key: user_data,         ; 1-1024 bytes when present
///     ? user_data:  user_data,
///     ? nonce:      user_data,
/// }
/// index     = 0..31
/// pcr       = bytes .size (32 / 48 / 64)
/// cert      = bytes .size (1..1024)     ; DER
/// user_data = bytes .size (0..1024)     ; AWS's prose says 512 for user_data and nonce, but its
///                                       ; schema says 1024 and real documents carry 1024
/// ```
///
/// An optional field may also be CBOR `null`: the NSM serialises an absent field that way
/// (the 2022 evervault vector has `public_key: null`). Unknown keys are refused: a field this
/// parser does not know is a field no policy can have looked at. Parsing only: nothing here
/// decides whether the document is genuine or acceptable.
struct NitroAttestationDocument: Sendable, Hashable {
    var moduleID: String
    var digest: String
    var timestamp: UInt64
    /// PCR index to value, as received.
    var pcrs: [Int: [UInt8]]
    var certificate: [UInt8]
    var cabundle: [[UInt8]]
    var publicKey: [UInt8]?
    var userData: [UInt8]?
    var nonce: [UInt8]?

    static let maxCertificateSize = 1024
    static let maxUserFieldSize = 1024
    static let pcrCount = 0..<32
    static let pcrSizes: Set<Int> = [32, 48, 64]

    static func parse(_ payload: [UInt8], limits: CBORDecoder.Limits) throws(AttestationError) -> NitroAttestationDocument {
        let top: CBOR
        do { top = try CBORDecoder.decode(payload, limits: limits) } catch { throw .nitroCBOR(error, in: "attestation document") }
        guard case .map(let pairs) = top else { throw AttestationError(.malformed, "the Nitro attestation document is not a CBOR map") }

        var fields: [String: CBOR] = [:]
        for pair in pairs {
            guard case .text(let key) = pair.key else {
                throw AttestationError(.malformed, "the Nitro attestation document has a non-text key \(pair.key)")
            }
            guard Self.knownKeys.contains(key) else {
                throw AttestationError(.malformed, "the Nitro attestation document has an unknown field \"\(key)\"")
            }
            fields[key] = pair.value  // keys are unique: the decoder refuses duplicates
        }
        func required(_ key: String) throws(AttestationError) -> CBOR {
            guard let value = fields[key] else {
                throw AttestationError(.malformed, "the Nitro attestation document lacks the required field \"\(key)\"")
            }
            return value
        }

        guard case .text(let moduleID) = try required("module_id"), !moduleID.isEmpty else {
            throw AttestationError(.malformed, "Nitro module_id must be a non-empty text string")
        }
        guard case .text(let digest) = try required("digest"), digest == "SHA384" else {
            throw AttestationError(.malformed, "Nitro digest must be the text \"SHA384\", the only digest AWS defines")
        }
        guard case .unsigned(let timestamp) = try required("timestamp"), timestamp > 0 else {
            throw AttestationError(.malformed, "Nitro timestamp must be a positive unsigned integer (milliseconds since 1970)")
        }
        let pcrs = try parsePCRs(try required("pcrs"))
        let certificate = try certificateBytes(try required("certificate"), name: "certificate")
        guard case .array(let bundleItems) = try required("cabundle"), !bundleItems.isEmpty else {
            throw AttestationError(.malformed, "Nitro cabundle must be a non-empty array of DER certificates")
        }
        var cabundle: [[UInt8]] = []
        for (i, item) in bundleItems.enumerated() {
            cabundle.append(try certificateBytes(item, name: "cabundle[\(i)]"))
        }
        return NitroAttestationDocument(
            moduleID: moduleID, digest: digest, timestamp: timestamp, pcrs: pcrs,
            certificate: certificate, cabundle: cabundle,
            publicKey: try optionalBytes(fields["public_key"], name: "public_key", minimum: 1),
            userData: try optionalBytes(fields["user_data"], name: "user_data", minimum: 0),
            nonce: try optionalBytes(fields["nonce"], name: "nonce", minimum: 0))
    }

    private static let knownKeys: Set<String> = [
        "module_id", "digest", "timestamp", "pcrs", "certificate", "cabundle", "public_key", "user_data", "nonce",
    ]

    private static func parsePCRs(_ value: CBOR) throws(AttestationError) -> [Int: [UInt8]] {
        guard case .map(let entries) = value, (1...pcrCount.count).contains(entries.count) else {
            throw AttestationError(.malformed, "Nitro pcrs must be a map of 1 to 32 entries")
        }
        var pcrs: [Int: [UInt8]] = [:]
        for entry in entries {
            guard case .unsigned(let index) = entry.key, index < UInt64(pcrCount.upperBound) else {
                throw AttestationError(.malformed, "Nitro PCR index \(entry.key) is not an integer from 0 to 31")
            }
            guard case .bytes(let pcr) = entry.value, pcrSizes.contains(pcr.count) else {
                throw AttestationError(.malformed, "Nitro PCR\(index) must be a byte string of 32, 48 or 64 bytes")
            }
            pcrs[Int(index)] = pcr
        }
        return pcrs
    }

    private static func certificateBytes(_ value: CBOR, name: String) throws(AttestationError) -> [UInt8] {
        guard case .bytes(let der) = value, (1...maxCertificateSize).contains(der.count) else {
            throw AttestationError(.malformed, "Nitro \(name) must be a DER certificate of 1 to \(maxCertificateSize) bytes")
        }
        return der
    }

    private static func optionalBytes(_ value: CBOR?, name: String, minimum: Int) throws(AttestationError) -> [UInt8]? {
        switch value {
        case nil, .null?: return nil
        case .bytes(let b)? where (minimum...maxUserFieldSize).contains(b.count): return b
        default: throw AttestationError(.malformed, "Nitro \(name) must be null or a byte string of \(minimum) to \(maxUserFieldSize) bytes")
        }
    }
}
