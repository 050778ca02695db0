import Foundation
import LeaseholdCore
import TransparencyLog

/// Runs `LeaseInvariantChecker` inside an audit, turning its violations into audit failures.
final class LeaseInvariants {
    var checker: LeaseInvariantChecker

    init(expiryGrace: Double = 300) { checker = LeaseInvariantChecker(expiryGrace: expiryGrace) }

    func consume(_ e: LogEntry) throws(LogAuditor.Failure) {
        do { try checker.consume(e) } catch { throw LogAuditor.Failure(seq: error.seq, message: "lease invariant: \(error.message)") }
    }

    func finish() throws(LogAuditor.Failure) {
        defer {
            for f in checker.findings { FileHandle.standardError.write(Data("leasehold: finding: \(f)\n".utf8)) }
        }
        do { try checker.finish() } catch { throw LogAuditor.Failure(seq: error.seq, message: "lease invariant: \(error.message)") }
    }
}
