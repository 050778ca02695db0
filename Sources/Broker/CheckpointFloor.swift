import Foundation
import LeaseholdAPI
import Storage
import Synchronization
import TransparencyLog

/// The broker never signs a fork (CRYPTO-REVIEW H2, attack 3; issue 12 item 3).
///
/// The database is not trusted to say what the log is: restored from an old backup, or rolled
/// back by whoever can write to it, it would have the broker sign a second, different
/// checkpoint for a size it already signed, and workloads holding the first could not tell.
/// So the broker keeps the last checkpoint it signed *outside* the database, in its data
/// directory (`checkpoint-floor`: the signed note, 0600, replaced by write-to-temp, fsync,
/// rename, fsync of the directory), and before signing any checkpoint requires that the tree
/// extends it. A database rolled back below it stops the broker at open, and refuses every
/// write while it runs (`log-unavailable`, nothing released). Replicas on one PostgreSQL
/// database each keep their own file; another replica's checkpoints are fine as long as the
/// tree extends this one's floor.
///
/// The check costs almost nothing per commit: the broker remembers the frontier of the last
/// tree it committed a checkpoint of, and a new tree is checked against that with the few
/// stored subtrees between the two frontiers (`LogExtension.extends`). Only at open is the
/// file's checkpoint checked by a full consistency proof. The file is written behind the
/// commit (never backwards; under load at most every 0.1 s, the checkpoints in between
/// coalesced), so a commit neither waits for nor shares the disk with two more fsyncs;
/// `flush()` waits for it (`Broker.close`, and open). So the file may trail the log by the
/// last 0.1 s: a crash then, followed by a rollback into exactly that span, goes unnoticed at
/// the next start. While the broker runs, the floor in memory covers everything it signed.
public final class CheckpointFloor: Sendable {
    /// The floor as kept in the file: a checkpoint this broker signed (or one of its log key).
    public struct Mark: Sendable, Hashable {
        public var size: UInt64
        public var root: LogHash
        public var note: String
    }

    private struct State {
        /// The frontier of the newest tree a committed checkpoint of this process covers.
        var anchor: CompactRange?
        /// Trees checked inside transactions not yet known to have committed, by root.
        var pending: [LogHash: CompactRange] = [:]
        /// What the file holds (or was loaded from), and the newest mark to write.
        var written: Mark?
        var wanted: Mark?
        var writing = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        var lastError: String?
    }

    /// The file; nil keeps the floor in memory only (tests that build a broker by hand).
    public let path: String?
    private let state: Mutex<State>
    private let queue = DispatchQueue(label: "leasehold.checkpoint-floor")

    init(path: String?, mark: Mark?) {
        self.path = path
        state = Mutex(State(written: mark, wanted: mark))
    }

    /// A floor kept in memory only.
    convenience init() { self.init(path: nil, mark: nil) }

    /// Loads the floor file at `path` (none yet: an empty floor): a checkpoint note that must
    /// be signed by `verifier`, the broker's log key.
    static func load(path: String, verifier: NoteVerifier) throws(BrokerError) -> CheckpointFloor {
        guard let text = try SecretFiles.readSecret(path) else { return CheckpointFloor(path: path, mark: nil) }
        let mark: Mark
        do {
            let body = try verifier.open(text)
            let cp = try Checkpoint(body: body)
            guard cp.origin == verifier.name else { throw FloorError(message: "its origin is \(cp.origin)") }
            mark = Mark(size: cp.size, root: cp.root, note: text)
        } catch {
            throw BrokerError(
                .internal,
                "\(path) does not hold a checkpoint signed by this broker's log key (\(verifier.name)): \(error). It records the last checkpoint this broker signed; do not edit it"
            )
        }
        return CheckpointFloor(path: path, mark: mark)
    }

    /// The floor as it stands (the file's, or newer if a write is under way).
    public var mark: Mark? { state.withLock { $0.wanted } }

    /// Why the last write of the file failed, if it did (it is retried at the next checkpoint).
    public var writeError: String? { state.withLock { $0.lastError } }

    /// Signs a checkpoint in `tx` as `tx.checkpoint(signer:now:)` does, after checking that the
    /// tree extends the floor; throws `log-unavailable` (rolling the transaction back) if not.
    /// Call `committed(_:)` with the result once the transaction has committed.
    func checkpoint(_ tx: any BrokerTransaction, signer: NoteSigner, now: Date) throws -> StoredCheckpoint {
        try tx.checkpoint(signer: signer, now: now) { frontier in try self.check(frontier, in: tx) }
    }

