/// Verified VCEK/VLEK chains, keyed by the SHA-256 of the collateral's certificates.
///
/// Verifying a chain costs two RSA-4096 PSS verifications plus ASN.1 parsing; a broker sees
/// the same VCEK for every report from one chip at one TCB, so a hit leaves one P-384
/// verification per report. Only chains that verified are stored, and nothing time-dependent
/// is: the caller re-checks every validity period against the injected time on each hit.
/// Bounded: when full, the oldest entry is dropped.
public final class SNPChainCache: Sendable {
    private let store: VerifiedChainCache<SNPVerifiedChain>

    public var capacity: Int { store.capacity }

    public init(capacity: Int = 256) {
        store = VerifiedChainCache(capacity: capacity)
    }

    /// The number of cached chains (for tests and the bench command).
    public var count: Int { store.count }

    public func removeAll() { store.removeAll() }

    /// The key for a list of DER certificates, in the order supplied.
    static func key(for certificates: [[UInt8]]) -> [UInt8] { VerifiedChainCache<SNPVerifiedChain>.key(for: certificates) }

    func chain(for key: [UInt8]) -> SNPVerifiedChain? { store.value(for: key) }

    func insert(_ chain: SNPVerifiedChain, for key: [UInt8]) { store.insert(chain, for: key) }
}
