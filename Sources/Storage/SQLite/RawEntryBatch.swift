import Dispatch
import Foundation
import GRDB
import TransparencyLog

/// A run of consecutive log entries copied out of SQLite into one buffer, so that the work that
/// depends on each entry alone (`LogAuditor.prepare`: SHA-256 leaf hash, header scan; and a
/// byte-level selection) can run on every core while the audit's ordered checks stay on one
/// thread. On a million-entry log that work is about two thirds of an audit (perf: SHA-256
/// 16%, the scanner 27%, the selection 7%); SQLite's reading and the tree stay serial.
struct RawEntryBatch {
    var seqs: [UInt64] = []
    var leaves: [LogHash?] = []
    var bytes: [UInt8] = []
    var ends: [Int] = []

    var count: Int { seqs.count }

    mutating func append(seq: UInt64, entry: UnsafeRawBufferPointer, leaf: LogHash?) {
        seqs.append(seq)
        leaves.append(leaf)
        bytes.append(contentsOf: entry)
        ends.append(bytes.count)
    }

    func range(_ i: Int) -> Range<Int> { (i == 0 ? 0 : ends[i - 1])..<ends[i] }

    func withEntry<T>(_ i: Int, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try bytes.withUnsafeBytes { all in try body(UnsafeRawBufferPointer(rebasing: all[range(i)])) }
    }

    struct Work: Sendable {
        var prepared: LogAuditor.Prepared
        var selected: Bool
    }

    /// `LogAuditor.prepare` and `select` for every entry, split over the active cores.
    func prepared(select: ((UnsafeRawBufferPointer) -> Bool)?) -> [Work] {
        let n = count
        let lanes = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8, n / 256))
        var out = [Work?](repeating: nil, count: n)
        bytes.withUnsafeBytes { all in
            out.withUnsafeMutableBufferPointer { slots in
                nonisolated(unsafe) let slots = slots
                nonisolated(unsafe) let all = all
                nonisolated(unsafe) let select = select
                DispatchQueue.concurrentPerform(iterations: lanes) { lane in
                    // Each lane writes only its own slots.
                    for i in stride(from: lane, to: n, by: lanes) {
                        let entry = UnsafeRawBufferPointer(rebasing: all[range(i)])
                        slots[i] = Work(prepared: LogAuditor.prepare(entry), selected: select?(entry) ?? false)
                    }
                }
            }
        }
        return out.map { $0 ?? Work(prepared: LogAuditor.prepare(UnsafeRawBufferPointer(start: nil, count: 0)), selected: false) }
    }
}

extension SQLiteTransaction {
    /// `forEachRawEntry` in batches of up to `size` entries (and about 4 MiB).
    func forEachRawBatch(size: Int = 4096, _ body: (RawEntryBatch) throws -> Void) throws {
        var batch = RawEntryBatch()
        try forEachRawEntry { seq, bytes, leaf in
            batch.append(seq: seq, entry: bytes, leaf: leaf)
            if batch.count >= size || batch.bytes.count >= 4 << 20 {
                try body(batch)
                batch = RawEntryBatch()
            }
        }
        if batch.count > 0 { try body(batch) }
    }
}
