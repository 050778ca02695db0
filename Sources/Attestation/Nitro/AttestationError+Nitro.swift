extension AttestationError {
    /// A CBOR decoding failure in the named part of a Nitro document, as `malformed`.
    static func nitroCBOR(_ error: CBORError, in part: String) -> AttestationError {
        AttestationError(.malformed, "the Nitro \(part) is not strict CBOR: \(AttestationError.libraryReason(error))")
    }
}
