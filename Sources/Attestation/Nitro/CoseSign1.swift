/// A COSE_Sign1 message (RFC 9052 §4.2), the envelope of a Nitro attestation document.
///
/// ```
/// COSE_Sign1 = #6.18([           ; tag 18 optional: Nitro sends it untagged
///     protected   : bstr,        ; CBOR map, serialized; Nitro: {1: -35} (alg: ES384)
///     unprotected : map,         ; Nitro: {}
///     payload     : bstr / nil,  ; the attestation document; nil (detached) is refused
///     signature   : bstr,        ; ES384: r || s, 48 + 48 bytes (RFC 9053 §2.1)
/// ])
/// ```
///
/// This type parses and type-checks; it does not decide whether the algorithm is acceptable
/// or whether the signature verifies (`NitroVerifier` does).
struct CoseSign1: Sendable, Hashable {
    /// COSE_Sign1's CBOR tag (RFC 9052 §2).
    static let tag: UInt64 = 18
    /// Header label of `alg` (RFC 9052 §3.1).
    static let algLabel = CBOR.unsigned(1)
    /// Header label of `crit` (RFC 9052 §3.1).
    static let critLabel = CBOR.unsigned(2)

    /// The protected header exactly as received: the signature covers these bytes, not a re-encoding.
    var protectedBytes: [UInt8]
    /// `protectedBytes`, decoded.
    var protectedHeader: [CBOR.Pair]
    var unprotectedHeader: [CBOR.Pair]
    var payload: [UInt8]
    var signature: [UInt8]

    /// The protected `alg` value, if present and an integer.
    var algorithm: Int64? {
        protectedHeader.first { $0.key == Self.algLabel }?.value.int64
    }

    static func parse(_ bytes: [UInt8], limits: CBORDecoder.Limits) throws(AttestationError) -> CoseSign1 {
        let top: CBOR
        do { top = try CBORDecoder.decode(bytes, limits: limits) } catch { throw .nitroCBOR(error, in: "COSE_Sign1 envelope") }

        var body = top
        if case .tagged(let tag, let content) = top {
            guard tag == Self.tag else { throw AttestationError(.malformed, "the Nitro document carries CBOR tag \(tag), not COSE_Sign1's tag 18") }
            body = content
        }
        guard case .array(let parts) = body, parts.count == 4 else {
            throw AttestationError(.malformed, "a COSE_Sign1 message is an array of 4 items (protected, unprotected, payload, signature)")
        }
        guard case .bytes(let protectedBytes) = parts[0] else { throw AttestationError(.malformed, "the COSE protected header is not a byte string") }
        guard case .map(let unprotected) = parts[1] else { throw AttestationError(.malformed, "the COSE unprotected header is not a map") }
        guard case .bytes(let payload) = parts[2] else {
            throw AttestationError(.malformed, "the COSE payload is not an attached byte string (detached payloads are not used by Nitro)")
        }
        guard case .bytes(let signature) = parts[3] else { throw AttestationError(.malformed, "the COSE signature is not a byte string") }

        // RFC 9052 §3: a zero-length protected header stands for the empty map.
        var protected: [CBOR.Pair] = []
        if !protectedBytes.isEmpty {
            let decoded: CBOR
            do { decoded = try CBORDecoder.decode(protectedBytes, limits: limits) } catch { throw .nitroCBOR(error, in: "COSE protected header") }
            guard case .map(let pairs) = decoded else { throw AttestationError(.malformed, "the COSE protected header does not hold a map") }
            protected = pairs
        }
        // RFC 9052 §3: a label must not appear in both buckets; we understand no critical headers.
        let protectedKeys = Set(protected.map(\.key))
        if let clash = unprotected.first(where: { protectedKeys.contains($0.key) }) {
            throw AttestationError(.malformed, "COSE header label \(clash.key) appears in both the protected and unprotected headers")
        }
        if protectedKeys.contains(Self.critLabel) || unprotected.contains(where: { $0.key == Self.critLabel }) {
            throw AttestationError(.malformed, "the COSE message lists critical headers, none of which this verifier understands")
        }
        if unprotected.contains(where: { $0.key == Self.algLabel }) {
            throw AttestationError(.malformed, "the COSE algorithm must be in the protected header, where the signature covers it")
        }
        return CoseSign1(
            protectedBytes: protectedBytes, protectedHeader: protected, unprotectedHeader: unprotected,
            payload: payload, signature: signature)
    }

    /// The bytes the signature covers (RFC 9052 §4.4):
    /// `Sig_structure = ["Signature1", body_protected, external_aad = h'', payload]`,
    /// built from the received protected header and payload bytes unchanged.
    var signedBytes: [UInt8] {
        CBOREncoder.encode(.array([.text("Signature1"), .bytes(protectedBytes), .bytes([]), .bytes(payload)]))
    }
}
