/// Remembers CA bundles that have already been verified, so that a warm verification costs
/// only the document certificate's signature and the COSE signature (two P-384 verifies)
/// instead of five.
///
/// AWS's bundle (root, regional, zonal and per-instance CAs) changes at most daily per
/// instance while documents are produced per request, so a broker sees the same bundle many
/// times. Entries are keyed by the SHA-256 of the bundle's certificates (each prefixed by its
/// length, so different splits of the same bytes cannot collide) and hold only
/// time-independent results: validity periods are re-checked against the verification time
/// on every use. At most `capacity` bundles are kept; the oldest is dropped first.
public final class NitroChainCache: Sendable {
    private let store: VerifiedChainCache<NitroVerifiedBundle>

    public var capacity: Int { store.capacity }

    public init(capacity: Int = 256) {
        store = VerifiedChainCache(capacity: capacity)
    }

    /// How many verified bundles are cached.
    public var count: Int { store.count }

    /// Forgets every bundle, e.g. to measure cold verifications.
    public func removeAll() { store.removeAll() }

    static func key(for cabundle: [[UInt8]]) -> [UInt8] { VerifiedChainCache<NitroVerifiedBundle>.key(for: cabundle) }

    func lookup(_ key: [UInt8]) -> NitroVerifiedBundle? { store.value(for: key) }

    func insert(_ bundle: NitroVerifiedBundle, for key: [UInt8]) { store.insert(bundle, for: key) }
}
