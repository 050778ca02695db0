extension AttestationError.Code {
    /// The evidence is signed with, or declares, an algorithm this verifier does not accept
    /// (Nitro: COSE `alg` other than ES384, or a document `digest` other than SHA384).
    public static let algorithmNotAllowed = Self(rawValue: "algorithm-not-allowed")
    /// The evidence's own creation time is outside the validity of the certificate that signed it.
    public static let timestampOutOfRange = Self(rawValue: "timestamp-out-of-range")
}

extension AttestationError {
    /// A CBOR decoding failure in the named part of a Nitro document, as `malformed`.
    static func nitroCBOR(_ error: CBORError, in part: String) -> AttestationError {
        AttestationError(.malformed, "the Nitro \(part) is not strict CBOR: \(AttestationError.libraryReason(error))")
    }
}
