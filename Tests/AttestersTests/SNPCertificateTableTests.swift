import Testing
@testable import Attesters

@Suite("SEV-SNP certificate table parser, strict on hostile input")
struct SNPCertificateTableTests {
    func parse(_ bytes: [UInt8]) throws(AttesterError) -> SNPCertificateTable {
        try SNPCertificateTable(parsing: bytes, source: "test")
    }

    func entry(_ guid: [UInt8], _ offset: UInt32, _ length: UInt32) -> [UInt8] {
        guid + Memory.le(offset) + Memory.le(length)
    }

    @Test("GUIDs are read in RFC 4122 byte order")
    func guidOrder() {
        #expect(Vectors.vcekGUID == [0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64, 0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd])
        #expect(SNPCertificateTable.format(Vectors.arkGUID) == "c0b406a4-a803-4952-9743-3fb6014cd0ae")
    }

    @Test("the real Milan VCEK/ASK/ARK: three entries by GUID, byte-identical, with or without zero page padding")
    func realTable() throws {
        let m = try Vectors.milan()
        for padding in [0, 4096 - (try Vectors.milanTable()).count % 4096] {
            let table = try parse(try Vectors.milanTable(padding: padding))
            #expect(table.entries.map(\.kind) == [.vcek, .ask, .ark])
            #expect(table.entry(.vcek)?.bytes == m.vcek)
            #expect(table.entry(.ask)?.bytes == m.ask)
            #expect(table.entry(.ark)?.bytes == m.ark)
            #expect(table.collateral(for: .vcek).collateral == [m.vcek, m.ask, m.ark])
        }
    }

    @Test("VLEK-signed report: the VLEK is sent, never the VCEK next to it")
    func vlekSelection() throws {
        let m = try Vectors.milan()
        let table = try parse(Vectors.certificateTable([(Vectors.vcekGUID, m.vcek), (Vectors.vlekGUID, m.vcek), (Vectors.askGUID, m.ask)]))
        let vlek = table.collateral(for: .vlek)
        #expect(vlek.collateral.count == 2)
        let none = table.collateral(for: .none)
        #expect(none.collateral.isEmpty)
    }

    @Test("unknown GUID and CRL entries are parsed but not sent, and said so")
    func unknownEntries() throws {
        let m = try Vectors.milan()
        let unknown = SNPCertificateTable.guid("ecae0c0f-9502-43b1-afa2-0ae2e0d565b6")
        let crl = SNPCertificateTable.guid("92f81bc3-5811-4d3d-97ff-d19f88dc67ea")
        let table = try parse(Vectors.certificateTable([(Vectors.vcekGUID, m.vcek), (unknown, [8, 0, 0, 0, 1, 2, 3, 4]), (crl, m.ask)]))
        let (collateral, notes) = table.collateral(for: .vcek)
        #expect(collateral == [m.vcek])
        #expect(notes.count == 2)
    }

    @Test("an empty table (terminator only) has no entries")
    func terminatorOnly() throws {
        #expect(try parse([UInt8](repeating: 0, count: 24)).entries.isEmpty)
        #expect(try parse([UInt8](repeating: 0, count: 4096)).entries.isEmpty)
    }

    @Test("hostile tables are refused with bad-response, never a trap", arguments: HostileCase.all)
    func hostile(_ hostile: HostileCase) throws {
        let error = #expect(throws: AttesterError.self) { try parse(hostile.bytes) }
        #expect(error?.code == .badResponse, "\(hostile.name)")
    }

    struct HostileCase: Sendable, CustomTestStringConvertible {
        let name: String
        let bytes: [UInt8]
        var testDescription: String { name }

        static var all: [HostileCase] {
            let m = (try? Vectors.milan())
            let vcek = m?.vcek ?? [0x30, 0x03, 1, 2, 3]
            let ask = m?.ask ?? [0x30, 0x03, 4, 5, 6]
            let good = Vectors.certificateTable([(Vectors.vcekGUID, vcek), (Vectors.askGUID, ask)])
            func entry(_ guid: [UInt8], _ offset: UInt32, _ length: UInt32) -> [UInt8] { guid + Memory.le(offset) + Memory.le(length) }
            let zero = [UInt8](repeating: 0, count: 24)
            let header2 = 3 * 24
            var overlap =
                entry(Vectors.vcekGUID, UInt32(header2), UInt32(vcek.count)) + entry(Vectors.askGUID, UInt32(header2 + 10), UInt32(ask.count)) + zero
            overlap += vcek + ask
            var duplicate =
                entry(Vectors.vcekGUID, UInt32(header2), UInt32(vcek.count))
                + entry(Vectors.vcekGUID, UInt32(header2 + vcek.count), UInt32(vcek.count)) + zero
            duplicate += vcek + vcek
            let truncatedCert = Array(good.dropLast(1))
            var nonZeroTrailing = good + [0, 0, 7]
            nonZeroTrailing[nonZeroTrailing.count - 2] = 0
            let wrongDERLength = entry(Vectors.vcekGUID, 48, UInt32(vcek.count - 1)) + zero + Array(vcek.dropLast())
            return [
                HostileCase(name: "empty buffer", bytes: []),
                HostileCase(name: "truncated entry", bytes: Array(good.prefix(30))),
                HostileCase(name: "no terminator", bytes: entry(Vectors.vcekGUID, 24, UInt32(vcek.count)) + vcek),
                HostileCase(name: "only non-zero garbage", bytes: [UInt8](repeating: 0xFF, count: 4096)),
                HostileCase(name: "zero GUID with an offset", bytes: entry([UInt8](repeating: 0, count: 16), 48, 5) + zero),
                HostileCase(name: "offset inside the header", bytes: entry(Vectors.vcekGUID, 10, 5) + zero + [0x30, 3, 1, 2, 3]),
                HostileCase(name: "length past the end", bytes: entry(Vectors.vcekGUID, 48, 4096) + zero + vcek),
                HostileCase(name: "huge length", bytes: entry(Vectors.vcekGUID, 48, UInt32.max) + zero + vcek),
                HostileCase(name: "huge offset", bytes: entry(Vectors.vcekGUID, UInt32.max, UInt32.max) + zero + vcek),
                HostileCase(name: "zero length", bytes: entry(Vectors.vcekGUID, 48, 0) + zero),
                HostileCase(name: "overlapping entries", bytes: overlap),
                HostileCase(name: "duplicate GUID", bytes: duplicate),
                HostileCase(name: "certificate cut short", bytes: truncatedCert),
                HostileCase(name: "non-zero bytes after the last certificate", bytes: nonZeroTrailing),
                HostileCase(name: "entry length shorter than its DER", bytes: wrongDERLength),
                HostileCase(name: "not DER", bytes: entry(Vectors.vcekGUID, 48, 4) + zero + [1, 2, 3, 4]),
                HostileCase(name: "65 entries", bytes: (0..<65).flatMap { i in entry([UInt8](repeating: UInt8(i + 1), count: 16), 0, 0) } + zero),
            ]
        }
    }
}
