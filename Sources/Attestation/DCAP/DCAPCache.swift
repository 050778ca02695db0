import Crypto
import Foundation
import Synchronization
import X509

/// What a `DCAPVerifier` remembers between verifications, so that a repeated verification from
/// the same platform with the same collateral costs one P-256 verify (the quote signature)
/// plus parsing.
///
/// Three memos, each sound by construction:
/// - signature results: "this key verified this signature over this message" keyed by
///   SHA-256 over all three (PCK chain links, CRLs, TCB info / QE identity, QE report). Only
///   successes are stored; every other check (validity at the given time, revocation, TCB
///   matching) still runs on every call, so a cached entry can never widen what is accepted;
/// - parsed collateral keyed by SHA-256 of its pieces (JSON decoding and DER parsing), and
///   parsed PCK chains keyed by SHA-256 of the quote's PEM (PEM/DER parsing costs about as
///   much as the quote's signature check);
/// - warm entries (`DCAPWarmEntry`): per platform certification data and collateral, compared
///   byte for byte, everything that does not depend on the time, so that a repeat pays only
///   for the quote signature and the date checks. An entry is stored only after a full
///   verification succeeded and only answers when every time-dependent check passes.
///
/// The quote's own signature is never memoised: it is the proof of this particular quote.
public final class DCAPCache: Sendable {
    struct State {
        var verifiedSignatures: Set<SHA256Digest> = []
        var collateral: [SHA256Digest: DCAPCollateral] = [:]
        var pckChains: [SHA256Digest: [Certificate]] = [:]
        var directoryStamp: [String] = []
        var directoryPieces: [[UInt8]] = []
        var warm: [Int: DCAPWarmEntry] = [:]
    }

    /// Bound on memo entries; the memo is simply emptied when it is full.
    let capacity: Int
    let state = Mutex(State())

    public init(capacity: Int = 4096) {
        self.capacity = max(capacity, 16)
    }

    /// Number of remembered parsed PCK chains and collateral sets (for tests: only verified ones).
    var pckChainCount: Int { state.withLock { $0.pckChains.count } }
    var collateralCount: Int { state.withLock { $0.collateral.count } }

    /// Number of remembered signature verifications (for benchmarks and tests).
    public var verifiedSignatureCount: Int { state.withLock { $0.verifiedSignatures.count } }

    /// Runs `verify` unless the same (key, signature, message) already verified.
    func verifiedSignature(key: [UInt8], signature: [UInt8], message: [UInt8], _ verify: () -> Bool) -> Bool {
        var h = SHA256()
        for part in [key, signature, message] {
            withUnsafeBytes(of: UInt64(part.count).littleEndian) { h.update(bufferPointer: $0) }
            h.update(data: part)
        }
        let digest = h.finalize()
        if state.withLock({ $0.verifiedSignatures.contains(digest) }) { return true }
        guard verify() else { return false }
        state.withLock {
            if $0.verifiedSignatures.count >= capacity { $0.verifiedSignatures.removeAll(keepingCapacity: true) }
            $0.verifiedSignatures.insert(digest)
        }
        return true
    }

    /// At most this many collateral pieces, and bytes in all, are parsed for one quote: a real
    /// bundle (TCB info, QE identity, two CRLs, their issuer chains) is 6 to 10 pieces and tens
    /// of KiB. Checked before anything is parsed, so junk costs no parsing and no memory.
    static let maximumCollateralPieces = 32
    static let maximumCollateralBytes = 512 * 1024
    /// A quote's PCK chain (PCK, PCK CA, optionally the Root CA) is about 4 KiB of PEM.
    static let maximumPCKChainBytes = 16 * 1024

    static func collateralDigest(_ pieces: [[UInt8]]) -> SHA256Digest {
        var h = SHA256()
        for piece in pieces {
            withUnsafeBytes(of: UInt64(piece.count).littleEndian) { h.update(bufferPointer: $0) }
            h.update(data: piece)
        }
        return h.finalize()
    }

    /// The collateral parsed from `pieces`, from the memo when these exact pieces verified
    /// before. Nothing is stored here: `rememberCollateral` stores it once a quote verified
    /// with it, so the memo holds only collateral that chained to Intel's root.
    func collateral(for pieces: [[UInt8]]) throws(AttestationError) -> DCAPCollateral {
        guard pieces.count <= Self.maximumCollateralPieces else {
            throw AttestationError(.collateralInvalid, "\(pieces.count) collateral pieces; a DCAP bundle has at most \(Self.maximumCollateralPieces)")
        }
        var total = 0
        for piece in pieces { total = total.addingReportingOverflow(piece.count).partialValue }
        guard total <= Self.maximumCollateralBytes else {
            throw AttestationError(.collateralInvalid, "\(total) bytes of collateral; a DCAP bundle has at most \(Self.maximumCollateralBytes)")
        }
        let digest = Self.collateralDigest(pieces)
        if let hit = state.withLock({ $0.collateral[digest] }) { return hit }
        return try DCAPCollateral.recognise(pieces)
    }

