import Codecs
import ArgumentParser
import Broker
import Foundation
import LeaseholdCore
import LeaseholdWorkloadCLI
import Storage
import TransparencyLog

/// `leasehold audit history`: what happened under a lease, told from the log alone. The whole
/// log is audited first exactly as `audit verify` does (hash chain, Merkle tree, every
/// checkpoint signature, the lease invariants), so a tampered database or bundle refuses
/// (exit 1, naming the entry) instead of printing a wrong story.
struct AuditHistory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "A lease's (or an owner's) history from the verified log: each event with its seq, the invariants' verdict, the checkpoint.",
        discussion: """
            Events: issued (purpose, keys, allowed workloads, window, maxGrants, manifest digest, signer key), granted (TEE, measurement, TCB status, debug, evidence hash, key ids, grant id), denied (reason code), receipt, revoked, expired, released. Select with --owner, --lease (with --owner, or alone if the id is unique enough for you), --from and --to (ISO 8601). The log is verified in full first (as `audit verify`); any failure exits 1 naming the entry, and nothing else is printed. --json prints one object, schema "leasehold.audit.history/v1" (see README "Audit history"). Exit 0: verified, whatever the selection holds.
            """
    )

    @OptionGroup var options: HistoryOptions
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func run() async throws {
        let report = try await options.gather()
        print(json ? String(decoding: CanonicalJSON.encode(report.json), as: UTF8.self) : report.text, terminator: json ? "\n" : "")
    }
}

/// The source, trust and selection flags `audit history` and `audit report` share.
struct HistoryOptions: ParsableArguments {
    @Option(help: "The broker's SQLite database.") var db: String?
    @Option(help: "The broker's PostgreSQL database (default: $LEASEHOLD_DATABASE_URL when neither --db nor --bundle is given).") var database:
        String?
    @Option(help: "An export directory (`audit export`).") var bundle: String?
    @Option(name: .customLong("log-key"), help: "The trusted log verifier key (required with --bundle).") var logKey: String?
    @Flag(help: "With --db or --database and no --log-key: trust the log key stored in the database.") var trustDbKey = false
    @Option(help: "Only this owner's leases.") var owner: String?
    @Option(help: "Only this lease id.") var lease: String?
    @Option(help: "Only events at or after this time (ISO 8601).") var from: String?
    @Option(help: "Only events at or before this time (ISO 8601).") var to: String?
    @Flag(help: "Re-verify each grant's kept evidence too (as `audit verify --evidence`).") var evidence = false

    var databaseURL: String? { database ?? (db == nil && bundle == nil ? CLIFiles.environment("LEASEHOLD_DATABASE_URL") : nil) }

    func validate() throws {
        let sources = [db != nil, databaseURL != nil, bundle != nil].filter { $0 }.count
        guard sources == 1 else { throw ValidationError("give exactly one of --db FILE, --database URL or --bundle DIR") }
        if bundle != nil && logKey == nil { throw ValidationError("--bundle needs --log-key: a bundle cannot vouch for its own key") }
        if bundle == nil && logKey == nil && !trustDbKey {
            throw ValidationError(
                "give --log-key KEY (from `audit log-key` where you trust the broker), or --trust-db-key to accept the key the database holds")
        }
        if trustDbKey && logKey != nil { throw ValidationError("--trust-db-key and --log-key exclude each other") }
        for (name, value) in [("--from", from), ("--to", to)] {
            if let value, RFC3339.parse(value) == nil {
                throw ValidationError("\(name) \(value) is not an ISO 8601 time such as 2026-06-01T00:00:00Z")
            }
        }
    }

