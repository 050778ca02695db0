import Codecs
import Broker
import LeaseholdWorkloadCLI
import LeaseholdAPI
import Foundation
import Storage
import TransparencyLog

/// The store helpers of the broker's own commands; the file helpers are in LeaseholdWorkloadCLI.
extension CLIFiles {
    static func openForAudit(_ path: String) throws -> SQLiteStore {
        do { return try SQLiteStore.openForAudit(path: path) } catch { throw CLIFailure(message: error.reason) }
    }

    /// Runs a read against the store, turning store errors into one-line failures.
    static func read<T>(_ store: SQLiteStore, _ body: (SQLiteTransaction) throws -> T) throws -> T {
        do { return try store.read(body) } catch let e as StorageError {
            throw CLIFailure(message: e.reason)
        } catch let e as BrokerError {
            throw CLIFailure(message: e.message)
        }
    }
}

extension JSONValue {
    /// The CLI's JSON output: canonical bytes plus a newline.
    var printed: String { String(decoding: CanonicalJSON.encode(self), as: UTF8.self) }
}
