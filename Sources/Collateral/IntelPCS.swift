import Codecs
import Attestation
import Foundation

/// Intel's Provisioning Certification Service, v4, or a PCCS (the same paths under another
/// base URL): what to GET for one quote's `DCAPCollateralNeeds`, and how to read the answers.
/// Decides nothing: `DCAPVerifier.checkFetched` verifies what comes back.
///
/// | document      | GET (base URL +)                                          | issuer chain header                                        |
/// |---------------|-----------------------------------------------------------|------------------------------------------------------------|
/// | TCB info      | `/{sgx,tdx}/certification/v4/tcb?fmspc=F&update=U`          | `TCB-Info-Issuer-Chain` (PCCS v3: `SGX-TCB-Info-Issuer-Chain`) |
/// | QE identity   | `/{sgx,tdx}/certification/v4/qe/identity?update=U`          | `SGX-Enclave-Identity-Issuer-Chain`                         |
/// | PCK CRL       | `/sgx/certification/v4/pckcrl?ca=processor\|platform&encoding=der` | `SGX-PCK-CRL-Issuer-Chain`                          |
/// | Root CA CRL   | PCS: the root's CRL distribution point; PCCS: `/sgx/certification/v4/rootcacrl` | none                          |
///
/// Issuer chains are percent-encoded PEM (signing certificate, then root). CRL bodies are DER,
/// PEM, or (PCCS API 3.0) hex of DER; the collateral parser recognises each.
public struct IntelPCS: Sendable, Hashable {
    /// `update=early|standard`: which TCB recovery stage Intel serves. Recorded with each
    /// grant, since the same platform can be UpToDate under one and OutOfDate under the other.
    public enum Update: String, Sendable, Hashable, CaseIterable {
        case standard, early
    }

    /// Intel's own service; any other base URL is treated as a PCCS.
    public static let intelPCS = "https://api.trustedservices.intel.com"
    /// The Intel SGX Root CA's CRL distribution point (in the pinned root certificate).
    public static let rootCRLDistributionPoint = "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der"

    public var baseURL: String
    public var update: Update

    public init(baseURL: String, update: Update = .standard) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.update = update
    }

    /// Intel's PCS (and its sandbox) have no rootcacrl route; a PCCS does.
    var isIntel: Bool {
        guard let host = URL(string: baseURL)?.host else { return false }
        return host == "trustedservices.intel.com" || host.hasSuffix(".trustedservices.intel.com")
    }

    public struct Request: Sendable, Hashable {
        /// `tcbInfo`, `qeIdentity`, `pckCrl`, `rootCaCrl`: the name the grant's log entry uses.
        public var kind: String
        public var url: String
        /// Header names that may carry the issuer chain, in order of preference.
        public var chainHeaders: [String]
    }

    public func requests(for needs: DCAPCollateralNeeds) -> [Request] {
        let tee = needs.tee == .tdx ? "tdx" : "sgx"
        return [
            Request(
                kind: "tcbInfo", url: "\(baseURL)/\(tee)/certification/v4/tcb?fmspc=\(needs.fmspc)&update=\(update.rawValue)",
                chainHeaders: ["tcb-info-issuer-chain", "sgx-tcb-info-issuer-chain"]),
            Request(
                kind: "qeIdentity", url: "\(baseURL)/\(tee)/certification/v4/qe/identity?update=\(update.rawValue)",
                chainHeaders: ["sgx-enclave-identity-issuer-chain"]),
            Request(
                kind: "pckCrl", url: "\(baseURL)/sgx/certification/v4/pckcrl?ca=\(needs.pckCA.rawValue)&encoding=der",
                chainHeaders: ["sgx-pck-crl-issuer-chain"]),
            Request(
                kind: "rootCaCrl", url: isIntel ? Self.rootCRLDistributionPoint : "\(baseURL)/sgx/certification/v4/rootcacrl",
                chainHeaders: []),
        ]
    }

    /// The pieces one answer contributes: the body, and the issuer chain when the request has
    /// one (a missing chain is an error: the document could not be verified).
    public static func pieces(of response: CollateralHTTPResponse, for request: Request) throws(CollateralError) -> [[UInt8]] {
        guard !response.body.isEmpty else { throw CollateralError(.notServed, "\(request.url) answered an empty body") }
        guard !request.chainHeaders.isEmpty else { return [response.body] }
        guard let encoded = request.chainHeaders.lazy.compactMap({ response.headers[$0] }).first else {
            throw CollateralError(
                .invalid, "\(request.url) answered without its issuer chain header (\(request.chainHeaders.joined(separator: " or ")))")
        }
        guard let chain = percentDecoded(encoded) else {
            throw CollateralError(.invalid, "\(request.url): the issuer chain header is not percent-encoded PEM")
        }
        return [response.body, chain]
    }

    /// RFC 3986 percent-decoding (no `+` for space): what PCS and PCCS send in chain headers.
    static func percentDecoded(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var bytes = text.utf8.makeIterator()
        while let b = bytes.next() {
            guard b == UInt8(ascii: "%") else { out.append(b); continue }
            guard let h = bytes.next(), let l = bytes.next(), let byte = Hex.decode([h, l])?.first else { return nil }
            out.append(byte)
        }
        return out
    }
}
