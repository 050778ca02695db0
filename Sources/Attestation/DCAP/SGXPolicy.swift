import Codecs

/// What an SGX enclave must be for a lease: its identity (MRENCLAVE, or MRSIGNER with its
/// ISVPRODID for enclaves that are updated under one signing key), a minimum ISVSVN, debug,
/// and the DCAP TCB statuses accepted.
public struct SGXPolicy: Sendable, Hashable {
    public var mrEnclave: [UInt8]?
    public var mrSigner: [UInt8]?
    public var isvProdId: UInt16?
    public var minimumIsvSvn: UInt16
    public var allowDebug: Bool
    /// Intel TCB statuses accepted, in the order the manifest lists them.
    public var acceptedTCBStatuses: [String]

    public init(
        mrEnclave: [UInt8]? = nil, mrSigner: [UInt8]? = nil, isvProdId: UInt16? = nil,
        minimumIsvSvn: UInt16 = 0, allowDebug: Bool = false,
        acceptedTCBStatuses: [String] = ["UpToDate"]
    ) {
        self.mrEnclave = mrEnclave
        self.mrSigner = mrSigner
        self.isvProdId = isvProdId
        self.minimumIsvSvn = minimumIsvSvn
        self.allowDebug = allowDebug
        self.acceptedTCBStatuses = acceptedTCBStatuses
    }

    public func check(_ claims: SGXClaims) throws(AttestationError) {
        // A signer alone would accept every enclave that key ever signed, for any product.
        guard mrEnclave != nil || (mrSigner != nil && isvProdId != nil) else {
            throw AttestationError(
                .measurementMismatch, "the SGX policy names neither an MRENCLAVE nor an MRSIGNER with its ISVPRODID, so no enclave can match it")
        }
        if let mrEnclave, !ConstantTime.equal(mrEnclave, claims.mrEnclave) {
            throw AttestationError(.measurementMismatch, "MRENCLAVE \(Hex.encode(claims.mrEnclave)) is not the expected \(Hex.encode(mrEnclave))")
        }
        if let mrSigner, !ConstantTime.equal(mrSigner, claims.mrSigner) {
            throw AttestationError(.measurementMismatch, "MRSIGNER \(Hex.encode(claims.mrSigner)) is not the expected \(Hex.encode(mrSigner))")
        }
        if let isvProdId, isvProdId != claims.isvProdId {
            throw AttestationError(.measurementMismatch, "ISVPRODID \(claims.isvProdId) is not the expected \(isvProdId)")
        }
        if claims.debug && !allowDebug {
            throw AttestationError(.debugNotAllowed, "the enclave runs in debug mode (ATTRIBUTES.DEBUG), its memory is readable by the host")
        }
        if claims.isvSvn < minimumIsvSvn {
            throw AttestationError(.tcbTooLow, "ISVSVN \(claims.isvSvn) is below the minimum \(minimumIsvSvn)")
        }
        try claims.status.check(accepted: Set(acceptedTCBStatuses), advisoryIds: claims.advisoryIds)
    }
}