    /// Remembers collateral that a quote verified with (see `collateral(for:)`).
    func rememberCollateral(_ collateral: DCAPCollateral, for pieces: [[UInt8]]) {
        let digest = Self.collateralDigest(pieces)
        state.withLock {
            if $0.collateral.count >= 64 { $0.collateral.removeAll() }
            $0.collateral[digest] = collateral
        }
    }

    /// The warm entry computed from exactly these inputs, if any.
    func warmEntry(_ key: DCAPWarmEntry.Key) -> DCAPWarmEntry? {
        let slot = key.fingerprint
        guard let entry = state.withLock({ $0.warm[slot] }), entry.key.matches(key) else { return nil }
        return entry
    }

    func remember(_ entry: DCAPWarmEntry) {
        let slot = entry.key.fingerprint
        state.withLock {
            if $0.warm.count >= 256 { $0.warm.removeAll() }
            $0.warm[slot] = entry
        }
    }

    /// The quote's PCK chain, parsed (checks on it still run on every verification). Its size
    /// and its number of PEM blocks are checked before parsing; it is remembered only by
    /// `rememberPCKChain`, once its links verified up to Intel's root, so an attacker's
    /// chains are never kept (SECURITY-REVIEW-2026-12, M2).
    func pckChain(_ pem: [UInt8]) throws(AttestationError) -> [Certificate] {
        guard pem.count <= Self.maximumPCKChainBytes else {
            throw AttestationError(.chainInvalid, "the quote's PCK chain is \(pem.count) bytes; a genuine one is under \(Self.maximumPCKChainBytes)")
        }
        let blocks = DCAPCertificates.pemBlockCount(pem)
        guard blocks == 2 || blocks == 3 else {
            throw AttestationError(.chainInvalid, "the quote's PCK chain has \(blocks) PEM blocks, expected PCK, PCK CA and (optionally) the Root CA")
        }
        let digest = SHA256.hash(data: pem)
        if let hit = state.withLock({ $0.pckChains[digest] }) { return hit }
        return try DCAPCertificates.parsePEMChain(pem, what: "the quote's PCK certificate chain")
    }

    /// Remembers a PCK chain whose links verified to the pinned root.
    func rememberPCKChain(_ pem: [UInt8], _ certs: [Certificate]) {
        let digest = SHA256.hash(data: pem)
        state.withLock {
            if $0.pckChains.count >= capacity { $0.pckChains.removeAll() }
            $0.pckChains[digest] = certs
        }
    }

    /// The files of the operator's collateral directory, re-read only when a file's name,
    /// size or modification time changed (the operator refreshes them from Intel PCS; the
    /// broker never fetches).
    func directoryPieces(_ directory: URL) throws(AttestationError) -> [[UInt8]] {
        let fm = FileManager.default
        let keys: [URLResourceKey] = [.contentModificationDateKey, .fileSizeKey, .isRegularFileKey]
        let files: [URL]
        do {
            files = try fm.contentsOfDirectory(at: directory, includingPropertiesForKeys: keys, options: [.skipsHiddenFiles])
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
        } catch {
            throw AttestationError(
                .collateralMissing, "the DCAP collateral directory \(directory.path) cannot be read: \(error.localizedDescription)")
        }
        var stamp: [String] = []
        var regular: [URL] = []
        for file in files {
            let values = try? file.resourceValues(forKeys: Set(keys))
            guard values?.isRegularFile == true else { continue }
            regular.append(file)
            stamp.append("\(file.lastPathComponent)|\(values?.fileSize ?? -1)|\(values?.contentModificationDate?.timeIntervalSince1970 ?? 0)")
        }
        if let hit = state.withLock({ $0.directoryStamp == stamp ? $0.directoryPieces : nil }) { return hit }
        var pieces: [[UInt8]] = []
        for file in regular {
            guard let data = try? Data(contentsOf: file) else {
                throw AttestationError(.collateralMissing, "the DCAP collateral file \(file.path) cannot be read")
            }
            pieces.append([UInt8](data))
        }
        state.withLock {
            $0.directoryStamp = stamp
            $0.directoryPieces = pieces
        }
        return pieces
    }
}
