/// The certificate table an SEV-SNP host attaches to an extended guest report, parsed
/// strictly (GHCB spec 56421 §4.1.8.1; ATTESTERS.md §2.2).
///
/// ```
/// table   := entry* terminator certificates
/// entry   := offset 0  GUID[16]   (RFC 4122 byte order, as go-sev-guest and virtee read it)
///            offset 16 u32 offset (LE, from the start of the table buffer)
///            offset 20 u32 length (LE)
/// terminator := 24 zero bytes
/// ```
///
/// | GUID                                   | certificate                       |
/// |----------------------------------------|-----------------------------------|
/// | 63da758d-e664-4564-adc5-f4b93be8accd   | VCEK                              |
/// | a8074bc2-a25a-483e-aae6-39c045a0b8a1   | VLEK                              |
/// | 4ab7b379-bbac-4fe4-a02f-05aef327c782   | ASK (the ASVK uses it too)        |
/// | c0b406a4-a803-4952-9743-3fb6014cd0ae   | ARK                               |
/// | 92f81bc3-5811-4d3d-97ff-d19f88dc67ea   | CRL (virtee only)                 |
///
/// The host writes this table, so nothing in it is trusted: the broker verifies the chain up
/// to its pinned ARK. Parsing only makes sure every byte is accounted for, which is what lets
/// the certificates travel as separate documents: each entry must lie after the header and
/// inside the buffer, have a non-zero length, not overlap another, carry a GUID seen once, and
/// hold one DER SEQUENCE whose encoded length is exactly the entry's length. Bytes after the
/// last certificate must be zero (the ioctl's buffer is page-sized; configfs truncates it).
struct SNPCertificateTable: Sendable, Hashable {
    enum Kind: String, Sendable, Hashable {
        case vcek = "VCEK", vlek = "VLEK", ask = "ASK", ark = "ARK", crl = "CRL"
    }

    struct Entry: Sendable, Hashable {
        /// 16 bytes, RFC 4122 order.
        let guid: [UInt8]
        let offset: UInt32
        let length: UInt32
        /// nil for a GUID this table does not know (sent nowhere, named in the notes).
        let kind: Kind?
        let bytes: [UInt8]

        var guidText: String { SNPCertificateTable.format(guid) }
    }

    static let entrySize = 24
    /// More entries than any host sends (at most 5 are defined); bounds the work on hostile input.
    static let maxEntries = 64

    static let knownGUIDs: [(guid: [UInt8], kind: Kind)] = [
        (guid("63da758d-e664-4564-adc5-f4b93be8accd"), .vcek),
        (guid("a8074bc2-a25a-483e-aae6-39c045a0b8a1"), .vlek),
        (guid("4ab7b379-bbac-4fe4-a02f-05aef327c782"), .ask),
        (guid("c0b406a4-a803-4952-9743-3fb6014cd0ae"), .ark),
        (guid("92f81bc3-5811-4d3d-97ff-d19f88dc67ea"), .crl),
    ]

    let entries: [Entry]