    /// Audits the source and gathers the selection's history, the verdicts and, with
    /// `proofs`, the inclusion proof of every event's entry against the latest checkpoint.
    func gather(proofs: Bool = false) async throws -> AuditHistory.Report {
        let selection = LeaseHistory.Selection(owner: owner, leaseId: lease, from: from.flatMap(RFC3339.parse), to: to.flatMap(RFC3339.parse))
        var history = LeaseHistory(selection: selection)
        let reverify: GrantEvidenceAudit?
        do { reverify = evidence ? try GrantEvidenceAudit.standard() : nil } catch { throw CLIFailure(message: "evidence verifiers: \(error)") }
        let invariants = LeaseInvariants(evidence: reverify)
        let summary: AuditSummary
        let checkpoint: String
        var exported: String?
        defer { if let exported { try? FileManager.default.removeItem(atPath: exported) } }
        do {
            if let db {
                let trusted = try logKey.map(CLIFiles.verifierKey)
                let store = try CLIFiles.openForAudit(db)
                (summary, checkpoint) = try CLIFiles.read(store) { tx in
                    invariants.records = { hex in try Hex.decode(hex).flatMap { try tx.evidence(digest: $0) } }
                    invariants.pieces = invariants.records
                    let s = try tx.auditLog(
                        trustedKey: trusted, external: [],
                        onEntry: { (e: LogEntry) throws(LogAuditor.Failure) in
                            guard AuditHistory.concerns(e, selection) else { return }
                            try invariants.consume(e)
                            history.consume(e)
                        }, select: AuditHistory.bytesFilter(selection))
                    return (s, try tx.latestCheckpoint()?.note ?? "")
                }
                try invariants.finish()
            } else {
                var directory = bundle ?? ""
                if let url = databaseURL {
                    // PostgreSQL: one consistent snapshot, exported to a private directory and
                    // audited as a bundle.
                    let temp = FileManager.default.temporaryDirectory.appendingPathComponent("leasehold-history-\(UUID().uuidString)").path
                    exported = temp
                    let store: any BrokerStore
                    do { store = try await PostgresStore.open(try PostgresLocation(url: url), connections: 1, migrate: false) } catch {
                        throw CLIFailure(message: error.reason)
                    }
                    _ = try await AuditExport.export(store, to: temp)
                    directory = temp
                }
                let keyText = try logKey ?? CLIFiles.readText(directory + "/log-key", what: "log key").trimmingCharacters(in: .whitespacesAndNewlines)
                invariants.readEvidence(fromBundle: directory)
                summary = try BundleAudit.verify(directory: directory, key: try CLIFiles.verifierKey(keyText), external: [], invariants: invariants) {
                    history.consume($0)
                }
                checkpoint = try CLIFiles.readText(directory + "/checkpoint", what: "bundle checkpoint")
            }
        } catch let f as LogAuditor.Failure {
            throw CLIFailure(message: "audit failed: \(f)")
        }
        var report = AuditHistory.Report(
            history: history, summary: summary, checkpoint: checkpoint, signedLeases: invariants.checker.signedLeases,
            findings: invariants.checker.findings, evidence: invariants.evidenceSummary)
        report.invariantsOverSelection = db != nil && AuditHistory.bytesFilter(selection) != nil
        if proofs { report.proofs = try await self.proofs(for: history.events.map(\.seq), checkpoint: checkpoint, bundle: exported ?? bundle) }
        return report
    }
}

extension AuditHistory {
    /// With an owner or a lease named, which entries to parse at all: those whose bytes hold
    /// the canonical members `"owner":"O"` and `"leaseId":"L"`, and owner registrations (the
    /// invariants check grants against the owners' keys). Every entry is still verified on the
    /// auditor's lean path; this only spares parsing the others. Nil (parse all) for a
    /// selection by time alone.
    static func bytesFilter(_ s: LeaseHistory.Selection) -> ((UnsafeRawBufferPointer) -> Bool)? {
        guard s.owner != nil || s.leaseId != nil else { return nil }
        // The lease first: it rules out most entries at once.
        let needles = [s.leaseId.map { Array("\"leaseId\":\"\($0)\"".utf8) }, s.owner.map { Array("\"owner\":\"\($0)\"".utf8) }].compactMap { $0 }
        let registration = Array("\"kind\":\"owner.registered\"".utf8)
        return { bytes in needles.allSatisfy { contains(bytes, $0) } || contains(bytes, registration) }
    }

    /// Whether `needle` (at least 2 bytes) occurs in `hay`: memchr for its first byte, its
    /// second compared in place (JSON is full of quotes), then memcmp.
    static func contains(_ hay: UnsafeRawBufferPointer, _ needle: [UInt8]) -> Bool {
        guard let base = hay.baseAddress, needle.count >= 2, hay.count >= needle.count else { return false }
        let (first, second) = (needle[0], needle[1])
        let last = hay.count - needle.count
        var i = 0
        while i <= last {
            guard let hit = memchr(base + i, Int32(first), last - i + 1) else { return false }
            let at = base.distance(to: UnsafeRawPointer(hit))
            if hay[at + 1] == second, needle.withUnsafeBytes({ n in n.baseAddress.map { memcmp(hit, $0, needle.count) } }) == 0 { return true }
            i = at + 1
        }
        return false
    }

    /// Whether a parsed entry belongs to the selection's story or its invariants: an entry of a
    /// selected lease, or an owner registration (a byte match is only a pre-filter).
    static func concerns(_ e: LogEntry, _ s: LeaseHistory.Selection) -> Bool {
        if e.kind == "owner.registered" { return s.owner == nil || e.owner == s.owner }
        if let owner = s.owner, e.owner != owner { return false }
        if let lease = s.leaseId, e.leaseId != lease { return false }
        return true
    }