    /// Throws unless the tree with `frontier` (in `tx`) extends the floor.
    func check(_ frontier: CompactRange, in tx: any BrokerTransaction) throws {
        let (anchor, mark) = state.withLock { ($0.anchor, $0.wanted) }
        if let anchor, anchor.size >= mark?.size ?? 0 {
            if anchor == frontier { return }  // nothing new: the floor stays where it is
            guard frontier.size >= anchor.size else { throw Self.rolledBack(frontier.size, below: anchor.size, path: path) }
            guard try LogExtension.extends(frontier, anchor, subtrees: { try tx.subtreeHashes($0) }) else {
                throw Self.fork(frontier.size, floor: anchor.size, path: path)
            }
        } else if let mark {
            guard frontier.size >= mark.size else { throw Self.rolledBack(frontier.size, below: mark.size, path: path) }
            guard try LogExtension.extends(frontier, size: mark.size, root: mark.root, in: tx) else {
                throw Self.fork(frontier.size, floor: mark.size, path: path)
            }
        }
        state.withLock { $0.pending[frontier.root] = frontier }
    }

    /// After the transaction that signed (or returned) `cp` committed: the floor moves up to
    /// it (never back) and the file follows, written behind this call.
    func committed(_ cp: StoredCheckpoint) {
        let start: Bool = state.withLock { s in
            // Only a tree `check` passed moves the floor (a stored checkpoint of another root
            // than the tree's never does).
            guard let f = s.pending.removeValue(forKey: cp.root), f.size == cp.size else { return false }
            if s.anchor.map({ f.size > $0.size }) ?? true { s.anchor = f }
            if let a = s.anchor { s.pending = s.pending.filter { $0.value.size > a.size } }
            if s.wanted.map({ cp.size > $0.size }) ?? true { s.wanted = Mark(size: cp.size, root: cp.root, note: cp.note) }
            guard path != nil, s.wanted != s.written, !s.writing else { return false }
            s.writing = true
            return true
        }
        if start { queue.async { self.writeStep() } }
    }

    /// Waits until the file holds the newest mark (or its write failed).
    func flush() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let done: Bool = state.withLock { s in
                guard s.writing else { return true }
                s.waiters.append(c)
                return false
            }
            if done { c.resume() }
        }
    }

    /// Writes the newest mark; while checkpoints keep coming, at most one write per
    /// `minimumInterval` (each costs two fsyncs, which a commit should not have to share the
    /// disk with), the marks in between coalesced into the next.
    private func writeStep() {
        guard let mark = state.withLock({ $0.wanted }), let path else { return finishWriting() }
        var failure: String?
        do { try Self.write(mark, to: path) } catch { failure = "\(error)" }
        let again: Bool = state.withLock { s in
            s.lastError = failure
            if failure == nil { s.written = mark }
            return failure == nil && s.wanted != mark
        }
        guard again else { return finishWriting() }
        queue.asyncAfter(deadline: .now() + Self.minimumInterval) { self.writeStep() }
    }

    private func finishWriting() {
        let waiters: [CheckedContinuation<Void, Never>] = state.withLock { s in
            s.writing = false
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume() }
    }

    /// The shortest time between two writes of the file under load.
    static let minimumInterval: TimeInterval = 0.1

    /// Replaces the file durably: a temporary file written and fsynced, renamed over the old
    /// one, then the directory fsynced. A file already holding a larger checkpoint (another
    /// broker on this data directory wrote it) is left alone.
    static func write(_ mark: Mark, to path: String) throws {
        if let text = try? String(contentsOfFile: path, encoding: .utf8), let body = text.components(separatedBy: "\n").dropFirst().first,
            let size = UInt64(body), size >= mark.size
        {
            return
        }
        let tmp = path + ".tmp"
        let fd = Foundation.open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw FloorError(message: "cannot create \(tmp): \(String(cString: strerror(errno)))") }
        let bytes = Array(mark.note.utf8)
        let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard n == bytes.count, synced else { throw FloorError(message: "cannot write \(tmp)") }
        guard rename(tmp, path) == 0 else { throw FloorError(message: "cannot rename \(tmp) to \(path): \(String(cString: strerror(errno)))") }
        let dir = Foundation.open(URL(fileURLWithPath: path).deletingLastPathComponent().path, O_RDONLY)
        guard dir >= 0 else { throw FloorError(message: "cannot open the directory of \(path)") }
        defer { close(dir) }
        guard fsync(dir) == 0 else { throw FloorError(message: "cannot fsync the directory of \(path)") }
    }

    struct FloorError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    static func rolledBack(_ size: UInt64, below floor: UInt64, path: String?) -> BrokerError {
        BrokerError(
            .logUnavailable,
            "the database was rolled back below the checkpoint this broker signed at size \(floor): its log has only \(size) entries. Refusing to sign a fork of a checkpoint workloads and owners may hold. "
                + advice(path))
    }

    static func fork(_ size: UInt64, floor: UInt64, path: String?) -> BrokerError {
        BrokerError(
            .logUnavailable,
            "the database's log (size \(size)) does not extend the checkpoint this broker signed at size \(floor): its first \(floor) entries differ from the ones signed (the database was rolled back and written again). Refusing to sign a fork. "
                + advice(path))
    }

    private static func advice(_ path: String?) -> String {
        guard let path else { return "Restore the database to a state that includes that checkpoint." }
        return
            "Restore the database (or point the broker at the right one) to a state that includes that checkpoint (kept in \(path)). To start a new log instead, move aside both \(path) and the log signing key: a new log under the same key would be a fork"
    }
}
