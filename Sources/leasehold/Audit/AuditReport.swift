import Codecs
import ArgumentParser
import Foundation
import LeaseholdCore
import LeaseholdWorkloadCLI
import TransparencyLog

/// `leasehold audit report`: one lease's history as a single self-contained HTML file for a
/// legal auditor: the manifest in plain words, the timeline, the verdicts, and an appendix with
/// the signed checkpoint, the log key and every shown entry's bytes and inclusion proof, so the
/// file alone proves what it says. No script, font, image or link leaves the file; print CSS
/// puts each section on its own page.
struct AuditReport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one lease's audit report: a self-contained HTML file (prints to PDF) that carries its own proofs.",
        discussion: """
            The log is verified first, as `audit history` does; a failure exits 1 naming the entry and writes nothing. Each entry shown is proven by its inclusion proof against the latest signed checkpoint, verified before it is written. Print it to PDF from any browser (one section per page), e.g.

              chromium --headless --no-sandbox --print-to-pdf=report.pdf report.html
            """
    )

    @OptionGroup var options: HistoryOptions
    @Option(help: "The HTML file to write.") var out: String

    func validate() throws {
        guard options.lease != nil else { throw ValidationError("a report is about one lease: give --lease ID (and --owner NAME)") }
    }

    func run() async throws {
        let report = try await options.gather(proofs: true)
        guard !report.history.events.isEmpty else {
            throw CLIFailure(
                message:
                    "the verified log holds no event of lease \(options.lease ?? "") \(options.owner.map { "of \($0)" } ?? ""): nothing to report")
        }
        try CLIFiles.write(Array(Self.html(report, generatedAt: Date()).utf8), to: out)
        print(
            "wrote \(out): \(report.history.events.count) event(s), each with its inclusion proof against the checkpoint of size \(report.proofs.first?.treeSize ?? 0)"
        )
    }

    /// The five characters HTML gives meaning to, as entities: everything the report quotes
    /// from the log (purposes, details, entry bytes) is text, never markup.
    static let entities: [Unicode.Scalar: String] = ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"]

    static func esc(_ s: String) -> String {
        var o = ""
        o.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            if let entity = entities[c] { o += entity } else { o.unicodeScalars.append(c) }
        }
        return o
    }

    static let css = """
        body { font-family: serif; max-width: 52em; margin: 2em auto; color: #111; line-height: 1.4; }
        h1, h2 { font-family: sans-serif; } h2 { border-bottom: 1px solid #888; }
        table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
        th, td { border: 1px solid #bbb; padding: 0.25em 0.4em; text-align: left; vertical-align: top; }
        code, pre { font-family: monospace; font-size: 0.8em; word-break: break-all; white-space: pre-wrap; }
        .verdict { font-size: 1.2em; font-weight: bold; }
        @page { size: A4; margin: 16mm; }
        @media print { section { page-break-before: always; } section.first { page-break-before: avoid; } .entry { page-break-inside: avoid; } }
        """

    static func html(_ r: AuditHistory.Report, generatedAt: Date) -> String {
        let events = r.history.events
        let lease = events.first.map { "\($0.owner)/\($0.leaseId)" } ?? ""
        func detail(_ e: LeaseHistory.Event, _ name: String) -> JSONValue? { e.details.first { $0.0 == name }?.1 }
        func text(_ v: JSONValue?) -> String { v.map { AuditHistory.Report.plain($0, shorten: false) } ?? "—" }
        var h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        h += "<title>Audit report: lease \(esc(lease))</title><style>\(css)</style></head><body>\n"
        h += "<section class=\"first\"><h1>Audit report: lease <code>\(esc(lease))</code></h1>"
        h +=
            "<p>Written \(esc(RFC3339.format(generatedAt))) by <code>leasehold audit report</code> from a log of \(r.summary.entries) entries whose hash chain, Merkle tree and \(r.summary.checkpointsVerified) signed checkpoint(s) were verified with the log key <code>\(esc(r.summary.verifierKey))</code>. Every entry below is proven in Appendix B.</p>"
        if let issued = events.first(where: { $0.event == "issued" }) {
            h += "<h2>The lease as its owner signed it</h2><table>"
            let rows: [(String, String)] = [
                ("Owner", issued.owner), ("Lease", issued.leaseId), ("Purpose", text(detail(issued, "purpose"))),
                ("Keys", text(detail(issued, "keyIds"))), ("Valid from", text(detail(issued, "notBefore"))),
                ("Valid until", text(detail(issued, "notAfter"))),
                ("At most", "\(text(detail(issued, "maxGrants"))) grant(s)"), ("Receipts", text(detail(issued, "receipts"))),
                ("Manifest digest (SHA-256)", text(detail(issued, "manifestDigest"))), ("Signed by owner key", text(detail(issued, "signer"))),
                ("Issued", "entry \(issued.seq), \(RFC3339.format(issued.time))"),
            ]
            for (k, v) in rows { h += "<tr><th>\(esc(k))</th><td>\(esc(v))</td></tr>" }
            h += "</table><h3>Software allowed to receive the keys</h3><table><tr><th>TEE</th><th>What must match</th></tr>"
            for w in detail(issued, "workloads")?.arrayValue ?? [] {
                guard case .object(let pairs) = w else { continue }
                let tee = w["tee"]?.stringValue ?? "?"
                let rest = pairs.filter { $0.0 != "tee" }.map { "\($0.0): \(AuditHistory.Report.plain($0.1, shorten: false))" }.joined(
                    separator: "; ")
                h += "<tr><td>\(esc(tee))</td><td><code>\(esc(rest))</code></td></tr>"
            }
            h += "</table>"
        } else {
            h += "<p>The lease's issue is outside the selected time window.</p>"
        }
        h += "</section>\n<section><h2>Timeline</h2><table><tr><th>Entry</th><th>Time (UTC)</th><th>Event</th><th>Details</th></tr>"
        for e in events {
            h += "<tr><td>\(e.seq)</td><td>\(esc(RFC3339.format(e.time)))</td><td>\(esc(e.event))</td><td>"
            h += e.details.filter { $0.0 != "workloads" }.map { "\(esc($0.0)): <code>\(esc(AuditHistory.Report.plain($0.1, shorten: false)))</code>" }
                .joined(separator: "<br>")
            h += "</td></tr>"
        }
        h += "</table>"
        let grants = events.filter { $0.event == "granted" }.count, denials = events.filter { $0.event == "denied" }.count
        h += "<p>\(grants) grant(s), \(denials) refusal(s).</p></section>\n"
        h += "<section><h2>Verdicts</h2><p class=\"verdict\">Lease invariants: hold.</p>"
        h +=
            "<p>Every grant of this lease was inside its window, before any revocation, release or expiry, within its limit of grants, for software and keys the owner-signed manifest names; \(r.signedLeases) lease(s) were checked against the manifest their owner signed. The log's hash chain, Merkle tree and checkpoint signatures verify.</p>"
        for f in r.findings { h += "<p>Finding: \(esc(f))</p>" }
        if let ev = r.evidence { h += "<p>Evidence: \(esc(ev))</p>" }
        h += "</section>\n<section><h2>Appendix A: the signed checkpoint and the log key</h2>"
        h += "<p>Log key (Go sumdb note verifier form): <code>\(esc(r.summary.verifierKey))</code></p><pre>\(esc(r.checkpoint))</pre>"
        h +=
            "<p>To check an entry: its leaf hash is SHA-256(0x00 ‖ the entry's bytes); folding the path (RFC 9162 §2.1.3.2) from that leaf at its index must give the checkpoint's root for its size.</p></section>\n"
        h += "<section><h2>Appendix B: the entries and their inclusion proofs</h2>"
        for p in r.proofs {
            h +=
                "<div class=\"entry\"><h3>Entry \(p.seq)</h3><p>Leaf hash: <code>\(esc(p.leafHash.base64))</code>; tree size \(p.treeSize); path:</p><pre>\(esc(p.path.map(\.base64).joined(separator: "\n")))</pre>"
            h += "<pre>\(esc(String(decoding: p.entry, as: UTF8.self)))</pre></div>"
        }
        h += "</section>\n</body></html>\n"
        return h
    }
}