    /// What `audit history` prints, as text for people or JSON for machines.
    struct Report {
        var history: LeaseHistory
        var summary: AuditSummary
        var checkpoint: String
        var signedLeases: Int
        var findings: [String]
        var evidence: String?
        /// Whether the invariants covered only the selected leases (`--db` with `--owner` or
        /// `--lease`: only their entries were parsed) or every lease of the log.
        var invariantsOverSelection = false
        /// For `audit report`: each shown entry's bytes and its verified inclusion proof.
        var proofs: [EntryProof] = []

        static let schema = "leasehold.audit.history/v1"

        var json: JSONValue {
            let s = history.selection
            var selection: [String: JSONValue] = [:]
            if let o = s.owner { selection["owner"] = .string(o) }
            if let l = s.leaseId { selection["leaseId"] = .string(l) }
            if let f = s.from { selection["from"] = .string(RFC3339.format(f)) }
            if let t = s.to { selection["to"] = .string(RFC3339.format(t)) }
            let events: [JSONValue] = history.events.map { e in
                var d: [String: JSONValue] = [
                    "seq": .int(Int64(e.seq)), "time": .string(RFC3339.format(e.time)), "event": .string(e.event),
                    "owner": .string(e.owner), "leaseId": .string(e.leaseId),
                ]
                for (k, v) in e.details { d[k] = v }
                return .dict(d)
            }
            var invariants: [String: JSONValue] = [
                "hold": .bool(true), "signedLeases": .int(Int64(signedLeases)),
                "scope": .string(invariantsOverSelection ? "selection" : "log"),
                "findings": .array(findings.map { .string($0) }),
            ]
            if let evidence { invariants["evidence"] = .string(evidence) }
            return .dict([
                "schema": .string(Self.schema), "selection": .dict(selection), "events": .array(events), "invariants": .dict(invariants),
                "log": .dict([
                    "entries": .int(Int64(summary.entries)), "root": .string(summary.root.base64), "key": .string(summary.verifierKey),
                    "checkpointsVerified": .int(Int64(summary.checkpointsVerified)),
                ]),
                "checkpoint": .string(checkpoint),
            ])
        }

        /// Aligned columns: seq, time, event, lease, then the details in plain words.
        var text: String {
            var out = ""
            let s = history.selection
            var what = [
                s.owner.map { "owner \($0)" }, s.leaseId.map { "lease \($0)" }, s.from.map { "from \(RFC3339.format($0))" },
                s.to.map { "to \(RFC3339.format($0))" },
            ].compactMap { $0 }.joined(separator: ", ")
            if what.isEmpty { what = "every lease" }
            out += "History of \(what): \(history.events.count) event(s) in \(summary.entries) log entries\n\n"
            let rows = history.events.map { e in
                [String(e.seq), RFC3339.format(e.time), e.event, "\(e.owner)/\(e.leaseId)", Self.words(e)]
            }
            let header = ["SEQ", "TIME", "EVENT", "LEASE", "DETAILS"]
            var widths = header.map(\.count)
            for r in rows { for i in 0..<4 { widths[i] = max(widths[i], r[i].count) } }
            func line(_ r: [String]) -> String {
                (0..<4).map { r[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") + "  " + r[4]
            }
            out += line(header) + "\n"
            for r in rows { out += line(r) + "\n" }
            if rows.isEmpty { out += "(no events)\n" }
            let scope = invariantsOverSelection ? "the selected lease(s)" : "every lease"
            out += "\nLease invariants (\(scope)): hold (\(signedLeases) lease(s) and their grants checked against the owner-signed manifest)\n"
            for f in findings { out += "Finding: \(f)\n" }
            if let evidence { out += "Evidence: \(evidence)\n" }
            out +=
                "Proven against: the whole log (\(summary.entries) entries, root \(summary.root.base64)), \(summary.checkpointsVerified) checkpoint(s) verified with \(summary.verifierKey); latest checkpoint:\n"
            let note = checkpoint.hasSuffix("\n") ? String(checkpoint.dropLast()) : checkpoint
            out += note.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n") + "\n"
            return out
        }

        /// One event's details in plain words: `name value`, long hex shortened (the JSON has it whole).
        static func words(_ e: LeaseHistory.Event) -> String {
            e.details.map { name, value in "\(name) \(plain(value))" }.joined(separator: "; ")
        }

        static func plain(_ v: JSONValue, shorten: Bool = true) -> String {
            switch v {
            case .string(let s):
                return shorten && s.count > 24 && s.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
                    ? String(s.prefix(16)) + "…" : s
            case .int(let i): return String(i)
            case .bool(let b): return b ? "yes" : "no"
            case .array(let a): return a.map { plain($0, shorten: shorten) }.joined(separator: ", ")
            case .object(let pairs): return "{" + pairs.map { "\($0.0) \(plain($0.1, shorten: shorten))" }.joined(separator: " ") + "}"
            case .null: return "-"
            }
        }
    }
}