    /// Parses the table; `source` names where it came from, for messages.
    init(parsing bytes: [UInt8], source: String) throws(AttesterError) {
        func bad(_ why: String) -> AttesterError {
            AttesterError(.badResponse, "the SEV-SNP certificate table from \(source) (\(bytes.count) bytes) is malformed: \(why)")
        }
        var raw: [(guid: [UInt8], offset: UInt32, length: UInt32)] = []
        var position = 0
        while true {
            guard let guid = Bytes.slice(bytes, at: position, count: 16),
                let offset = Bytes.readLE(UInt32.self, bytes, at: position + 16),
                let length = Bytes.readLE(UInt32.self, bytes, at: position + 20)
            else {
                throw bad("no all-zero terminating entry within the buffer")
            }
            position += Self.entrySize
            if guid.allSatisfy({ $0 == 0 }) {
                guard offset == 0, length == 0 else {
                    throw bad("entry \(raw.count + 1) has a zero GUID but offset \(offset) and length \(length); a terminator is all zero")
                }
                break
            }
            guard raw.count < Self.maxEntries else { throw bad("more than \(Self.maxEntries) entries") }
            raw.append((guid, offset, length))
        }
        let headerEnd = position

        var entries: [Entry] = []
        var seen: Set<[UInt8]> = []
        for (index, item) in raw.enumerated() {
            let name = "entry \(index + 1) (\(Self.format(item.guid)))"
            guard seen.insert(item.guid).inserted else { throw bad("\(name) appears twice") }
            guard item.length > 0 else { throw bad("\(name) has length 0") }
            let start = Int(item.offset)
            let (end, overflow) = start.addingReportingOverflow(Int(item.length))
            guard start >= headerEnd else {
                throw bad("\(name) starts at \(start), inside the \(headerEnd)-byte table header")
            }
            guard !overflow, end <= bytes.count else {
                throw bad("\(name) runs from \(start) to \(start) + \(item.length), past the end of the buffer (\(bytes.count))")
            }
            let certificate = Array(bytes[start..<end])
            let kind = Self.knownGUIDs.first(where: { $0.guid == item.guid })?.kind
            if kind != nil {
                guard let derLength = Self.derLength(certificate), derLength == certificate.count else {
                    throw bad("\(name) is not exactly one DER SEQUENCE of \(item.length) bytes")
                }
            }
            entries.append(Entry(guid: item.guid, offset: item.offset, length: item.length, kind: kind, bytes: certificate))
        }

        // No two entries may share bytes, and nothing but zero padding may follow the last one.
        let sorted = entries.sorted { $0.offset < $1.offset }
        var covered = headerEnd
        for entry in sorted {
            guard Int(entry.offset) >= covered else {
                throw bad("entry \(entry.guidText) at offset \(entry.offset) overlaps the entry before it (which ends at \(covered))")
            }
            covered = Int(entry.offset) + Int(entry.length)
        }
        guard bytes[covered...].allSatisfy({ $0 == 0 }) else {
            throw bad("non-zero bytes follow the last certificate (at \(covered)); no entry accounts for them")
        }
        self.entries = entries
    }

    func entry(_ kind: Kind) -> Entry? { entries.first { $0.kind == kind } }

    /// The collateral the broker's SNP verifier takes: the endorsement key the report was
    /// signed with (VCEK or VLEK, never both: the verifier refuses two leaves), then ASK, then
    /// ARK, each as one DER certificate. The CRL and unknown entries are not sent; `notes`
    /// says so.
    func collateral(for signingKey: SNPReportFields.SigningKey) -> (collateral: [[UInt8]], notes: [String]) {
        var out: [[UInt8]] = []
        var notes: [String] = []
        switch signingKey {
        case .vcek:
            if let vcek = entry(.vcek) {
                out.append(vcek.bytes)
            } else {
                notes.append("the host's certificate table has no VCEK; the broker must fetch it from AMD KDS")
            }
        case .vlek:
            if let vlek = entry(.vlek) {
                out.append(vlek.bytes)
            } else {
                notes.append("the report is signed with a VLEK but the host's certificate table has none")
            }
        case .none:
            notes.append("the report is unsigned (SIGNING_KEY none); no endorsement key is sent")
        }
        guard !out.isEmpty else { return (out, notes) }
        if let ask = entry(.ask) { out.append(ask.bytes) }
        if let ark = entry(.ark) { out.append(ark.bytes) }
        for entry in entries where entry.kind == nil {
            notes.append("certificate table entry \(entry.guidText) (\(entry.length) bytes) is not a VCEK, VLEK, ASK or ARK and was not sent")
        }
        if entry(.crl) != nil {
            notes.append("the host's certificate table carries a CRL, which was not sent (the broker checks revocation from AMD KDS)")
        }
        return (out, notes)
    }

    /// The length of the DER element at the start of `bytes` (tag 0x30, definite length), or nil.
    static func derLength(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 2, bytes[0] == 0x30 else { return nil }
        let first = bytes[1]
        if first < 0x80 { return 2 + Int(first) }
        let count = Int(first & 0x7F)
        guard count >= 1, count <= 4, let field = Bytes.slice(bytes, at: 2, count: count) else { return nil }
        var length = 0
        for b in field { length = length << 8 | Int(b) }
        return 2 + count + length
    }

    /// GUID text (8-4-4-4-12) to 16 bytes in RFC 4122 order; only for the constants above.
    static func guid(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        var pending: UInt8? = nil
        for c in text.utf8 where c != UInt8(ascii: "-") {
            let v: UInt8 = c <= UInt8(ascii: "9") ? c &- UInt8(ascii: "0") : c &- UInt8(ascii: "a") &+ 10
            if let high = pending { out.append(high << 4 | v); pending = nil } else { pending = v }
        }
        return out
    }

    static func format(_ guid: [UInt8]) -> String {
        let h = Bytes.hex(guid)
        guard h.count == 32 else { return h }
        let c = Array(h)
        return String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-" + String(c[16..<20]) + "-" + String(c[20..<32])
    }
}
